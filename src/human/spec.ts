import { z } from 'zod';
import { InvalidTaskError, PayloadTooLargeError } from '../errors.ts';
import { canonicalHash } from '../store/canonical.ts';
import { toMs } from '../time/duration.ts';
import { canAnswer, isPrincipal } from './principals.ts';
import { toJsonSchema } from './schemas.ts';
import {
  DEFAULT_COMMENT_REQUIRED,
  DEFAULT_OUTCOMES,
  type JsonSchema,
  type NormalizedSpec,
  TASK_TYPES,
  type TaskSpec,
} from './types.ts';

/** Ten years: longer waits are surely a mistake (and would overflow timestamps). */
const MAX_DURATION_MS = 10 * 365 * 86_400_000;
const duration = z.union([
  z.number().int('must be whole milliseconds').nonnegative().max(MAX_DURATION_MS),
  z.string().min(1).max(100),
]);
const principal = z.string().refine(isPrincipal, {
  message: 'must be a principal: user:NAME, group:NAME, email:ADDRESS or agent:NAME',
});
/** Someone who can answer: any principal but `system` (Heed itself) and `agent:` ones. */
const responder = z.string().refine((p) => isPrincipal(p) && canAnswer(p), {
  message: 'must be a principal who can answer: user:NAME, group:NAME or email:ADDRESS',
});
const schemaInput = z.custom<object>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
  message: 'must be a zod schema or a JSON Schema object',
});

/** The shape of a task spec; unknown fields are refused so that typos do not pass silently. */
const specShape = z.strictObject({
  type: z.enum(TASK_TYPES),
  title: z.string().trim().min(1, 'must not be empty').max(500),
  description: z.string().max(100_000).optional(),
  payload: z.unknown().optional(),
  action: z
    .strictObject({ tool: z.string().min(1), args: z.record(z.string(), z.unknown()), schema: schemaInput.optional() })
    .optional(),
  outcomes: z
    .array(z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be lower_snake_case'))
    .min(1)
    .optional(),
  form: schemaInput.optional(),
  allowEdit: z.boolean().optional(),
  requireComment: z.union([z.boolean(), z.array(z.string())]).optional(),
  assignees: z.array(responder).optional(),
  requester: principal.optional(),
  selfApproval: z.enum(['allowed', 'forbidden']).optional(),
  quorum: z
    .union([
      z.number().int().min(1),
      z.strictObject({ approvals: z.number().int().min(1), rejectEnds: z.boolean().optional() }),
    ])
    .optional(),
  remind: z
    .strictObject({ after: duration, every: duration.optional(), max: z.number().int().min(1).optional() })
    .optional(),
  escalate: z.array(z.strictObject({ after: duration, to: z.array(responder).min(1) })).optional(),
  deadline: duration.optional(),
  onTimeout: z.string().optional(),
  channels: z.array(z.string().min(1)).optional(),
  callbackUrl: z.url().optional(),
  idempotencyKey: z.string().min(1).max(200).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

export interface SpecLimits {
  /** Largest JSON size of description + payload + action + form, in bytes. */
  maxBytes: number;
}

/**
 * Validates a task spec and turns it into its stored form: durations in ms, defaults applied,
 * zod schemas converted to JSON Schema, the action's arguments hashed.
 * @throws InvalidTaskError listing every problem; PayloadTooLargeError. Nothing is stored.
 */
export function normalizeSpec(input: TaskSpec, limits: SpecLimits): NormalizedSpec {
  const parsed = specShape.safeParse(input);
  if (!parsed.success) {
    throw new InvalidTaskError(
      'Invalid task',
      parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    );
  }
  const spec = parsed.data;
  const issues: { path: string; message: string }[] = [];
  const attempt = <T>(path: string, fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (error) {
      issues.push({ path, message: (error as Error).message });
      return undefined;
    }
  };

  const outcomes = spec.outcomes ?? [...DEFAULT_OUTCOMES[spec.type]];
  const form = spec.form ? (attempt('form', () => toJsonSchema(spec.form as JsonSchema)) ?? null) : null;
  const actionSchema = spec.action?.schema
    ? (attempt('action.schema', () => toJsonSchema(spec.action?.schema as JsonSchema)) ?? null)
    : null;
  const requireComment =
    spec.requireComment === true
      ? [...outcomes]
      : spec.requireComment === false
        ? []
        : (spec.requireComment ?? DEFAULT_COMMENT_REQUIRED.filter((o) => outcomes.includes(o)));
  for (const o of requireComment) {
    if (!outcomes.includes(o)) issues.push({ path: 'requireComment', message: `"${o}" is not one of the outcomes` });
  }
  const quorumSpec = typeof spec.quorum === 'number' ? { approvals: spec.quorum } : (spec.quorum ?? { approvals: 1 });
  const approveOutcome = outcomes.includes('approve') ? 'approve' : (outcomes[0] as string);
  const remind = spec.remind
    ? (attempt('remind', () => ({
        afterMs: toMs(spec.remind?.after ?? 0, 'remind.after'),
        everyMs: spec.remind?.every === undefined ? null : toMs(spec.remind.every, 'remind.every'),
        max: spec.remind?.max ?? (spec.remind?.every === undefined ? 1 : 3),
      })) ?? null)
    : null;
  const escalate =
    spec.escalate?.map((level, i) => ({
      afterMs: attempt(`escalate.${i}.after`, () => toMs(level.after, 'escalate.after')) ?? 0,
      to: level.to,
    })) ?? [];
  const deadlineMs = spec.deadline === undefined ? null : (attempt('deadline', () => toMs(spec.deadline ?? 0)) ?? null);
  const onTimeout = timeoutRule(spec.onTimeout ?? 'reject', outcomes, issues);
  if (spec.allowEdit && !spec.action)
    issues.push({ path: 'allowEdit', message: 'needs an action whose args can be edited' });
  if (spec.allowEdit && quorumSpec.approvals > 1) {
    issues.push({
      path: 'allowEdit',
      message: 'cannot be combined with a quorum: each approver must approve the same arguments',
    });
  }
  if (new Set(outcomes).size !== outcomes.length)
    issues.push({ path: 'outcomes', message: 'must not repeat an outcome' });
  if (spec.remind?.max !== undefined && spec.remind.max > 1 && spec.remind.every === undefined) {
    issues.push({ path: 'remind.every', message: 'is needed to send more than one reminder' });
  }
  escalate.forEach((level, i) => {
    const previous = escalate[i - 1];
    if (previous && level.afterMs <= previous.afterMs) {
      issues.push({
        path: `escalate.${i}.after`,
        message: 'must come after the previous level (levels are in time order)',
      });
    }
  });
  if (issues.length > 0) throw new InvalidTaskError('Invalid task', issues);

  const bytes = Buffer.byteLength(
    JSON.stringify([spec.description ?? null, spec.payload ?? null, spec.action?.args ?? null, form, actionSchema]),
  );
  if (bytes > limits.maxBytes) throw new PayloadTooLargeError(bytes, limits.maxBytes);

  return {
    type: spec.type,
    title: spec.title,
    description: spec.description ?? null,
    payload: spec.payload ?? null,
    action: spec.action
      ? {
          tool: spec.action.tool,
          args: spec.action.args,
          argsHash: canonicalHash(spec.action.args),
          schema: actionSchema,
        }
      : null,
    outcomes,
    form,
    allowEdit: spec.allowEdit ?? false,
    requireComment,
    assignees: [...new Set(spec.assignees ?? [])],
    requester: spec.requester ?? null,
    ...(spec.selfApproval === 'allowed' ? { selfApproval: 'allowed' as const } : {}),
    quorum: { approvals: quorumSpec.approvals, rejectEnds: quorumSpec.rejectEnds ?? true, approveOutcome },
    remind,
    escalate,
    deadlineMs,
    onTimeout,
    channels: [...new Set(spec.channels ?? [])],
    callbackUrl: spec.callbackUrl ?? null,
    idempotencyKey: spec.idempotencyKey ?? null,
    metadata: spec.metadata ?? null,
  };
}

function timeoutRule(
  rule: string,
  outcomes: string[],
  issues: { path: string; message: string }[],
): NormalizedSpec['onTimeout'] {
  if (rule === 'expire') return { status: 'expired' };
  if (outcomes.includes(rule)) return { status: 'resolved', outcome: rule };
  // 'reject'/'approve' on a type without those outcomes: the closest safe meaning.
  if (rule === 'reject') return { status: 'expired' };
  issues.push({
    path: 'onTimeout',
    message: `"${rule}" is neither "expire" nor one of the outcomes ${outcomes.join(', ')}`,
  });
  return { status: 'expired' };
}
