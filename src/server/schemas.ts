import { z } from '@hono/zod-openapi';
import { TASK_TYPES } from '../human/types.ts';
import { INTERNAL_RUN_NAMESPACES } from '../run-ids.ts';

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
    requester: Principal.optional().openapi({
      description: 'Default: the caller. Only an admin may name another principal.',
    }),
    selfApproval: z.enum(['allowed', 'forbidden']).optional().openapi({
      description: 'allowed: the requester may answer their own approval, review or override (audited)',
    }),
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

const TaskStatus = z.enum(['pending', 'resolved', 'expired', 'cancelled']);

const ArgsEditSchema = z
  .object({
    original: JsonObject,
    edited: JsonObject,
    changes: z.array(z.object({ path: z.string(), from: Json, to: Json })),
  })
  .openapi('ArgsEdit', { description: 'What changed when an approver edited the action arguments' });

const TaskAnswerSchema = z
  .object({
    principal: Principal,
    outcome: z.string(),
    via: z.string().openapi({ description: 'The channel: api, inbox, cli, link, email, slack, teams, …' }),
    comment: z.string().nullable(),
    data: Json,
    at: z.number().openapi({ description: 'Epoch milliseconds' }),
  })
  .openapi('TaskAnswer', { description: "One person's answer" });

export const ResultSchema = z
  .object({
    taskId: z.string(),
    status: z.enum(['resolved', 'expired', 'cancelled']),
    outcome: z.string().nullable().openapi({ description: 'The deciding outcome; null when expired or cancelled' }),
    by: Principal.nullable().openapi({ description: 'Who decided (`system` for a deadline)' }),
    via: z.string().nullable(),
    comment: z.string().nullable(),
    data: Json,
    args: JsonObject.nullable().openapi({ description: 'For action approvals: the approved (possibly edited) args' }),
    argsHash: z.string().nullable(),
    edit: ArgsEditSchema.nullable(),
    responses: z.array(TaskAnswerSchema),
    at: z.number(),
  })
  .openapi('TaskResult', { description: 'How a task ended' });

const Quorum = z.object({ approvals: z.number().int(), rejectEnds: z.boolean(), approveOutcome: z.string() });
const OnTimeout = z.union([
  z.object({ status: z.literal('resolved'), outcome: z.string() }),
  z.object({ status: z.literal('expired') }),
]);

export const ApprovalUseSchema = z
  .object({
    tool: z.string().min(1).max(200),
    args: JsonObject.openapi({ description: 'The arguments the action will run with' }),
  })
  .strict()
  .openapi('ApprovalUse');

export const AppliedPolicySchema = z
  .object({
    name: z.string(),
    version: z.string().openapi({ description: "A hash of the policy's content: any change makes a new version" }),
    ignored: z.array(z.object({ path: z.string(), message: z.string() })).openapi({
      description: 'Fields of the request the policy overrode (requests from agents and the server’s code)',
    }),
    businessHours: z.literal(true).optional().openapi({
      description: 'Reminders and escalations count the assignees’ working hours (policy `businessHours`)',
    }),
  })
  .openapi('AppliedPolicy');

const DecisionFiguresSchema = z
  .object({
    key: z.string(),
    decided: z.number().int().openapi({ description: 'Decisions made by a person' }),
    p50Seconds: z.number().nullable().openapi({ description: 'Median seconds from creation to decision' }),
    p90Seconds: z.number().nullable().openapi({ description: '90th percentile seconds from creation to decision' }),
  })
  .openapi('DecisionFigures');

export const InsightsSchema = z
  .object({
    from: z.number().int().openapi({ description: 'Window start (epoch ms): tasks created from then' }),
    to: z.number().int(),
    principal: z.string().nullable().openapi({ description: "Whose figures; `null`: everyone's (admins)" }),
    tasks: z.number().int(),
    truncated: z.boolean().openapi({ description: 'The window held more tasks than one request reads (20,000)' }),
    decided: z.number().int(),
    timedOut: z.number().int().openapi({ description: 'Ended by the deadline (the safe default) or expired' }),
    cancelled: z.number().int(),
    pending: z.number().int(),
    overdue: z.number().int().openapi({ description: 'Pending past their deadline' }),
    remindersPerTask: z.number(),
    escalationsPerTask: z.number(),
    answeredAfterEscalation: z.number().int(),
    overall: DecisionFiguresSchema,
    byType: z.array(DecisionFiguresSchema),
    byPolicy: z.array(DecisionFiguresSchema),
    byPerson: z.array(DecisionFiguresSchema),
    byChannel: z.array(DecisionFiguresSchema),
    standingUsed: z
      .array(z.object({ standingApprovalId: z.string(), tasks: z.number().int() }))
      .openapi({ description: 'Tasks approved by each standing approval, most used first' }),
  })
  .openapi('Insights');

export const ReassignSchema = z
  .object({
    to: z
      .array(z.string().min(1).max(200))
      .min(1)
      .max(20)
      .openapi({
        description: 'Who is asked instead (people, groups or email addresses); they replace everyone asked',
        example: ['user:bob'],
      }),
    reason: z
      .string()
      .trim()
      .min(1)
      .max(1000)
      .openapi({ description: 'Why (shown to the new people and in the history)', example: 'On leave until Monday' }),
  })
  .openapi('Reassign');

export const PolicyListSchema = z
  .object({
    items: z.array(
      z.object({
        name: z.string(),
        version: z.string(),
        fallback: z
          .boolean()
          .openapi({ description: 'The default for agents’ and HTTP callers’ requests that no policy matches' }),
        policy: JsonObject.openapi({ description: 'The policy as configured' }),
      }),
    ),
  })
  .openapi('PolicyList');

export const TaskSchema = z
  .object({
    id: z.string(),
    type: z.enum(TASK_TYPES),
    status: TaskStatus,
    title: z.string(),
    description: z.string().nullable().openapi({ description: 'Markdown' }),
    payload: Json,
    action: z
      .object({ tool: z.string(), args: JsonObject, argsHash: z.string(), schema: JsonObject.nullable() })
      .nullable(),
    outcomes: z.array(z.string()),
    form: JsonObject.nullable().openapi({ description: 'JSON Schema of the data to submit' }),
    allowEdit: z.boolean(),
    requireComment: z.array(z.string()).openapi({ description: 'Outcomes that need a comment' }),
    assignees: z.array(
      z.object({
        principal: Principal,
        level: z.number().int(),
        for: z
          .object({
            principal: Principal,
            until: z.number().int().openapi({ description: 'Epoch ms: when they are back' }),
          })
          .optional()
          .openapi({ description: 'Asked in place of someone away (their delegate): who, and until when' }),
      }),
    ),
    requester: Principal.nullable(),
    selfApproval: z.enum(['allowed', 'forbidden']),
    quorum: Quorum,
    escalationLevel: z.number().int(),
    remindersSent: z.number().int(),
    deadline: z.number().nullable().openapi({ description: 'Epoch milliseconds' }),
    onTimeout: OnTimeout,
    channels: z.array(z.string()).openapi({
      description:
        "Where its notices go: `inbox`, then the channels the task names, or else every channel this server notifies through (e.g. `email`, `slack`; without SMTP or a Slack token they are kept in the server's outbox)",
      example: ['inbox', 'email', 'slack'],
    }),
    callbackUrl: z.string().nullable(),
    metadata: JsonObject.nullable(),
    policy: AppliedPolicySchema.nullable().openapi({
      description: 'The approval policy the task was created under, or null when none governed it',
    }),
    stages: z
      .array(
        z.object({
          name: z.string(),
          approvers: z.array(Principal),
          quorum: z.number().int(),
          approvedBy: z.array(Principal),
        }),
      )
      .nullable()
      .openapi({ description: 'A staged approval: each stage in order, with who approved it so far' }),
    stage: z.number().int().nullable().openapi({ description: 'Index of the stage deciding now (staged approvals)' }),
    runId: z.string().openapi({ description: 'The run that asked, or for a standalone task its lifecycle run' }),
    lifecycleRunId: z.string().openapi({ description: "The task's own run: reminders, escalations, deadline" }),
    askedBy: z.string().nullable(),
    responses: z.array(TaskAnswerSchema),
    result: ResultSchema.nullable(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
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
  status: TaskStatus.optional(),
  assignee: Principal.optional(),
  type: z.enum(TASK_TYPES).optional(),
  requester: Principal.optional(),
  /** Only tasks whose title contains this text. */
  search: z.string().trim().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  cursor: z.string().optional(),
});

const RunStatus = z.enum(['pending', 'running', 'waiting', 'blocked', 'succeeded', 'failed', 'cancelled']);

type ErrorShape = { name: string; message: string; code?: string; stack?: string; cause?: ErrorShape };
const RunErrorSchema: z.ZodType<ErrorShape> = z
  .object({
    name: z.string(),
    message: z.string(),
    code: z.string().optional(),
    stack: z.string().optional(),
    get cause() {
      return RunErrorSchema.optional();
    },
  })
  .openapi('RunError', { description: 'A thrown error, as recorded' });

const runFields = {
  id: z.string(),
  workflow: z.string(),
  version: z
    .number()
    .int()
    .openapi({ description: 'The version of the workflow the run started on and replays on (1: unversioned)' }),
  status: RunStatus,
  input: Json,
  output: Json.optional().openapi({ description: 'Present once the run succeeded' }),
  error: RunErrorSchema.optional(),
  parentId: z.string().nullable(),
  initiator: z
    .string()
    .nullable()
    .openapi({ description: 'The principal that started the run (children inherit it); null when started from code' }),
  attempts: z.number().int(),
  recoveries: z.number().int(),
  createdAt: z.number(),
  updatedAt: z.number(),
};

export const RunSchema = z.object(runFields).openapi('Run');

export const HistorySchema = z
  .object({
    format: z.literal('heed.history/1'),
    runId: z.string(),
    workflow: z.string(),
    input: z.string().nullable().openapi({ description: 'The input, JSON text' }),
    initiator: z.string().nullable(),
    status: z.string(),
    lastWaitSeq: z
      .number()
      .int()
      .nullable()
      .optional()
      .openapi({ description: 'The highest position of a wait the run had registered (null: none)' }),
    history: z.array(
      z.object({
        seq: z.number().int(),
        ord: z.number().int(),
        kind: z.string(),
        name: z.string(),
        output: z.string().nullable().openapi({ description: 'The recorded result, JSON text' }),
        error: z.string().nullable(),
        createdAt: z.number(),
      }),
    ),
  })
  .openapi('RunHistory');

export const RunDetailSchema = z
  .object({
    ...runFields,
    waitingOn: z.array(
      z.object({
        seq: z.number().int(),
        kind: z.enum(['sleep', 'recv', 'event', 'child']),
        deadline: z.number().nullable(),
        topic: z.string().optional(),
        event: z.string().optional(),
        childId: z.string().optional(),
      }),
    ),
    history: z.array(
      z.object({
        seq: z.number().int(),
        kind: z.enum(['step', 'sleep', 'recv', 'event', 'child', 'start', 'status', 'value']),
        name: z.string(),
        failed: z.boolean(),
        at: z.number(),
      }),
    ),
  })
  .openapi('RunDetail', { description: 'A run with what it waits on and its recorded steps' });

export const AuditEntrySchema = z
  .object({
    taskId: z.string(),
    seq: z.number().int(),
    at: z.number(),
    actor: z.string(),
    via: z.string(),
    action: z.string().openapi({ example: 'responded' }),
    outcome: z.string().nullable(),
    shownHash: z.string().nullable().openapi({ description: 'SHA-256 of what the actor was shown' }),
    detail: Json,
    prevHash: z.string(),
    hash: z.string(),
  })
  .openapi('AuditEntry');

export const AuditSchema = z
  .object({
    items: z.array(AuditEntrySchema),
    verification: z.object({ ok: z.boolean(), entries: z.number().int(), problems: z.array(z.string()) }),
  })
  .openapi('Audit');

export const WebhookDeliverySchema = z
  .object({
    id: z.string().openapi({ description: 'The `webhook-id` header of every attempt' }),
    url: z.string(),
    type: z.string().openapi({ example: 'task.ended' }),
    runId: z.string(),
    delivery: z.object({
      state: z.enum(['pending', 'retrying', 'delivered', 'failed']),
      attempts: z.number().int(),
      lastStatus: z.number().int().nullable().optional(),
      lastError: z.string().nullable().optional(),
      url: z.string().optional(),
    }),
  })
  .openapi('WebhookDelivery');

export const WaitingAgentSchema = z
  .object({
    runId: z.string(),
    workflow: z.string(),
    status: JsonObject.openapi({
      description: 'The `agent` status the agent published, e.g. `{status: "pending_approval"}`',
    }),
    waitingSince: z.number(),
    tasks: z.array(
      z.object({ id: z.string(), type: z.enum(TASK_TYPES), title: z.string(), deadline: z.number().nullable() }),
    ),
  })
  .openapi('WaitingAgent');

/** The body of every outgoing webhook (signed the Standard Webhooks way). */
export const WebhookEventSchema = z
  .object({
    type: z.string().openapi({
      description: 'task.created, task.escalated, task.ended (task events), run.succeeded, run.failed, run.cancelled',
    }),
    timestamp: z.string().openapi({ format: 'date-time' }),
    data: z.object({ runId: z.string(), taskId: z.string().optional() }).catchall(z.unknown()).openapi({
      description:
        'The run and the event: task.created `{taskId, type, title}`, task.escalated `{taskId, level}`, task.ended `{taskId, status, outcome, by}`, run.succeeded `{output}`, run.failed `{error}`',
    }),
  })
  .openapi('WebhookEvent');

export const RunPageSchema = z
  .object({ items: z.array(RunSchema), nextCursor: z.string().nullable() })
  .openapi('RunPage');

export const StartRunSchema = z
  .strictObject({
    workflow: z.string().min(1),
    input: Json.optional(),
    id: z
      .string()
      .min(1)
      .optional()
      .openapi({
        description:
          'The run id (default: a new one); an existing id returns that run. Ids in the namespaces of ' +
          `Heed's own runs (${INTERNAL_RUN_NAMESPACES.map((n) => `\`${n}:\``).join(', ')}) are refused: 422 RUN_ID_RESERVED`,
      }),
  })
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
