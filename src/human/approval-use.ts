/**
 * Using an approval: an approval is bound to the exact action it was given for (the tool, the
 * hash of the arguments as approved, the policy version, the run that asked, the requester) and
 * is consumed once. Whoever acts on it (the AI SDK helper, an adapter, an HTTP client before it
 * runs the action) asks here first: a decision for one call never lets another run, a replayed or
 * duplicated use is refused, and arguments that changed after the decision are refused (the
 * approver's own edits are what was approved).
 */
import { ApprovalNotUsableError } from '../errors.ts';
import { canonicalHash } from '../store/canonical.ts';
import type { AuditEntry, TaskRecord, TaskStore } from '../store/task-store.ts';
import type { Clock } from '../time/clock.ts';
import { resultOf } from './results.ts';
import { type Decision, decideAndWrite } from './task-writes.ts';
import type { TaskResult } from './types.ts';
import { specOf } from './view.ts';

/** The action about to run on the strength of an approval. */
export interface ApprovalUse {
  tool: string;
  /** The arguments it will run with (the approver's edits included). */
  args: Record<string, unknown>;
  /** The run that asked, when the action runs in one (checked against the task's). */
  runId?: string;
  /** Who asked (checked against the task's requester). */
  requester?: string;
  /** Who uses it, for the audit chain (default `system`). */
  actor?: string;
  via?: string;
}

/**
 * Consumes the approval of task `id` for `use`, once: records a `consumed` entry (with the tool,
 * the arguments' hash, the policy version, run and requester) in the audit chain by
 * compare-and-set, so of two processes racing to use one approval exactly one succeeds.
 * @returns the task's result (outcome, who, the approved arguments).
 * @throws TaskNotFoundError; ApprovalNotUsableError `not-approved` (pending, rejected, expired,
 *   cancelled), `mismatch` (another tool, other arguments, run or requester), `consumed` (used
 *   before). Nothing is written when it throws.
 */
export async function consumeApproval(
  store: Pick<TaskStore, 'getTask' | 'applyTaskUpdate' | 'taskAudit'>,
  clock: Clock,
  id: string,
  use: ApprovalUse,
): Promise<TaskResult> {
  // The audit is read with the task; a write in between bumps the version, fails the
  // compare-and-set and makes both be read again, so a `consumed` entry is never missed.
  let audit: AuditEntry[] = [];
  const reader = {
    getTask: async (taskId: string) => {
      const task = await store.getTask(taskId);
      audit = task ? await store.taskAudit(taskId) : [];
      return task;
    },
    applyTaskUpdate: store.applyTaskUpdate.bind(store),
  };
  return decideAndWrite(reader, clock, id, (task) => decideUse(task, audit, use));
}

function decideUse(task: TaskRecord, audit: readonly AuditEntry[], use: ApprovalUse): Decision<TaskResult> {
  const spec = specOf(task);
  const result = resultOf(task);
  const refuse = (reason: ApprovalNotUsableError['reason'], detail: string): never => {
    throw new ApprovalNotUsableError(task.id, reason, detail);
  };
  if (!spec.action) refuse('mismatch', 'it is not the approval of an action');
  if (result?.status !== 'resolved' || result.outcome !== spec.quorum.approveOutcome) {
    refuse('not-approved', `it is ${result ? (result.outcome ?? result.status) : 'still pending'}, not approved`);
  }
  const approved = result as TaskResult;
  if (spec.action?.tool !== use.tool) refuse('mismatch', `it approves "${spec.action?.tool}", not "${use.tool}"`);
  const argsHash = canonicalHash(use.args);
  if (approved.argsHash !== argsHash) refuse('mismatch', 'the arguments changed after the decision');
  if (use.runId !== undefined && task.askedBy !== use.runId) refuse('mismatch', `it was asked by another run`);
  if (use.requester !== undefined && task.requester !== use.requester)
    refuse('mismatch', 'it was asked by someone else');
  const used = audit.find((e) => e.action === 'consumed');
  if (used) refuse('consumed', `it was used already, at ${new Date(used.at).toISOString()} by ${used.actor}`);
  return {
    update: {
      audit: [
        {
          actor: use.actor ?? 'system',
          via: use.via ?? 'api',
          action: 'consumed',
          outcome: approved.outcome,
          detail: {
            tool: use.tool,
            argsHash,
            policy: spec.policy ? { name: spec.policy.name, version: spec.policy.version } : null,
            runId: task.askedBy,
            requester: task.requester,
          },
        },
      ],
    },
    value: approved,
  };
}
