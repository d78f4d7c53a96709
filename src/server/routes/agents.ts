import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Authorization } from '../../authorization/authorization.ts';
import type { Heed } from '../../human/heed.ts';
import type { AuthEnv } from '../auth.ts';
import { errors, json, WaitingAgentSchema } from '../schemas.ts';

const WAITING_FOR_A_HUMAN = new Set(['pending_approval', 'pending_human']);

/**
 * `GET /v1/agents/waiting`: the agent inbox: the runs waiting for a person that the caller may see
 * (its own, or any for admins) with the status the agent published (`agent`: working,
 * pending_approval, denied, done), and the agents waiting on a task the caller may see (then only
 * those tasks are listed, and of the status only its state).
 */
export function agentRoutes(app: OpenAPIHono<AuthEnv>, heed: Heed, authorization: Authorization): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/agents/waiting',
      operationId: 'listWaitingAgents',
      tags: ['Agents'],
      summary: 'Agents waiting for a human, with their published status and open tasks',
      responses: {
        200: json(z.object({ items: z.array(WaitingAgentSchema) }), 'Waiting agents'),
        ...errors(401),
      },
    }),
    async (c) => {
      const caller = c.get('caller');
      const items = [];
      const pending = (await heed.tasks.list({ status: 'pending', limit: 1000 })).items;
      for (let cursor: string | undefined; ; ) {
        const page = await heed.runs.list({
          status: 'waiting',
          limit: 500,
          cursor,
          excludeWorkflows: heed.internalWorkflows(),
        });
        for (const run of page.items) {
          const status = (await heed.getStatus<{ status?: string }>(run.id, 'agent')) ?? null;
          if (!status?.status || !WAITING_FOR_A_HUMAN.has(status.status)) continue;
          const ownRun = authorization.canSeeRun(caller, run);
          const tasks = pending.filter((t) => t.runId === run.id && (ownRun || authorization.canSeeTask(caller, t)));
          if (!ownRun && tasks.length === 0) continue;
          items.push({
            runId: run.id,
            workflow: run.workflow,
            status: ownRun ? status : { status: status.status },
            waitingSince: run.updatedAt,
            tasks: tasks.map((t) => ({ id: t.id, type: t.type, title: t.title, deadline: t.deadline })),
          });
        }
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      return c.json({ items }, 200);
    },
  );
}
