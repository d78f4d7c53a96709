/**
 * Away and delegates over HTTP (see `human/away.ts`): `GET|PUT|DELETE /v1/me/away` for the caller,
 * `GET|PUT|DELETE /v1/people/{principal}/away` for admins (and the person themself). Who may set
 * whose absence is `Authorization.requireAway`.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Authorization, Caller } from '../../authorization/authorization.ts';
import type { AwayState } from '../../human/away.ts';
import type { Heed } from '../../human/heed.ts';
import type { AuthEnv } from '../auth.ts';
import { errors, json } from '../schemas.ts';

const Time = z
  .string()
  .max(40)
  .refine((value) => Number.isFinite(Date.parse(value)), 'an ISO date or time, e.g. 2026-12-18 or 2026-12-18T09:00:00Z')
  .openapi({ example: '2026-12-18T09:00:00Z' });

const AwayInputSchema = z
  .strictObject({
    until: Time.openapi({ description: 'When they are back (excluded). A date alone is midnight UTC of that day.' }),
    delegate: z
      .string()
      .min(1)
      .max(200)
      .openapi({ description: 'Who answers meanwhile (a person, a group or an email address)', example: 'user:bob' }),
    from: Time.optional().openapi({ description: 'When the absence starts (default now)' }),
  })
  .openapi('AwayInput');

const AwayRecordSchema = z.object({
  principal: z.string(),
  delegate: z.string(),
  from: z.number().int().openapi({ description: 'Epoch ms' }),
  until: z.number().int().openapi({ description: 'Epoch ms (excluded)' }),
  setBy: z.string(),
  setAt: z.number().int(),
});

const AwaySchema = z
  .object({
    principal: z.string(),
    away: AwayRecordSchema.nullable().openapi({ description: 'The absence set (now or later), or null' }),
    active: z.boolean().openapi({ description: 'Whether it is in force now' }),
    delegateNow: z
      .string()
      .nullable()
      .openapi({ description: 'Where their tasks go now: the end of the chain of delegates' }),
    log: z.array(
      z.object({
        principal: z.string(),
        action: z.enum(['set', 'cleared']),
        actor: z.string(),
        at: z.number().int(),
        detail: z.unknown(),
      }),
    ),
    moved: z.number().int().optional().openapi({ description: 'After PUT: how many pending tasks moved now' }),
  })
  .openapi('Away');

const PrincipalParam = z.object({
  principal: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'principal', in: 'path' }, example: 'user:alice' }),
});

const PUT_DESCRIPTION =
  'Tasks that would reach the person reach the delegate instead, marked as for them (`assignees[].for`): at creation, at escalation and on reassignment; a chain of delegates is followed. Tasks already pending move to the delegate when the absence starts (now, or at `from` by a durable timer), as a reassignment by `system` with the reason "away until …". A delegate who asked for an approval never decides it (four-eyes): such a task stays with the person. A chain that leads back to the person during the period is refused (422 `DELEGATE_LOOP`). Replaces an absence set before.';

/** The away routes (see the module comment). */
export function awayRoutes(app: OpenAPIHono<AuthEnv>, heed: Heed, authorization: Authorization): void {
  const show = (state: AwayState, extra: { moved?: number } = {}) => ({ ...state, ...extra });
  const put = async (caller: Caller, principal: string, body: z.infer<typeof AwayInputSchema>) => {
    authorization.requireAway(caller, principal);
    const { state, moved } = await heed.tasks.away.set(
      principal,
      {
        until: Date.parse(body.until),
        delegate: body.delegate,
        from: body.from === undefined ? undefined : Date.parse(body.from),
      },
      caller.principal,
    );
    return show(state, { moved });
  };
  const del = async (caller: Caller, principal: string) => {
    authorization.requireAway(caller, principal);
    await heed.tasks.away.clear(principal, caller.principal);
    return show(await heed.tasks.away.get(principal));
  };
  const get = async (caller: Caller, principal: string) => {
    authorization.requireAway(caller, principal);
    return show(await heed.tasks.away.get(principal));
  };
  const body = { content: { 'application/json': { schema: AwayInputSchema } }, required: true };
  const tags = ['People'];

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/me/away',
      operationId: 'getMyAway',
      tags,
      summary: 'Whether I am away, until when, who answers for me',
      responses: { 200: json(AwaySchema, 'The absence and its latest changes'), ...errors(401) },
    }),
    async (c) => c.json((await get(c.get('caller'), c.get('caller').principal)) as never, 200),
  );
  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/me/away',
      operationId: 'setMyAway',
      tags,
      summary: 'Set myself away until a time, with a delegate',
      description: PUT_DESCRIPTION,
      request: { body },
      responses: { 200: json(AwaySchema, 'The absence set'), ...errors(400, 401, 422) },
    }),
    async (c) => c.json((await put(c.get('caller'), c.get('caller').principal, c.req.valid('json'))) as never, 200),
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/me/away',
      operationId: 'clearMyAway',
      tags,
      summary: 'I am back: new tasks reach me again (tasks moved to the delegate stay there)',
      responses: { 200: json(AwaySchema, 'Not away any more'), ...errors(401) },
    }),
    async (c) => c.json((await del(c.get('caller'), c.get('caller').principal)) as never, 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/people/{principal}/away',
      operationId: 'getAway',
      tags,
      summary: "Someone's absence (admins, or the person themself)",
      request: { params: PrincipalParam },
      responses: { 200: json(AwaySchema, 'The absence and its latest changes'), ...errors(401, 403) },
    }),
    async (c) => c.json((await get(c.get('caller'), c.req.valid('param').principal)) as never, 200),
  );
  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/people/{principal}/away',
      operationId: 'setAway',
      tags,
      summary: 'Set someone away (admins, or the person themself)',
      description: PUT_DESCRIPTION,
      request: { params: PrincipalParam, body },
      responses: { 200: json(AwaySchema, 'The absence set'), ...errors(400, 401, 403, 422) },
    }),
    async (c) =>
      c.json((await put(c.get('caller'), c.req.valid('param').principal, c.req.valid('json'))) as never, 200),
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/people/{principal}/away',
      operationId: 'clearAway',
      tags,
      summary: 'Someone is back (admins, or the person themself)',
      request: { params: PrincipalParam },
      responses: { 200: json(AwaySchema, 'Not away any more'), ...errors(401, 403) },
    }),
    async (c) => c.json((await del(c.get('caller'), c.req.valid('param').principal)) as never, 200),
  );
}
