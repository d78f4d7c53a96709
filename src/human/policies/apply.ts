/**
 * Applying an approval policy to a request: the request may make a task stricter (a higher quorum,
 * an earlier deadline, more reminders, more channels, a timeout that does not approve), never
 * looser. A looser field is either refused (`mode: 'refuse'`, what HTTP callers get: 422 naming
 * the policy) or replaced by the policy's (`mode: 'apply'`, for tools a model calls and for the
 * server's own code: the task says what was ignored). Pure functions of the request and the policy.
 */
import { PolicyViolationError } from '../../errors.ts';
import { toMs } from '../../time/duration.ts';
import type { TaskSpec } from '../types.ts';
import type { Policy } from './policy.ts';

/** How a looser request is treated: refused whole, or corrected field by field. */
export type PolicyMode = 'refuse' | 'apply';

/** The policy a task was created under, as the task shows it and the audit chain records it. */
export interface AppliedPolicy {
  name: string;
  version: string;
  /** Fields of the request the policy overrode (mode `apply`), each with why. */
  ignored: { path: string; message: string }[];
  /** Reminders and escalations count the assignees' working time (policy `businessHours`). */
  businessHours?: true;
}

/** Stages of a staged task, as stored in its spec. */
export type TaskStages = { name: string; approvers: string[]; quorum: number }[];

/** The request as the policy leaves it, and what it changed. */
export interface PolicyOutcome {
  spec: TaskSpec;
  applied: AppliedPolicy;
  /** Set for policies with more than one stage. */
  stages: TaskStages | null;
}

/** Timeout rules that never decide in favour: a request may always ask for these. */
const NEVER_APPROVES = new Set(['reject', 'expire', 'deny', 'failed']);

/**
 * Applies `policy` to `request`. `openAllowed`: the request may leave a `callerAssigns` policy's
 * task open to anyone (the server's own code may; agents and HTTP callers may not).
 * @throws PolicyViolationError (mode `refuse`) listing every looser field; nothing is changed.
 */
export function applyPolicy(request: TaskSpec, policy: Policy, mode: PolicyMode, openAllowed = false): PolicyOutcome {
  const issues: { path: string; message: string }[] = [];
  const spec: TaskSpec = { ...request };
  const loose = (path: string, message: string, fix: () => void) => {
    issues.push({ path, message });
    fix();
  };

  // Who decides.
  const stages = policy.stages;
  const unassigned = stages === null && !openAllowed && (!request.assignees || request.assignees.length === 0);
  if (stages === null) {
    if (unassigned) {
      // An open task would let anyone answer: a policy that lets callers assign needs names.
      issues.push({ path: 'assignees', message: `policy "${policy.name}" needs the request to name its assignees` });
    }
  } else {
    const first = stages[0]?.approvers ?? [];
    if (request.assignees && !sameSet(request.assignees, first)) {
      loose('assignees', `the approvers are ${first.join(', ')}, as policy "${policy.name}" says`, () => {});
    }
    spec.assignees = first;
  }

  // How many approve.
  const minimum = stages && stages.length === 1 ? (stages[0]?.quorum ?? 1) : policy.quorum;
  const requested = typeof request.quorum === 'number' ? request.quorum : request.quorum?.approvals;
  if (stages && stages.length > 1) {
    if (requested !== undefined) loose('quorum', 'each stage has its own quorum', () => delete spec.quorum);
  } else if (requested !== undefined && requested < minimum) {
    loose('quorum', `at least ${minimum} approvals are needed`, () => {
      spec.quorum = minimum;
    });
  } else if (requested === undefined && minimum > 1) {
    spec.quorum = minimum;
  }
  if (typeof request.quorum === 'object' && request.quorum.rejectEnds === false) {
    loose('quorum.rejectEnds', 'a reject ends the task', () => {
      spec.quorum = requested ?? minimum;
    });
  }
  const approvalsNeeded = stages && stages.length > 1 ? stages.reduce((n, s) => n + s.quorum, 0) : 0;
  if (approvalsNeeded > 1 && request.allowEdit) {
    loose('allowEdit', 'a staged approval cannot edit arguments: every stage approves the same ones', () => {
      spec.allowEdit = false;
    });
  }

  // What silence decides, and when.
  const timeout = request.onTimeout ?? policy.onTimeout;
  if (timeout !== policy.onTimeout && !NEVER_APPROVES.has(timeout)) {
    loose('onTimeout', `silence decides "${policy.onTimeout}"`, () => {
      spec.onTimeout = policy.onTimeout;
    });
  } else {
    spec.onTimeout = timeout;
  }
  const approvesOnTimeout = !NEVER_APPROVES.has(spec.onTimeout ?? 'reject');
  const deadline = msOf(request.deadline);
  const { defaultMs, maxMs } = policy.deadline;
  if (deadline === undefined) {
    const fixed = defaultMs ?? maxMs;
    if (fixed !== null) spec.deadline = fixed;
  } else if (maxMs !== null && deadline > maxMs) {
    loose('deadline', `at most ${maxMs} ms`, () => {
      spec.deadline = defaultMs ?? maxMs;
    });
  } else if (approvesOnTimeout && deadline < (defaultMs ?? maxMs ?? Number.POSITIVE_INFINITY)) {
    // An earlier deadline is stricter only when silence rejects; here it would approve sooner.
    loose('deadline', `silence approves here, so the deadline cannot come earlier than the policy's`, () => {
      spec.deadline = defaultMs ?? maxMs ?? undefined;
    });
  }

  // Reminders: as often or more often.
  if (policy.remind) {
    const asked = request.remind && remindMs(request.remind);
    if (
      asked &&
      (asked.afterMs > policy.remind.afterMs ||
        asked.max < policy.remind.max ||
        (policy.remind.everyMs !== null && (asked.everyMs === null || asked.everyMs > policy.remind.everyMs)))
    ) {
      loose('remind', 'reminders must come at least as early and as often as the policy says', () => {});
      spec.remind = policyRemind(policy);
    } else if (!asked) {
      spec.remind = policyRemind(policy);
    }
  }

  // Escalation adds responders: only the policy's (or the caller's, where callers assign).
  if (stages !== null) {
    if (request.escalate && request.escalate.length > 0 && !sameEscalation(request.escalate, policy)) {
      loose('escalate', `escalation is policy "${policy.name}"'s`, () => {});
    }
    if (policy.escalate) spec.escalate = policy.escalate.map((l) => ({ after: l.afterMs, to: l.to }));
    else delete spec.escalate;
  } else if (policy.escalate) {
    spec.escalate = policy.escalate.map((l) => ({ after: l.afterMs, to: l.to }));
  }

  // More channels are fine; the policy's are always used.
  if (policy.channels.length > 0) spec.channels = [...new Set([...policy.channels, ...(request.channels ?? [])])];

  if (request.selfApproval === 'allowed' && policy.selfApproval !== 'allowed') {
    loose('selfApproval', 'the requester may not answer their own request', () => {});
  }
  spec.selfApproval = request.selfApproval === 'forbidden' ? 'forbidden' : policy.selfApproval;

  if (issues.length > 0 && mode === 'refuse') throw new PolicyViolationError(policy.name, issues);
  if (unassigned) throw new PolicyViolationError(policy.name, issues);
  return {
    spec,
    applied: {
      name: policy.name,
      version: policy.version,
      ignored: issues,
      ...(policy.businessHours ? { businessHours: true as const } : {}),
    },
    stages: stages && stages.length > 1 ? stages : null,
  };
}

function msOf(value: TaskSpec['deadline']): number | undefined {
  if (value === undefined) return undefined;
  try {
    return toMs(value);
  } catch {
    // Invalid durations are refused by the spec's own validation, with its message.
    return undefined;
  }
}

function remindMs(remind: NonNullable<TaskSpec['remind']>) {
  try {
    return {
      afterMs: toMs(remind.after),
      everyMs: remind.every === undefined ? null : toMs(remind.every),
      max: remind.max ?? (remind.every === undefined ? 1 : 3),
    };
  } catch {
    return undefined;
  }
}

function policyRemind(policy: Policy): TaskSpec['remind'] {
  const r = policy.remind;
  if (!r) return undefined;
  return { after: r.afterMs, ...(r.everyMs === null ? {} : { every: r.everyMs }), max: r.max };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((x) => set.has(x));
}

function sameEscalation(asked: NonNullable<TaskSpec['escalate']>, policy: Policy): boolean {
  const own = policy.escalate ?? [];
  return (
    asked.length === own.length &&
    asked.every((level, i) => msOf(level.after) === own[i]?.afterMs && sameSet(level.to, own[i]?.to ?? []))
  );
}
