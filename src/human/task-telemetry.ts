/**
 * What a task write tells metrics and traces: a task ended (time to decision, and its span
 * `heed.task` from creation to end, in the task's trace, linked to the run that asked), a reminder
 * or an escalation applied. Called once per successful write, in the process that made it.
 */
import { SpanKind } from '@opentelemetry/api';
import type { Telemetry } from '../observability/telemetry.ts';
import { endSpan, linkToRun, startSpan, traceParentOf } from '../observability/tracing.ts';
import type { TaskRecord } from '../store/task-store.ts';
import type { TaskWriteObserver } from './task-writes.ts';

/** The name of the policy in a stored spec, `none` when no policy governed the task. */
function policyName(task: TaskRecord): string {
  try {
    const spec = JSON.parse(task.spec) as { policy?: { name?: unknown } };
    return typeof spec.policy?.name === 'string' ? spec.policy.name : 'none';
  } catch {
    return 'none';
  }
}

function outcomeOf(task: TaskRecord): string {
  if (task.status !== 'resolved' || task.result === null) return task.status;
  try {
    const outcome = (JSON.parse(task.result) as { outcome?: unknown }).outcome;
    return typeof outcome === 'string' ? outcome : task.status;
  } catch {
    return task.status;
  }
}

export function taskWriteObserver(telemetry: Telemetry): TaskWriteObserver {
  return (before, after) => {
    try {
      if (after.remindersSent > before.remindersSent) telemetry.taskNudged('reminder', after.type);
      if (after.escalationLevel > before.escalationLevel) telemetry.taskNudged('escalation', after.type);
      if (before.status !== 'pending' || after.status === 'pending') return;
      const policy = policyName(after);
      const outcome = outcomeOf(after);
      const end = after.resolvedAt ?? after.updatedAt;
      telemetry.taskEnded(after.type, policy, outcome, (end - after.createdAt) / 1_000);
      const span = startSpan(
        `heed.task ${after.type}`,
        traceParentOf(`task:${after.id}`),
        {
          'heed.task.id': after.id,
          'heed.task.type': after.type,
          'heed.task.status': after.status,
          'heed.task.outcome': outcome,
          'heed.task.policy': policy,
          'heed.task.reminders': after.remindersSent,
          'heed.task.escalation_level': after.escalationLevel,
          ...(after.requester ? { 'heed.task.requester': after.requester } : {}),
        },
        {
          startTime: after.createdAt,
          kind: SpanKind.INTERNAL,
          links: after.askedBy ? [linkToRun(after.askedBy, { 'heed.link': 'asked by' })] : [],
        },
      );
      endSpan(span, undefined, end);
    } catch {
      // Telemetry never fails a write that has already happened.
    }
  };
}
