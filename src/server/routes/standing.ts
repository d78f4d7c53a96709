import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Authorization } from '../../authorization/authorization.ts';
import type { Heed } from '../../human/heed.ts';
import type { AuthEnv } from '../auth.ts';
import { errors, IdParam, json } from '../schemas.ts';

const tag = ['Standing approvals'];

const StandingApprovalSchema = z
  .object({
    id: z.string(),
    tool: z.string(),
    policy: z.object({ name: z.string(), version: z.string() }),
    requester: z.string().nullable().openapi({ description: 'Whose requests it approves (null: none named)' }),
    approver: z.string().openapi({ description: 'Who granted it; the tasks it approves are approved as them' }),
    bounds: z.object({
      equal: z.record(z.string(), z.unknown()).openapi({ description: 'Arguments that must be exactly these' }),
      max: z.record(z.string(), z.number()).openapi({ description: 'Numeric arguments up to these (inclusive)' }),
    }),
    sourceTaskId: z.string().openapi({ description: 'The approval it was granted with' }),
    createdAt: z.number(),
    expiresAt: z.number(),
    revokedAt: z.number().nullable(),
    revokedBy: z.string().nullable(),
    active: z.boolean().openapi({ description: 'In force now (neither expired nor revoked)' }),
  })
  .openapi('StandingApproval');

const GrantSchema = z
  .strictObject({
    days: z.number().int().min(1).max(90).openapi({ description: 'How long it stands (at most the policy’s maxDays)' }),
    max: z
      .record(z.string().min(1).max(200), z.number())
      .optional()
      .refine((m) => m === undefined || Object.keys(m).length <= 50, { message: 'at most 50 bounds' })
      .openapi({
        description: 'A maximum per numeric argument; every other argument must equal the approved one',
        example: { amount: 200 },
      }),
  })
  .openapi('StandingGrant');

const ListQuery = z.object({
  approver: z.string().max(200).optional().openapi({ description: "Admins: one approver's (default all)" }),
  active: z.enum(['true', 'false']).optional().openapi({ description: 'true: only those in force now' }),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

/**
 * Standing approvals (see `human/standing.ts`): `POST /v1/tasks/{id}/standing` lets an approval
 * stand for later ones within bounds, `GET /v1/standing-approvals` lists them,
 * `DELETE /v1/standing-approvals/{id}` revokes one.
 */
export function standingRoutes(app: OpenAPIHono<AuthEnv>, heed: Heed, authorization: Authorization): void {
  const via = (header: string | undefined) => (['inbox', 'cli'].includes(header ?? '') ? (header as string) : 'api');

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/tasks/{id}/standing',
      operationId: 'grantStandingApproval',
      tags: tag,
      summary: 'Let your approval of an action stand for the same action within bounds, for some days',
      description:
        'Only an approver of this approved action approval, where its policy says `standing: {maxDays}`, for at most that many days. Later approval tasks of the same tool, under the same policy version, from the same requester, whose arguments are within the bounds (the same argument names; those in `max` up to it, all others equal to the approved ones), are approved at creation as you, via `standing`, with the standing approval named in the audit. Never for your own requests (four-eyes). Recorded in this task’s audit chain.',
      request: {
        params: IdParam,
        body: { content: { 'application/json': { schema: GrantSchema } }, required: true },
      },
      responses: {
        201: json(StandingApprovalSchema, 'The standing approval'),
        ...errors(400, 401, 403, 404, 422),
      },
    }),
    async (c) => {
      const caller = c.get('caller');
      const { id } = c.req.valid('param');
      const task = authorization.requireGrantStanding(caller, await heed.tasks.get(id), id);
      const standing = await heed.tasks.standing.grant(
        task,
        c.req.valid('json'),
        caller.principal,
        via(c.req.header('x-heed-via')),
      );
      return c.json(standing as never, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/standing-approvals',
      operationId: 'listStandingApprovals',
      tags: tag,
      summary: 'Your standing approvals, newest first (admins: everyone’s)',
      request: { query: ListQuery },
      responses: {
        200: json(z.object({ items: z.array(StandingApprovalSchema) }).openapi('StandingApprovalList'), 'The list'),
        ...errors(400, 401, 403, 422),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const approver = authorization.standingListScope(c.get('caller'), query.approver);
      const items = await heed.tasks.standing.list({
        ...(approver ? { approver } : {}),
        active: query.active === 'true',
        ...(query.limit ? { limit: query.limit } : {}),
      });
      return c.json({ items } as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/standing-approvals/{id}',
      operationId: 'revokeStandingApproval',
      tags: tag,
      summary: 'Revoke a standing approval (its approver or an admin)',
      request: { params: IdParam },
      responses: { 200: json(StandingApprovalSchema, 'The standing approval, revoked'), ...errors(401, 404) },
    }),
    async (c) => {
      const caller = c.get('caller');
      const { id } = c.req.valid('param');
      authorization.requireRevokeStanding(caller, await heed.tasks.standing.get(id), id);
      const revoked = await heed.tasks.standing.revoke(id, caller.principal, via(c.req.header('x-heed-via')));
      return c.json(revoked as never, 200);
    },
  );
}
