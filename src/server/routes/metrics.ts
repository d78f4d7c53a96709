import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Authorization } from '../../authorization/authorization.ts';
import type { Heed } from '../../human/heed.ts';
import type { AuthEnv } from '../auth.ts';
import { errors } from '../schemas.ts';

/**
 * `GET /metrics`: Prometheus metrics (admins, and keys holding the `metrics` permission). See
 * `observability/metrics.ts` for what is counted and how a scrape reads the store.
 */
export function metricsRoutes(app: OpenAPIHono<AuthEnv>, heed: Heed, authorization: Authorization): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/metrics',
      operationId: 'getMetrics',
      tags: ['Meta'],
      summary:
        'Prometheus metrics: runs, steps, tasks, time to decision, reminders, escalations, deliveries, store latency',
      description:
        'The Prometheus text exposition format. Admins, and principals holding the `metrics` permission (config `permissions.metrics`, e.g. a scraper key).',
      responses: {
        200: {
          description: 'The metrics',
          content: { 'text/plain': { schema: z.string() } },
        },
        ...errors(401, 403),
      },
    }),
    async (c) => {
      authorization.requireMetrics(c.get('caller'));
      const text = await heed.metrics.text();
      return c.body(text, 200, { 'content-type': heed.metrics.contentType, 'cache-control': 'no-store' }) as never;
    },
  );
}
