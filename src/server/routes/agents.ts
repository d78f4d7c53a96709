import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Heed } from '../../human/heed.ts';
import type { AuthEnv } from '../auth.ts';
import { errors, json, WaitingAgentSchema } from '../schemas.ts';

const WAITING_FOR_A_HUMAN = new Set(['pending_approval', 'pending_human']);

/**
 * `GET /v1/agents/waiting`: the agent inbox: every run waiting for a person, with the status the
 * agent published (`agent`: working, pending_approval, denied, done) and its open tasks.
 */
export function agentRoutes(app: OpenAPIHono<AuthEnv>, heed: Heed): void {
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
      const items = [];
      for (let cursor: string | undefined; ; ) {
        const page = await heed.runs.list({ status: 'waiting', limit: 500, cursor });
        for (const run of page.items) {
          if (run.workflow.startsWith('heed.')) continue;
          const status = (await heed.getStatus<{ status?: string }>(run.id, 'agent')) ?? null;
          if (!status?.status || !WAITING_FOR_A_HUMAN.has(status.status)) continue;
          const tasks = (await heed.tasks.list({ status: 'pending', limit: 1000 })).items.filter(
            (t) => t.runId === run.id,
          );
          items.push({
            runId: run.id,
            workflow: run.workflow,
            status,
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
