/**
 * Approval policies: the server's word on who decides a task and what silence means (DESIGN.md
 * "Identity and authority"). A policy is matched by the action's tool, the asking workflow and the
 * task type; it fixes approvers (or stages), quorum, deadline bounds, the timeout outcome,
 * reminders, escalation, channels and self-approval. A request may be stricter, never looser
 * (see `apply.ts`). Policies are plain JSON (the `policies` key of `heed serve --config`, or
 * `new Heed({policies})`); each has a version, a hash of its content, recorded with every task it
 * governs, so a decision names the exact rules it was made under.
 */
import { z } from 'zod';
import { InvalidArgumentError } from '../../errors.ts';
import { canonicalHash } from '../../store/canonical.ts';
import { type Duration, toMs } from '../../time/duration.ts';
import { canAnswer, isPrincipal } from '../principals.ts';
import { TASK_TYPES, type TaskType } from '../types.ts';

/** One stage of a staged approval: its approvers decide, in order; a reject at any stage ends the task. */
export interface PolicyStage {
  /** Shown to people ("team lead", "finance"); default `stage N`. */
  name?: string;
  approvers: readonly string[];
  /** Approvals from distinct principals this stage needs (default 1). */
  quorum?: number;
}

/** An approval policy as configured. */
export interface ApprovalPolicy {
  /** Names the policy in errors, tasks and the audit chain. */
  name: string;
  /**
   * Which tasks it governs: every field given must hold (`tool`: the action's tool; `workflow`:
   * the asking run's workflow; `type`: the task type). A value ending in `*` matches a prefix.
   * No `match`: every task (a default).
   */
  match?: {
    tool?: string | readonly string[];
    workflow?: string | readonly string[];
    type?: TaskType | readonly TaskType[];
  };
  /** Who decides (principals or groups). One of `approvers`, `stages` or `callerAssigns` is required. */
  approvers?: readonly string[];
  /** Approvals needed from distinct approvers (default 1); a request may ask for more. */
  quorum?: number;
  /** Staged approval: each stage's approvers decide in order. Excludes `approvers` and `quorum`. */
  stages?: readonly PolicyStage[];
  /**
   * The request names its own assignees (for internal apps asking named people). Everything else
   * of the policy still holds, and the requester still never answers their own approval.
   */
  callerAssigns?: boolean;
  /** The deadline: a duration (the default and the longest allowed), or both apart. */
  deadline?: Duration | { default?: Duration; max?: Duration };
  /** What the deadline decides: `reject` (default, fail closed), `expire`, or an outcome such as `approve`. */
  onTimeout?: string;
  remind?: { after: Duration; every?: Duration; max?: number };
  escalate?: readonly { after: Duration; to: readonly string[] }[];
  /** Channels every governed task is sent on (a request may add more). */
  channels?: readonly string[];
  /** `allowed`: the requester may answer their own request (confirmations). Default `forbidden`. */
  selfApproval?: 'allowed' | 'forbidden';
  /**
   * Who may hand a governed task to someone else (`POST /v1/tasks/{id}/reassign`): `assignees`
   * (default: those who may answer it, and admins), `assignees-and-requester`, or `admins` only.
   */
  reassign?: ReassignRule;
  /**
   * Reminders and escalations count working time of the assignees (their `timeZone` and
   * `workingHours`, config `people`): `remind.after: "2h"` is two working hours. The deadline
   * stays absolute. See docs/working-hours.md.
   */
  businessHours?: boolean;
  /**
   * Standing approvals (`human/standing.ts`): an approver of an action may also approve the same
   * action, with arguments within bounds, for up to `maxDays` days. Absent: not allowed.
   */
  standing?: { maxDays: number };
}

export type ReassignRule = 'assignees' | 'assignees-and-requester' | 'admins';

/** A policy checked and ready to apply: durations in ms, its version computed. */
export interface Policy {
  name: string;
  /** The first 12 hex digits of the SHA-256 of the policy's canonical JSON: any change makes a new version. */
  version: string;
  match: { tool: string[] | null; workflow: string[] | null; type: string[] | null };
  /** `null`: the request names them (`callerAssigns`). */
  stages: { name: string; approvers: string[]; quorum: number }[] | null;
  quorum: number;
  deadline: { defaultMs: number | null; maxMs: number | null };
  onTimeout: string;
  remind: { afterMs: number; everyMs: number | null; max: number } | null;
  escalate: { afterMs: number; to: string[] }[] | null;
  channels: string[];
  selfApproval: 'allowed' | 'forbidden';
  reassign: ReassignRule;
  /** Reminders and escalations count the assignees' working time. */
  businessHours: boolean;
  /** Standing approvals allowed under it, for at most `maxDays` days; `null`: none. */
  standing: { maxDays: number } | null;
  /** The policy as configured (what `GET /v1/policies` shows). */
  source: ApprovalPolicy;
}

const responder = z.string().refine((p) => isPrincipal(p) && canAnswer(p), {
  message: 'must be a principal who can answer: user:NAME, group:NAME or email:ADDRESS',
});
const duration = z.union([z.number().int().nonnegative(), z.string().min(1).max(100)]);
const oneOrMany = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).min(1)]);

const policyShape = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    match: z
      .strictObject({
        tool: oneOrMany(z.string().min(1).max(200)).optional(),
        workflow: oneOrMany(z.string().min(1).max(200)).optional(),
        type: oneOrMany(z.enum(TASK_TYPES)).optional(),
      })
      .optional(),
    approvers: z.array(responder).min(1).optional(),
    quorum: z.number().int().min(1).max(100).optional(),
    stages: z
      .array(
        z.strictObject({
          name: z.string().trim().min(1).max(100).optional(),
          approvers: z.array(responder).min(1),
          quorum: z.number().int().min(1).max(100).optional(),
        }),
      )
      .min(1)
      .max(10)
      .optional(),
    callerAssigns: z.boolean().optional(),
    deadline: z
      .union([duration, z.strictObject({ default: duration.optional(), max: duration.optional() })])
      .optional(),
    onTimeout: z.string().min(1).max(100).optional(),
    remind: z
      .strictObject({ after: duration, every: duration.optional(), max: z.number().int().min(1).optional() })
      .optional(),
    escalate: z.array(z.strictObject({ after: duration, to: z.array(responder).min(1) })).optional(),
    channels: z.array(z.string().min(1)).optional(),
    selfApproval: z.enum(['allowed', 'forbidden']).optional(),
    reassign: z.enum(['assignees', 'assignees-and-requester', 'admins']).optional(),
    businessHours: z.boolean().optional(),
    standing: z.strictObject({ maxDays: z.number().int().min(1).max(90) }).optional(),
  })
  .refine((p) => [p.approvers, p.stages, p.callerAssigns || undefined].filter((x) => x !== undefined).length === 1, {
    message: 'needs exactly one of approvers, stages or callerAssigns: true (who decides)',
  })
  .refine((p) => !(p.stages && p.quorum !== undefined), { message: 'stages carry their own quorum' });

/**
 * Checks policies (from a config file or code) and prepares them: durations converted, versions
 * computed, names unique.
 * @throws InvalidArgumentError naming the policy and the field, for any invalid policy.
 */
export function parsePolicies(input: unknown): Policy[] {
  if (input === undefined) return [];
  if (!Array.isArray(input)) throw new InvalidArgumentError('policies must be a list of policies');
  const names = new Set<string>();
  return input.map((raw, i) => {
    const parsed = policyShape.safeParse(raw);
    const label = `policies[${i}]${typeof (raw as { name?: unknown })?.name === 'string' ? ` ("${(raw as { name: string }).name}")` : ''}`;
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(policy)'} ${issue.message}`);
      throw new InvalidArgumentError(`${label}: ${problems.join('; ')}`);
    }
    if (names.has(parsed.data.name)) throw new InvalidArgumentError(`${label}: the name is used twice`);
    names.add(parsed.data.name);
    try {
      return preparePolicy(parsed.data as ApprovalPolicy);
    } catch (error) {
      throw new InvalidArgumentError(`${label}: ${(error as Error).message}`);
    }
  });
}

function preparePolicy(source: ApprovalPolicy): Policy {
  const list = <T extends string>(value: T | readonly T[] | undefined): string[] | null =>
    value === undefined ? null : typeof value === 'string' ? [value] : [...value];
  const deadline =
    source.deadline === undefined
      ? { defaultMs: null, maxMs: null }
      : typeof source.deadline === 'object'
        ? {
            defaultMs: source.deadline.default === undefined ? null : toMs(source.deadline.default, 'deadline.default'),
            maxMs: source.deadline.max === undefined ? null : toMs(source.deadline.max, 'deadline.max'),
          }
        : { defaultMs: toMs(source.deadline, 'deadline'), maxMs: toMs(source.deadline, 'deadline') };
  if (deadline.defaultMs !== null && deadline.maxMs !== null && deadline.defaultMs > deadline.maxMs) {
    throw new InvalidArgumentError('deadline.default is longer than deadline.max');
  }
  const stages = source.callerAssigns
    ? null
    : source.stages
      ? source.stages.map((s, i) => ({
          name: s.name ?? `stage ${i + 1}`,
          approvers: [...s.approvers],
          quorum: s.quorum ?? 1,
        }))
      : [{ name: 'approvers', approvers: [...(source.approvers ?? [])], quorum: source.quorum ?? 1 }];
  return {
    name: source.name,
    version: canonicalHash(source).slice(0, 12),
    match: { tool: list(source.match?.tool), workflow: list(source.match?.workflow), type: list(source.match?.type) },
    stages,
    quorum: source.quorum ?? 1,
    deadline,
    onTimeout: source.onTimeout ?? 'reject',
    remind: source.remind
      ? {
          afterMs: toMs(source.remind.after, 'remind.after'),
          everyMs: source.remind.every === undefined ? null : toMs(source.remind.every, 'remind.every'),
          max: source.remind.max ?? (source.remind.every === undefined ? 1 : 3),
        }
      : null,
    escalate: source.escalate
      ? source.escalate.map((level) => ({ afterMs: toMs(level.after, 'escalate.after'), to: [...level.to] }))
      : null,
    channels: [...(source.channels ?? [])],
    selfApproval: source.selfApproval ?? 'forbidden',
    reassign: source.reassign ?? 'assignees',
    businessHours: source.businessHours ?? false,
    standing: source.standing ? { maxDays: source.standing.maxDays } : null,
    source,
  };
}

/** What a task is matched on. */
export interface PolicySubject {
  type: string;
  /** The action's tool, for approvals of an action. */
  tool?: string | undefined;
  /** The workflow of the run that asks (`ctx.ask`, an agent, an adapter); none for HTTP and MCP tasks. */
  workflow?: string | undefined;
}

/** Whether `policy` governs a task about `subject`: every field its `match` names must hold. */
export function policyMatches(policy: Policy, subject: PolicySubject): boolean {
  const holds = (patterns: string[] | null, value: string | undefined) =>
    patterns === null ||
    (value !== undefined && patterns.some((p) => (p.endsWith('*') ? value.startsWith(p.slice(0, -1)) : p === value)));
  return (
    holds(policy.match.tool, subject.tool) &&
    holds(policy.match.workflow, subject.workflow) &&
    holds(policy.match.type, subject.type)
  );
}
