import { canonicalHash } from '../store/canonical.ts';
import type { TaskRecord } from '../store/task-store.ts';
import type { TaskChange } from './task-writes.ts';
import type { NormalizedSpec, TaskResult } from './types.ts';
import { specOf, toResponses } from './view.ts';

/** The topic on which a task's lifecycle run hears that the task ended. */
export const SETTLED_TOPIC = 'settled';

/**
 * A result for a task that ended without a deciding answer (deadline, cancellation). Action
 * arguments are carried only when the outcome approves them.
 */
export function endResult(
  task: TaskRecord,
  status: TaskResult['status'],
  outcome: string | null,
  by: string,
  via: string,
  comment: string | null,
  now: number,
): TaskResult {
  const spec = specOf(task);
  const approved = outcome !== null && outcome === spec.quorum.approveOutcome && spec.action !== null;
  return {
    taskId: task.id,
    status,
    outcome,
    by,
    via,
    comment,
    data: null,
    args: approved ? (spec.action?.args ?? null) : null,
    argsHash: approved ? (spec.action?.argsHash ?? null) : null,
    edit: null,
    responses: toResponses(task),
    at: now,
  };
}

/** The task's result: as recorded, or (for a task cancelled with its asking run) rebuilt. */
export function resultOf(task: TaskRecord): TaskResult | null {
  if (task.result !== null) return JSON.parse(task.result) as TaskResult;
  if (task.status === 'pending') return null;
  return endResult(
    task,
    task.status === 'expired' ? 'expired' : 'cancelled',
    null,
    'system',
    'run',
    null,
    task.updatedAt,
  );
}

/**
 * The update that ends a task at its deadline by its `onTimeout` rule, audited with a hash of
 * the result. Used by the lifecycle's deadline step and by a response that arrives too late.
 */
export function deadlineUpdate(task: TaskRecord, spec: NormalizedSpec, now: number): TaskChange {
  const rule = spec.onTimeout;
  const comment = 'No answer before the deadline';
  const result =
    rule.status === 'resolved'
      ? endResult(task, 'resolved', rule.outcome, 'system', 'timeout', comment, now)
      : endResult(task, 'expired', null, 'system', 'timeout', comment, now);
  return {
    status: result.status,
    result: JSON.stringify(result),
    audit: [
      {
        actor: 'system',
        via: 'timer',
        action: 'expired',
        outcome: result.outcome,
        detail: { onTimeout: rule, resultHash: canonicalHash(result) },
      },
    ],
    ...settle(task, JSON.stringify(result)),
  };
}

/**
 * What tells a task's lifecycle run that the task ended with `result` (JSON text), in the write
 * that ends it: a suspended run ends at once with the result as its output (what its `result`
 * step would return; its parent, the asking run, wakes in the same transaction); a run that is
 * executing is sent the settled message and ends itself.
 */
export function settle(task: TaskRecord, result: string): Pick<TaskChange, 'message' | 'endRun'> {
  return {
    message: { runId: task.runId, topic: SETTLED_TOPIC, idempotencyKey: SETTLED_TOPIC },
    endRun: { runId: task.runId, output: result },
  };
}
