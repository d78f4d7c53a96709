import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { Authorization } from '../../authorization/authorization.ts';
import { HeedError, RunIdReservedError, UnknownWorkflowError } from '../../errors.ts';
import type { Heed } from '../../human/heed.ts';
import { internalNamespaceOf } from '../../run-ids.ts';
import type { RunStatus } from '../../store/store.ts';
import type { AuthEnv } from '../auth.ts';
import { HttpError } from '../errors.ts';
import type { EventHub } from '../event-hub.ts';
import { eventStream } from '../openapi.ts';
import { followRun } from '../run-feed.ts';
import {
  ErrorSchema,
  errors,
  EventSchema,
  IdParam,
  json,
  MessageSchema,
  RunPageSchema,
  HistorySchema,
  RunDetailSchema,
  RunSchema,
  WebhookDeliverySchema,
  StartRunSchema,
} from '../schemas.ts';

const tag = ['Runs'];

/** Runs, messages, events and the run event stream (DESIGN.md HTTP contract). */
export function runRoutes(app: OpenAPIHono<AuthEnv>, heed: Heed, hub: EventHub, authorization: Authorization): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/runs',
      operationId: 'startRun',
      tags: tag,
      summary: 'Start a registered workflow (the same id returns the existing run)',
      request: { body: { content: { 'application/json': { schema: StartRunSchema } }, required: true } },
      description:
        'Only workflows this server registers (its demo workflows, `--import` modules, or the program that serves) can be started here. ' +
        'A workflow that only a `heed worker` registers is a 404 UNKNOWN_WORKFLOW whose message says so: register it on the server too ' +
        '(`heed serve --import MODULE`), or start it from code that registers it; the workers then run it.',
      responses: {
        201: json(RunDetailSchema, 'The run'),
        ...errors(400, 401, 403, 409, 422),
        404: json(ErrorSchema, 'UNKNOWN_WORKFLOW: this server does not register the workflow (or it is internal)'),
      },
    }),
    async (c) => {
      const caller = c.get('caller');
      const body = c.req.valid('json');
      // Checked before anything is read or written: these ids belong to Heed's own runs.
      const reserved = body.id === undefined ? undefined : internalNamespaceOf(body.id);
      if (body.id !== undefined && reserved !== undefined) throw new RunIdReservedError(body.id, reserved);
      const existing = body.id === undefined ? undefined : await heed.runs.info(body.id);
      try {
        authorization.requireStart(caller, body.workflow, existing);
      } catch (error) {
        if (!(error instanceof UnknownWorkflowError)) throw error;
        // A worker sharing the store may run it, but a run starts where its workflow is registered.
        throw new HeedError(
          error.code,
          `No workflow named "${body.workflow}" is registered in this server. If a heed worker registers it ` +
            '(--import), register it here too (heed serve --import MODULE): a run is started by a process that has its workflow, and then any worker with it runs it.',
        );
      }
      const handle = await heed.startWorkflow(body.workflow, body.input ?? null, {
        ...(body.id === undefined ? {} : { id: body.id }),
        ...(caller.principal === 'system' ? {} : { initiator: caller.principal }),
      });
      return c.json((await heed.runs.get(handle.id)) as never, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/runs',
      operationId: 'listRuns',
      tags: tag,
      summary: "Runs, newest first: the caller's own (admins: all); never internal ones",
      request: {
        query: z.object({
          status: z.enum(['pending', 'running', 'waiting', 'blocked', 'succeeded', 'failed', 'cancelled']).optional(),
          workflow: z.string().optional(),
          initiator: z.string().optional(),
          waitingOn: z.enum(['sleep', 'recv', 'event', 'child']).optional(),
          limit: z.coerce.number().int().min(1).max(1000).optional(),
          cursor: z.string().optional(),
        }),
      },
      responses: { 200: json(RunPageSchema, 'A page of runs'), ...errors(400, 401, 403, 422) },
    }),
    async (c) => {
      const caller = c.get('caller');
      const q = c.req.valid('query');
      const scope = authorization.runListScope(caller);
      if (scope.initiator !== undefined && q.initiator !== undefined && q.initiator !== scope.initiator) {
        return c.json({ items: [], nextCursor: null }, 200);
      }
      if (q.workflow !== undefined && authorization.isInternal(q.workflow)) {
        return c.json({ items: [], nextCursor: null }, 200);
      }
      const page = await heed.runs.list({
        ...q,
        ...scope,
        status: q.status as RunStatus | undefined,
        excludeWorkflows: heed.internalWorkflows(),
      });
      return c.json(page as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/runs/{id}',
      operationId: 'getRun',
      tags: tag,
      summary: 'A run: status, output or error, what it waits on, its steps',
      request: { params: IdParam },
      responses: { 200: json(RunDetailSchema, 'The run'), ...errors(401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      return c.json(authorization.requireRun(c.get('caller'), await heed.runs.get(id), id) as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/runs/{id}/history',
      operationId: 'exportRunHistory',
      tags: tag,
      summary: 'The run’s recorded history, to replay against new code in tests (`heed history export`)',
      description:
        'What `replayHistory(workflow, history)` takes: keep a few in your test suite and a change to the workflow that would strand waiting runs fails there, before the deploy.',
      request: { params: IdParam },
      responses: { 200: json(HistorySchema, 'The history (format heed.history/1)'), ...errors(401, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      authorization.requireRun(c.get('caller'), await heed.runs.get(id), id);
      return c.json((await heed.exportHistory(id)) as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/runs/{id}/resume',
      operationId: 'resumeRun',
      tags: tag,
      summary: 'Resume a blocked, failed or cancelled run, optionally onto another version of its workflow (admins)',
      description:
        'A `blocked` run’s replay diverged from its history (the code changed): resume it once code that replays it is deployed, or move it to a registered `version` that does. A failed run resumes at the step that failed it. Recorded as a `run.resumed` event on the run’s feed with who resumed it.',
      request: {
        params: IdParam,
        body: {
          content: {
            'application/json': {
              schema: z
                .object({ version: z.number().int().min(1).optional() })
                .strict()
                .openapi('ResumeRun'),
            },
          },
          required: false,
        },
      },
      responses: {
        200: json(RunSchema, 'The run, pending again'),
        ...errors(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const caller = c.get('caller');
      const { id } = c.req.valid('param');
      authorization.requireRun(caller, await heed.runs.get(id), id);
      authorization.requireAdmin(caller, 'resume runs or move them to another version');
      const body = (await c.req.json().catch(() => ({}))) as { version?: number };
      const run = await heed.runs.resume(id, {
        ...(typeof body.version === 'number' ? { version: body.version } : {}),
        by: caller.principal,
      });
      return c.json(run as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/runs/{id}/cancel',
      operationId: 'cancelRun',
      tags: tag,
      summary: 'Cancel a run, its children and its tasks',
      request: { params: IdParam },
      responses: {
        200: json(z.object({ cancelled: z.array(z.string()) }), 'What was cancelled'),
        ...errors(401, 403, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      authorization.requireRun(c.get('caller'), await heed.runs.info(id), id);
      return c.json({ cancelled: await heed.runs.cancel(id) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/runs/{id}/messages',
      operationId: 'sendMessage',
      tags: tag,
      summary: 'Send a message to the run (recv); a repeated idempotencyKey is dropped',
      request: {
        params: IdParam,
        body: { content: { 'application/json': { schema: MessageSchema } }, required: true },
      },
      responses: {
        202: json(z.object({ duplicate: z.boolean() }), 'Accepted'),
        ...errors(400, 401, 403, 404, 422),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      authorization.requireSendMessage(c.get('caller'), await heed.runs.info(id), id);
      const body = c.req.valid('json');
      const result = await heed.send(
        id,
        body.topic,
        body.message ?? null,
        body.idempotencyKey ? { idempotencyKey: body.idempotencyKey } : {},
      );
      return c.json(result, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/events',
      operationId: 'emitEvent',
      tags: ['Events'],
      summary: 'Emit an event for waitForEvent',
      request: { body: { content: { 'application/json': { schema: EventSchema } }, required: true } },
      responses: {
        202: json(z.object({ eventId: z.number(), woken: z.number() }), 'Accepted'),
        ...errors(400, 401, 403, 422),
      },
    }),
    async (c) => {
      authorization.requireEmit(c.get('caller'));
      const body = c.req.valid('json');
      return c.json(await heed.emit(body.name, body.data ?? null), 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/webhooks/deliveries',
      operationId: 'listWebhookDeliveries',
      tags: ['Webhooks'],
      summary: 'Outgoing webhook deliveries, newest first, with their state (retrying, delivered, failed)',
      request: {
        query: z.object({ limit: z.coerce.number().int().min(1).max(1000).optional(), cursor: z.string().optional() }),
      },
      responses: {
        200: json(
          z
            .object({ items: z.array(WebhookDeliverySchema), nextCursor: z.string().nullable() })
            .openapi('WebhookDeliveryPage'),
          'Deliveries',
        ),
        ...errors(401, 403, 422),
      },
    }),
    async (c) => {
      authorization.requireAdmin(c.get('caller'), 'list webhook deliveries');
      const q = c.req.valid('query');
      const page = await heed.runs.list({ workflow: 'heed.webhook', limit: q.limit, cursor: q.cursor });
      const items = await Promise.all(
        page.items.map(async (run) => {
          const input = run.input as { id: string; url: string; type: string };
          return {
            id: input.id,
            url: input.url,
            type: input.type,
            runId: run.id,
            delivery: (await heed.getStatus(run.id, 'delivery')) ?? { state: 'pending', attempts: 0 },
          };
        }),
      );
      return c.json({ items, nextCursor: page.nextCursor }, 200);
    },
  );

  // A stream: a plain route, described beside it.
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/runs/{id}/events',
    operationId: 'streamRunEvents',
    tags: tag,
    summary: "The run's events as server-sent events: statuses, its tasks, its end",
    description:
      'Each event has `id` (resume with `Last-Event-ID`), `event` (the type) and JSON `data` `{id, runId, type, data, at}`. ' +
      'The stream ends after the run ends; `: keep-alive` comments keep idle connections open.',
    request: {
      params: IdParam,
      headers: z.object({
        'last-event-id': z.string().optional().openapi({ description: 'Resume after this event id' }),
      }),
      query: z.object({ after: z.string().optional().openapi({ description: 'Same as Last-Event-ID' }) }),
    },
    responses: {
      200: eventStream(
        'The event stream',
        '`status` `{key, value}`, `task.created` `{taskId, type, title}`, `task.escalated` `{taskId, level}`, ' +
          '`task.ended` `{taskId, status, outcome, by}`, `run.succeeded` `{output}`, `run.failed` `{error}`, `run.cancelled`',
      ),
      ...errors(400, 404),
    },
  });
  app.get('/v1/runs/:id/events', async (c) => {
    const id = c.req.param('id');
    authorization.requireRun(c.get('caller'), await heed.runs.info(id), id);
    const start = eventId(c.req.header('last-event-id') ?? c.req.query('after'));
    return streamSSE(c, async (stream) => {
      await followRun(
        heed,
        hub,
        id,
        start,
        stream,
        (event) => stream.writeSSE({ id: String(event.id), event: event.type, data: JSON.stringify(event) }),
        () => stream.write(': keep-alive\n\n').then(() => undefined),
      );
    });
  });
}

/**
 * `Last-Event-ID` (or `?after=`): a whole number of at most 15 digits, nothing else (`1e308`,
 * `12abc`, `-1`, ` 3` are refused with 400).
 * @throws HttpError BAD_REQUEST
 */
export function eventId(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  if (!/^(0|[1-9][0-9]{0,14})$/.test(value)) throw new HttpError('BAD_REQUEST', 'Last-Event-ID must be an event id');
  return Number(value);
}
