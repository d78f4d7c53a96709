import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Authorization, Caller } from '../../authorization/authorization.ts';
import type { RunInfo } from '../../engine/run-info.ts';
import type { Heed } from '../../human/heed.ts';
import type { AuthEnv } from '../auth.ts';
import { errors, json, WaitingAgentSchema } from '../schemas.ts';

const WAITING_FOR_A_HUMAN = new Set(['pending_approval', 'pending_human']);
/**
 * A request examines at most this many waiting runs (two indexed reads each), then hands a cursor
 * back: however many runs wait that the caller may not see, one request stays bounded.
 */
const MAX_EXAMINED = 500;

type WaitingAgent = z.infer<typeof WaitingAgentSchema>;

/**
 * `GET /v1/agents/waiting`: the agent inbox: the runs waiting for a person that the caller may see
 * (its own, or any for admins) with the status the agent published (`agent`: working,
 * pending_approval, denied, done), and the agents waiting on a task the caller may see (then only
 * those tasks are listed, and of the status only its state).
 *
 * Complete and paged: it walks the waiting runs newest first with the runs' own cursor, and reads
 * each candidate's status and pending tasks by indexed lookups (`askedBy`), so its cost per page
 * is bounded (at most 500 runs examined per request), not by how many tasks are pending. A page may hold fewer than `limit`
 * items and still have a `nextCursor` (runs the caller may not see were skipped).
 */
export function agentRoutes(app: OpenAPIHono<AuthEnv>, heed: Heed, authorization: Authorization): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/agents/waiting',
      operationId: 'listWaitingAgents',
      tags: ['Agents'],
      summary: 'Agents waiting for a human, with their published status and open tasks',
      request: {
        query: z.object({
          limit: z.coerce.number().int().min(1).max(500).optional(),
          cursor: z.string().max(200).optional(),
        }),
      },
      responses: {
        200: json(
          z.object({ items: z.array(WaitingAgentSchema), nextCursor: z.string().nullable() }),
          'Waiting agents, newest first; follow `nextCursor` for more',
        ),
        ...errors(400, 401, 422),
      },
    }),
    async (c) => {
      const caller = c.get('caller');
      const { limit = 100, cursor: from } = c.req.valid('query');
      const items: WaitingAgent[] = [];
      let cursor: string | null | undefined = from;
      let examined = 0;
      while (items.length < limit && examined < MAX_EXAMINED) {
        // A page of runs no larger than what is still wanted (or may still be examined), so the
        // cursor never skips one.
        const size = Math.min(limit - items.length, MAX_EXAMINED - examined);
        examined += size;
        const page = await heed.runs.list({
          status: 'waiting',
          limit: size,
          cursor: cursor ?? undefined,
          excludeWorkflows: heed.internalWorkflows(),
        });
        for (const run of page.items) {
          const agent = await waitingAgent(heed, authorization, caller, run);
          if (agent) items.push(agent);
        }
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      return c.json({ items, nextCursor: cursor ?? null }, 200);
    },
  );
}

/** The run as the caller may see it in the agent inbox, or `null` (not waiting for a person, or not visible). */
async function waitingAgent(
  heed: Heed,
  authorization: Authorization,
  caller: Caller,
  run: RunInfo,
): Promise<WaitingAgent | null> {
  const status = (await heed.getStatus<{ status?: string }>(run.id, 'agent')) ?? null;
  if (!status?.status || !WAITING_FOR_A_HUMAN.has(status.status)) return null;
  const ownRun = authorization.canSeeRun(caller, run);
  // The tasks this run asked and still waits on (indexed by asker; a run asks few at a time).
  const pending = (await heed.tasks.list({ status: 'pending', askedBy: run.id, limit: 100 })).items;
  const tasks = pending.filter((t) => ownRun || authorization.canSeeTask(caller, t));
  if (!ownRun && tasks.length === 0) return null;
  return {
    runId: run.id,
    workflow: run.workflow,
    status: ownRun ? status : { status: status.status },
    waitingSince: run.updatedAt,
    tasks: tasks.map((t) => ({ id: t.id, type: t.type, title: t.title, deadline: t.deadline })),
  };
}
