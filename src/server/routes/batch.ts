import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Authorization } from '../../authorization/authorization.ts';
import { MAX_BATCH } from '../../human/batch.ts';
import type { Heed } from '../../human/heed.ts';
import type { AuthEnv } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { errors, json, TaskSchema } from '../schemas.ts';

const BatchResponsesSchema = z
  .strictObject({
    items: z
      .array(
        z.strictObject({
          id: z.string().min(1).max(200),
          outcome: z.string().min(1).max(200),
          comment: z.string().max(10_000).optional(),
        }),
      )
      .min(1)
      .max(MAX_BATCH)
      .openapi({ description: `The tasks and how each is answered (at most ${MAX_BATCH}; each task once)` }),
  })
  .openapi('BatchResponses');

const BatchItemResultSchema = z
  .object({
    id: z.string(),
    ok: z.boolean().openapi({ description: 'Whether this task was answered' }),
    task: TaskSchema.optional().openapi({ description: 'The task after this answer (when ok)' }),
    error: z
      .object({ code: z.string(), message: z.string() })
      .optional()
      .openapi({ description: 'Why this task was not answered (when not ok), as the single-task route would say' }),
  })
  .openapi('BatchItemResult');

const BatchResultSchema = z
  .object({
    items: z.array(BatchItemResultSchema),
    answered: z.number().int().openapi({ description: 'How many items were answered' }),
    failed: z.number().int().openapi({ description: 'How many were not' }),
  })
  .openapi('BatchResult');

/**
 * `POST /v1/tasks/responses`: answer many tasks at once as the authenticated principal (see
 * `human/batch.ts`). Each item goes through the one answer path; the response lists per item the
 * task or the error, in the order given (200 even when some or all items failed).
 */
export function batchRoutes(app: OpenAPIHono<AuthEnv>, heed: Heed, authorization: Authorization): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/tasks/responses',
      operationId: 'respondToTasks',
      tags: ['Tasks'],
      summary: 'Answer many tasks at once (batch decisions)',
      description: `Each task is answered on its own as the caller, exactly as \`POST /v1/tasks/{id}/responses\` would: the same authority rules (an assignee, four-eyes), one audit entry per task, bound to the task's own arguments. No form data and no edited arguments in a batch. Partial success is explicit: \`items\` says per task whether it was answered, and if not the error (a task the caller may not see is TASK_NOT_FOUND). At most ${MAX_BATCH} tasks, each once.`,
      request: { body: { content: { 'application/json': { schema: BatchResponsesSchema } }, required: true } },
      responses: {
        200: json(BatchResultSchema, 'What became of each task, in the order given'),
        ...errors(400, 401, 413, 422),
      },
    }),
    async (c) => {
      const caller = c.get('caller');
      if (caller.principal === 'system') {
        throw new HttpError('UNAUTHENTICATED', 'Answering tasks needs a principal (X-Heed-Principal or an API key)');
      }
      const { items } = c.req.valid('json');
      const via = ['api', 'inbox', 'cli'].includes(c.req.header('x-heed-via') ?? '')
        ? (c.req.header('x-heed-via') as string)
        : 'api';
      const outcomes = await authorization.answerBatch(heed.tasks, caller, items, via);
      const answered = outcomes.filter((o) => o.ok).length;
      return c.json({ items: outcomes, answered, failed: outcomes.length - answered } as never, 200);
    },
  );
}
