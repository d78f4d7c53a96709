import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Authorization, Caller } from '../../authorization/authorization.ts';
import type { Heed } from '../../human/heed.ts';
import type { Task, TaskSpec } from '../../human/types.ts';
import type { AuthEnv } from '../auth.ts';
import { checkCallbackUrl } from '../callback-url.ts';
import { HttpError } from '../errors.ts';
import {
  ApprovalUseSchema,
  ReassignSchema,
  AuditSchema,
  ErrorSchema,
  errors,
  IdParam,
  json,
  ResponseBodySchema,
  ResultSchema,
  TaskListQuerySchema,
  TaskPageSchema,
  TaskSchema,
  TaskSpecSchema,
} from '../schemas.ts';

const tag = ['Tasks'];

/** The task routes of the HTTP contract (DESIGN.md). */
export function taskRoutes(
  app: OpenAPIHono<AuthEnv>,
  heed: Heed,
  authorization: Authorization,
  options: { allowPrivateCallbacks: boolean },
): void {
  /** The task, if the caller may see it; 404 otherwise (a 403 would confirm it exists). */
  async function visibleTask(caller: Caller, id: string): Promise<Task> {
    return authorization.requireTask(caller, await heed.tasks.get(id), id);
  }

  function responder(caller: Caller): string {
    if (caller.principal === 'system') {
      throw new HttpError('UNAUTHENTICATED', 'Answering a task needs a principal (X-Heed-Principal or an API key)');
    }
    return caller.principal;
  }

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/tasks',
      operationId: 'createTask',
      tags: tag,
      summary: 'Create a task (the same idempotencyKey returns the same task)',
      request: { body: { content: { 'application/json': { schema: TaskSpecSchema } }, required: true } },
      responses: {
        201: json(TaskSchema, 'Created'),
        200: json(TaskSchema, 'Existing task with that idempotencyKey'),
        ...errors(400, 401, 413),
        422: json(
          ErrorSchema,
          'INVALID_TASK, or POLICY_VIOLATION: the request is looser than the approval policy that governs it (other approvers, a later deadline, an approving timeout, self-approval), or no policy governs it',
        ),
        403: json(ErrorSchema, 'FORBIDDEN: `requester` names someone else (only admins may)'),
        409: json(ErrorSchema, 'IDEMPOTENCY_CONFLICT: the idempotencyKey belongs to a task the caller may not see'),
      },
    }),
    async (c) => {
      const body = c.req.valid('json') as TaskSpec;
      const caller = c.get('caller');
      // The caller is the requester (an admin may name another): identity from credentials only.
      const requester = authorization.requesterFor(caller, body.requester);
      const spec: TaskSpec = { ...body };
      if (requester === undefined) delete spec.requester;
      else spec.requester = requester;
      if (spec.callbackUrl !== undefined) await checkCallbackUrl(spec.callbackUrl, options.allowPrivateCallbacks);
      // The server's policy decides who approves: a non-admin's looser request is refused (422).
      const { task, created } = await heed.tasks.submit(spec, {
        via: 'api',
        trust: caller.admin ? 'server' : 'caller',
      });
      // The same idempotency key from someone who may not see the task reveals nothing.
      if (!created && !authorization.canSeeTask(caller, task)) {
        throw new HttpError('IDEMPOTENCY_CONFLICT', 'This idempotencyKey belongs to another task');
      }
      return c.json(task as never, created ? 201 : 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/tasks',
      operationId: 'listTasks',
      tags: tag,
      summary: 'The inbox: tasks the caller may answer, or (requester=self) the tasks it asked (admins: all tasks)',
      request: { query: TaskListQuerySchema },
      responses: {
        200: json(TaskPageSchema, 'A page of tasks'),
        ...errors(400, 401, 422),
        403: json(ErrorSchema, "FORBIDDEN: `assignee` is not the caller (only admins list others' inboxes)"),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const scope = authorization.taskListScope(c.get('caller'), query);
      const page = await heed.tasks.list({ ...query, ...scope });
      return c.json(page as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/tasks/{id}',
      operationId: 'getTask',
      tags: tag,
      summary: 'A task: spec, status, responses, result, escalation level, deadline',
      request: { params: IdParam },
      responses: { 200: json(TaskSchema, 'The task'), ...errors(401, 404) },
    }),
    async (c) => c.json((await visibleTask(c.get('caller'), c.req.valid('param').id)) as never, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/tasks/{id}/responses',
      operationId: 'respondToTask',
      tags: tag,
      summary: 'Answer a task as the authenticated principal',
      request: {
        params: IdParam,
        body: { content: { 'application/json': { schema: ResponseBodySchema } }, required: true },
      },
      responses: { 200: json(TaskSchema, 'The task after this answer'), ...errors(400, 401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const caller = c.get('caller');
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      // Without a principal: 404 for a task that does not exist, else 401, as for anyone else.
      if (caller.principal === 'system') await visibleTask(caller, id);
      responder(caller);
      // The channel is what the caller says, among the ones an API caller may be: not 'link'.
      const via = ['api', 'inbox', 'cli', 'mcp'].includes(c.req.header('x-heed-via') ?? '')
        ? (c.req.header('x-heed-via') as string)
        : 'api';
      // The one answer path of every channel: a task the caller may not see is a 404 (its
      // existence is not leaked), then the human layer's rule (a person, an assignee, four-eyes).
      const task = await authorization.answer(heed.tasks, caller, id, body, via);
      return c.json(task as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/tasks/{id}/cancel',
      operationId: 'cancelTask',
      tags: tag,
      summary: 'Cancel a pending task',
      request: { params: IdParam },
      responses: { 200: json(TaskSchema, 'The cancelled task'), ...errors(401, 403, 404, 409) },
    }),
    async (c) => {
      const caller = c.get('caller');
      const { id } = c.req.valid('param');
      authorization.requireCancelTask(caller, await heed.tasks.get(id), id);
      return c.json((await heed.tasks.cancel(id, { principal: caller.principal })) as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/tasks/{id}/reassign',
      operationId: 'reassignTask',
      tags: tag,
      summary: 'Hand a pending task to someone else, with a reason',
      description:
        'The people named replace everyone asked, at once. The audit records who moved it, from whom, to whom and why. The new people are told on every channel of the task. The copies the old people were sent are closed, as after an answer. Who may reassign: those asked and admins, unless the task’s policy says `reassign: "admins"` or `"assignees-and-requester"`. A staged approval, an ended task, the requester of a four-eyes task as the new assignee, or the same people are refused.',
      request: {
        params: IdParam,
        body: { content: { 'application/json': { schema: ReassignSchema } }, required: true },
      },
      responses: { 200: json(TaskSchema, 'The task, now asked of the new people'), ...errors(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const caller = c.get('caller');
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const rule = (task: { policy: { name: string } | null }) =>
        task.policy ? (heed.tasks.policies.named(task.policy.name)?.reassign ?? 'admins') : 'assignees';
      const via = ['inbox', 'cli'].includes(c.req.header('x-heed-via') ?? '')
        ? (c.req.header('x-heed-via') as string)
        : 'api';
      const task = await heed.tasks.reassign(
        id,
        body,
        { principal: caller.principal, via },
        {
          allowed: (seen) => authorization.requireReassign(caller, seen, id, rule(seen)),
        },
      );
      return c.json(task as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/tasks/{id}/consume',
      operationId: 'consumeApproval',
      tags: tag,
      summary: 'Use an approval for the action about to run, once (call it right before acting)',
      description:
        'An approval is bound to the exact action: the tool and the arguments as approved (the approver’s edits included), the run and the requester. The first use is recorded in the audit chain; a second use, another tool or other arguments are refused with 409, so a decision for one call never lets another run.',
      request: {
        params: IdParam,
        body: { content: { 'application/json': { schema: ApprovalUseSchema } }, required: true },
      },
      responses: {
        200: json(ResultSchema, 'The approval, now used: run the action with `args`'),
        ...errors(400, 401, 403, 404),
        409: json(
          ErrorSchema,
          'APPROVAL_CONSUMED (used before) or APPROVAL_NOT_USABLE (not approved, or approved for another tool or other arguments)',
        ),
      },
    }),
    async (c) => {
      const caller = c.get('caller');
      const { id } = c.req.valid('param');
      authorization.requireUseApproval(caller, await heed.tasks.get(id), id);
      const use = c.req.valid('json');
      const result = await heed.tasks.consumeApproval(id, { ...use, actor: caller.principal, via: 'api' });
      return c.json(result as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/tasks/{id}/result',
      operationId: 'getTaskResult',
      tags: tag,
      summary: 'Long-poll the result: returns when the task ends or after `wait` seconds (then status is pending)',
      request: { params: IdParam, query: z.object({ wait: z.coerce.number().min(0).max(300).optional() }) },
      responses: {
        200: json(
          z.union([
            ResultSchema,
            z.object({ taskId: z.string(), status: z.literal('pending'), outcome: z.null() }).openapi('PendingResult'),
          ]),
          'The result, or `{status: "pending"}` when the wait passed first',
        ),
        ...errors(401, 404, 422),
      },
    }),
    async (c) => {
      const caller = c.get('caller');
      const { id } = c.req.valid('param');
      const task = await visibleTask(caller, id);
      if (task.result) return c.json(task.result as never, 200);
      const wait = c.req.valid('query').wait ?? 0;
      const ended = await Promise.race([
        heed.tasks.result(id, { timeout: wait * 1000 }).catch(() => null),
        new Promise<null>((resolve) => c.req.raw.signal.addEventListener('abort', () => resolve(null))),
      ]);
      return c.json((ended ?? { taskId: id, status: 'pending', outcome: null }) as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/tasks/{id}/audit',
      operationId: 'getTaskAudit',
      tags: tag,
      summary: 'The audit chain, and whether it verifies',
      request: { params: IdParam },
      responses: {
        200: json(AuditSchema, 'The chain'),
        ...errors(401, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await visibleTask(c.get('caller'), id);
      const [items, verification] = await Promise.all([heed.tasks.audit(id), heed.tasks.verifyAudit(id)]);
      return c.json({ items, verification } as never, 200);
    },
  );
}
