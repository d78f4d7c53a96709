import { z } from '@hono/zod-openapi';
import { TASK_TYPES } from '../human/types.ts';

const Json = z.unknown().openapi({ description: 'Any JSON value' });
const JsonObject = z.record(z.string(), z.unknown());
const Duration = z.union([z.number().nonnegative(), z.string()]).openapi({ example: '30m' });
const Principal = z.string().openapi({ example: 'user:alice' });

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'TASK_ALREADY_RESOLVED' }),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .openapi('Error');

export const TaskSpecSchema = z
  .strictObject({
    type: z.enum(TASK_TYPES),
    title: z.string(),
    description: z.string().optional().openapi({ description: 'Markdown' }),
    payload: Json.optional(),
    action: z.strictObject({ tool: z.string(), args: JsonObject, schema: JsonObject.optional() }).optional(),
    outcomes: z.array(z.string()).optional(),
    form: JsonObject.optional().openapi({ description: 'JSON Schema of the data to submit' }),
    allowEdit: z.boolean().optional(),
    requireComment: z.union([z.boolean(), z.array(z.string())]).optional(),
    assignees: z.array(Principal).optional(),
    requester: Principal.optional(),
    quorum: z
      .union([z.number().int(), z.strictObject({ approvals: z.number().int(), rejectEnds: z.boolean().optional() })])
      .optional(),
    remind: z
      .strictObject({ after: Duration, every: Duration.optional(), max: z.number().int().optional() })
      .optional(),
    escalate: z.array(z.strictObject({ after: Duration, to: z.array(Principal) })).optional(),
    deadline: Duration.optional(),
    onTimeout: z.string().optional(),
    channels: z.array(z.string()).optional(),
    callbackUrl: z.string().optional(),
    idempotencyKey: z.string().optional(),
    metadata: JsonObject.optional(),
  })
  .openapi('TaskSpec');

const ResultSchema = z
  .object({
    taskId: z.string(),
    status: z.string(),
    outcome: z.string().nullable(),
    by: z.string().nullable(),
    via: z.string().nullable(),
    comment: z.string().nullable(),
    data: Json,
    args: JsonObject.nullable(),
    argsHash: z.string().nullable(),
    edit: Json,
    responses: z.array(JsonObject),
    at: z.number().nullable(),
  })
  .openapi('TaskResult');

export const TaskSchema = z
  .object({
    id: z.string(),
    type: z.enum(TASK_TYPES),
    status: z.enum(['pending', 'resolved', 'expired', 'cancelled']),
    title: z.string(),
    description: z.string().nullable(),
    payload: Json,
    action: Json,
    outcomes: z.array(z.string()),
    form: Json,
    assignees: z.array(z.object({ principal: z.string(), level: z.number() })),
    requester: z.string().nullable(),
    escalationLevel: z.number(),
    deadline: z.number().nullable(),
    responses: z.array(JsonObject),
    result: ResultSchema.nullable(),
    runId: z.string(),
    createdAt: z.number(),
  })
  .passthrough()
  .openapi('Task');

export const TaskPageSchema = z
  .object({ items: z.array(TaskSchema), nextCursor: z.string().nullable() })
  .openapi('TaskPage');

export const ResponseBodySchema = z
  .strictObject({
    outcome: z.string(),
    data: Json.optional(),
    comment: z.string().optional(),
    args: JsonObject.optional(),
  })
  .openapi('TaskResponse');

export const TaskListQuerySchema = z.object({
  status: z.enum(['pending', 'resolved', 'expired', 'cancelled']).optional(),
  assignee: Principal.optional(),
  type: z.enum(TASK_TYPES).optional(),
  requester: Principal.optional(),
  /** Only tasks whose title contains this text. */
  search: z.string().trim().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  cursor: z.string().optional(),
});

export const RunSchema = z
  .object({
    id: z.string(),
    workflow: z.string(),
    status: z.string(),
    input: Json,
    output: Json,
    error: Json,
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .passthrough()
  .openapi('Run');

export const RunPageSchema = z
  .object({ items: z.array(RunSchema), nextCursor: z.string().nullable() })
  .openapi('RunPage');

export const StartRunSchema = z
  .strictObject({ workflow: z.string().min(1), input: Json.optional(), id: z.string().min(1).optional() })
  .openapi('StartRun');

export const MessageSchema = z
  .strictObject({ topic: z.string().min(1), message: Json.optional(), idempotencyKey: z.string().min(1).optional() })
  .openapi('Message');

export const EventSchema = z.strictObject({ name: z.string().min(1), data: Json.optional() }).openapi('Event');

export const IdParam = z.object({
  id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'id', in: 'path' } }),
});

/** A JSON response of the given schema. */
export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

/** The error responses every route may give. */
export const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, json(ErrorSchema, 'Error')])) as Record<number, ReturnType<typeof json>>;
