import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Authorization } from '../../authorization/authorization.ts';
import type { Heed } from '../../human/heed.ts';
import type { AuthEnv } from '../auth.ts';
import { errors, json, PolicyListSchema } from '../schemas.ts';

/** `GET /v1/policies`: the approval policies in force, with their versions (admins). */
export function policyRoutes(app: OpenAPIHono<AuthEnv>, heed: Heed, authorization: Authorization): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/policies',
      operationId: 'listPolicies',
      tags: ['Tasks'],
      summary: 'The approval policies in force, first match first, with their versions (admins)',
      responses: { 200: json(PolicyListSchema, 'The policies'), ...errors(401, 403) },
    }),
    (c) => {
      authorization.requireAdmin(c.get('caller'), 'read the approval policies');
      return c.json({ items: heed.tasks.policies.list() } as never, 200);
    },
  );
}
