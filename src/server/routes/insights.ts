import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Authorization } from '../../authorization/authorization.ts';
import type { Heed } from '../../human/heed.ts';
import { decisionOf, readInsightTasks, summarize } from '../../human/insights.ts';
import { toCsv } from '../../text/csv.ts';
import type { AuthEnv } from '../auth.ts';
import { errors, InsightsSchema, json } from '../schemas.ts';

const DAY_MS = 86_400_000;
/** An audit export reads one log per task: at most this many tasks' logs per request. */
const MAX_AUDIT_EXPORT_TASKS = 2_000;

const InsightsQuery = z.object({
  days: z.coerce
    .number()
    .int()
    .min(1)
    .max(366)
    .optional()
    .openapi({ description: 'The window: tasks created in the last N days (default 30)' }),
  principal: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: "Admins: one person's figures (default everyone's). Others always get their own." }),
});

/**
 * `GET /v1/insights`: where decisions stall (see `human/insights.ts`), and
 * `GET /v1/insights/export`: the same tasks as CSV, or their audit entries. A person reads their
 * own figures; admins everyone's or one person's (see `Authorization.insightsScope`).
 */
export function insightRoutes(app: OpenAPIHono<AuthEnv>, heed: Heed, authorization: Authorization): void {
  const window = async (
    caller: Parameters<Authorization['insightsScope']>[0],
    query: z.infer<typeof InsightsQuery>,
  ) => {
    const principal = authorization.insightsScope(caller, query.principal);
    const to = heed.clock.now();
    const from = to - (query.days ?? 30) * DAY_MS;
    const read = await readInsightTasks(heed.tasks, { from, to: to + 1, principal });
    return { principal, from, to, now: to, ...read };
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/insights',
      operationId: 'getInsights',
      tags: ['Tasks'],
      summary:
        'Decision insights: time to decision by type, policy, person and channel; pending, overdue, reminders, escalations',
      request: { query: InsightsQuery },
      responses: { 200: json(InsightsSchema, 'The figures for the window'), ...errors(401, 403, 422) },
    }),
    async (c) => {
      const found = await window(c.get('caller'), c.req.valid('query'));
      return c.json(summarize(found.items, found) as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/insights/export',
      operationId: 'exportInsights',
      tags: ['Tasks'],
      summary: 'The tasks behind the insights as CSV, one row per task, or their audit entries (`what=audit`)',
      request: {
        query: InsightsQuery.extend({
          what: z.enum(['tasks', 'audit']).optional().openapi({ description: 'Default `tasks`' }),
        }),
      },
      responses: {
        200: { description: 'CSV (RFC 4180)', content: { 'text/csv': { schema: z.string() } } },
        ...errors(401, 403, 422),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const found = await window(c.get('caller'), query);
      const headers: Record<string, string> = {
        'content-type': 'text/csv; charset=utf-8',
        'cache-control': 'no-store',
      };
      if (query.what === 'audit') {
        const tasks = found.items.slice(0, MAX_AUDIT_EXPORT_TASKS);
        const rows: unknown[][] = [];
        for (const task of tasks) {
          for (const entry of await heed.tasks.audit(task.id)) {
            rows.push([
              entry.taskId,
              entry.seq,
              new Date(entry.at).toISOString(),
              entry.actor,
              entry.via,
              entry.action,
              entry.outcome,
              entry.detail,
              entry.hash,
            ]);
          }
        }
        headers['content-disposition'] = 'attachment; filename="heed-audit.csv"';
        if (found.truncated || found.items.length > tasks.length) headers['x-heed-truncated'] = 'true';
        return c.body(
          toCsv(['task_id', 'seq', 'at', 'actor', 'via', 'action', 'outcome', 'detail', 'hash'], rows),
          200,
          headers,
        ) as never;
      }
      const rows = found.items.map((task) => {
        const decision = decisionOf(task);
        return [
          task.id,
          task.type,
          task.title,
          task.policy?.name ?? '',
          task.status,
          task.result?.outcome ?? '',
          task.requester ?? '',
          task.result?.by ?? '',
          task.result?.via ?? '',
          new Date(task.createdAt).toISOString(),
          task.result ? new Date(task.result.at).toISOString() : '',
          decision ? decision.seconds : '',
          task.remindersSent,
          task.escalationLevel,
        ];
      });
      headers['content-disposition'] = 'attachment; filename="heed-tasks.csv"';
      if (found.truncated) headers['x-heed-truncated'] = 'true';
      const header = [
        'task_id',
        'type',
        'title',
        'policy',
        'status',
        'outcome',
        'requester',
        'decided_by',
        'via',
        'created_at',
        'ended_at',
        'seconds_to_decision',
        'reminders',
        'escalation_level',
      ];
      return c.body(toCsv(header, rows), 200, headers) as never;
    },
  );
}
