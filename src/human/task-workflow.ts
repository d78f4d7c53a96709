import type { WorkflowContext } from '../engine/context.ts';
import { internalRunId } from '../run-ids.ts';
import type { NotificationKind } from './notifier.ts';
import type { PolicyEvent } from './policy.ts';
import { SETTLED_TOPIC } from './results.ts';
import type { TaskResult } from './types.ts';

/** The workflow that carries every task's timed policy. Its run id is `task:<task id>`. */
export const TASK_WORKFLOW = 'heed.task';

export const taskRunId = (taskId: string) => internalRunId('task', taskId);

/** What the lifecycle workflow needs from the task layer; each call is wrapped in a durable step. */
export interface TaskPolicies {
  /** `staged`: the task is a staged approval (absent in plans recorded before stages existed). */
  plan(taskId: string): Promise<{ pending: boolean; events: PolicyEvent[]; staged?: boolean }>;
  /**
   * What a message on the settled topic meant: whether the task is still pending, for a staged
   * approval the index of the stage deciding now, and the reassignments made so far (their audit
   * positions; absent in results recorded before reassignment existed).
   */
  stage(taskId: string): Promise<{ pending: boolean; stage: number; reassigned?: number[] }>;
  /** Applies a reminder, an escalation or the deadline; false when the task already ended. */
  apply(taskId: string, event: PolicyEvent): Promise<boolean>;
  notify(taskId: string, kind: NotificationKind, index: number): Promise<void>;
  /** Records that a notification could not be delivered after its retries. */
  notifyFailed(taskId: string, kind: NotificationKind, index: number, reason: string): Promise<void>;
  result(taskId: string): Promise<TaskResult>;
}

const KIND: Record<'remind' | 'escalate', NotificationKind> = { remind: 'reminder', escalate: 'escalated' };

/** A channel that is down is retried for a few minutes, then given up on: the task goes on. */
const NOTIFY_RETRIES = { retries: 6, backoff: { initial: '1s', factor: 2, max: '1m' } } as const;

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
    const notify = async (kind: NotificationKind, index: number, name: string) => {
      try {
        await ctx.step(name, () => policies.notify(taskId, kind, index), NOTIFY_RETRIES);
      } catch (error) {
        // A broken channel must not stop the deadline from deciding: record it and go on.
        await ctx.step(`${name}:failed`, () => policies.notifyFailed(taskId, kind, index, (error as Error).message));
      }
    };
    const plan = await ctx.step('plan', () => policies.plan(taskId));
    let open = plan.pending;
    if (open) await notify('created', 0, 'notify:created');
    // A staged approval hears of each completed stage on the settled topic too: it notifies the
    // next stage's approvers and waits on. (Unstaged tasks make exactly the calls they always did,
    // so their recorded histories replay unchanged.)
    let stagesSeen = 0;
    let notified = 0;
    // A reassignment also arrives on the settled topic: the lifecycle reads what happened and tells
    // the new people. Lifecycles that were waiting before this existed took the old path (a message
    // there only ever meant "ended"), and their recorded histories replay unchanged.
    const hearsNews = plan.staged === true || ctx.patched('task-reassign');
    const reassignedTold = new Set<number>();
    const settledBy = async (at: number | null): Promise<boolean> => {
      for (;;) {
        const now = at === null ? 0 : await ctx.now();
        const heard = await ctx.recv(SETTLED_TOPIC, at === null ? undefined : { timeout: Math.max(0, at - now) });
        if (heard === null) return false;
        if (!hearsNews) return true;
        const state = await ctx.step(`stage:${++stagesSeen}`, () => policies.stage(taskId));
        if (!state.pending) return true;
        if (plan.staged && state.stage > notified) {
          notified = state.stage;
          await notify('stage', state.stage, `notify:stage:${state.stage}`);
        }
        for (const index of state.reassigned ?? []) {
          if (reassignedTold.has(index)) continue;
          reassignedTold.add(index);
          await notify('reassigned', index, `notify:reassigned:${index}`);
        }
      }
    };
    for (const event of plan.events) {
      if (!open) break;
      if (await settledBy(event.at)) {
        open = false;
        break;
      }
      open = await ctx.step(`${event.kind}:${event.index}`, () => policies.apply(taskId, event));
      if (open && event.kind !== 'deadline') {
        await notify(KIND[event.kind], event.index, `notify:${event.kind}:${event.index}`);
      }
    }
    if (open) await settledBy(null);
    return ctx.step('result', () => policies.result(taskId));
  };
}
