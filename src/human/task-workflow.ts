import type { WorkflowContext } from '../engine/context.ts';
import type { NotificationKind } from './notifier.ts';
import type { PolicyEvent } from './policy.ts';
import { SETTLED_TOPIC } from './responses.ts';
import type { TaskResult } from './types.ts';

/** The workflow that carries every task's timed policy. Its run id is `task:<task id>`. */
export const TASK_WORKFLOW = 'heed.task';

export const taskRunId = (taskId: string) => `task:${taskId}`;

/** What the lifecycle workflow needs from the task layer; each call is wrapped in a durable step. */
export interface TaskPolicies {
  plan(taskId: string): Promise<{ pending: boolean; events: PolicyEvent[] }>;
  /** Applies a reminder, an escalation or the deadline; false when the task already ended. */
  apply(taskId: string, event: PolicyEvent): Promise<boolean>;
  notify(taskId: string, kind: NotificationKind, index: number): Promise<void>;
  result(taskId: string): Promise<TaskResult>;
}

const KIND: Record<'remind' | 'escalate', NotificationKind> = { remind: 'reminder', escalate: 'escalated' };

/**
 * A task's lifecycle, on engine primitives only: notify, then wait for the task to settle with a
 * timeout reaching to the next policy event (reminder, escalation, deadline), apply it, notify,
 * and so on. Each action and each notification is its own step: a crash between an escalation
 * and its notification replays the escalation from the record and sends the notification once.
 * While it waits, the run is suspended like any other: a timer row, no memory.
 */
export function taskLifecycle(policies: TaskPolicies) {
  return async (ctx: WorkflowContext, input: { taskId: string }): Promise<TaskResult> => {
    const { taskId } = input;
    const plan = await ctx.step('plan', () => policies.plan(taskId));
    let open = plan.pending;
    if (open) await ctx.step('notify:created', () => policies.notify(taskId, 'created', 0));
    for (const event of plan.events) {
      if (!open) break;
      const now = await ctx.now();
      const settled = await ctx.recv(SETTLED_TOPIC, { timeout: Math.max(0, event.at - now) });
      if (settled !== null) {
        open = false;
        break;
      }
      open = await ctx.step(`${event.kind}:${event.index}`, () => policies.apply(taskId, event));
      if (open && event.kind !== 'deadline') {
        const kind = KIND[event.kind];
        await ctx.step(`notify:${event.kind}:${event.index}`, () => policies.notify(taskId, kind, event.index));
      }
    }
    if (open) await ctx.recv(SETTLED_TOPIC);
    return ctx.step('result', () => policies.result(taskId));
  };
}
