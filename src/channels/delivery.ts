import type { WorkflowContext } from '../engine/context.ts';
import type { NotificationKind } from '../human/notifier.ts';
import { internalRunId } from '../run-ids.ts';
import type { Address } from './directory/people.ts';

/** What a delivery run carries (durably; no secrets, no rendered content: that is built when sending). */
export interface DeliveryInput {
  /** `<task>:<kind>:<index>:<channel>:<address>`: the idempotency key of this notice. */
  key: string;
  taskId: string;
  channel: 'email' | 'slack' | 'teams';
  kind: NotificationKind;
  index: number;
  address: Address;
}

/** One attempt's outcome. Attempts never throw: a failure is a result, so it is recorded. */
export type AttemptResult = { done: true; status: 'sent' | 'skipped' } | { done: false; error: string };

export const DELIVERY_WORKFLOW = 'heed.channel-delivery';
export const deliveryRunId = (key: string) => internalRunId('channel', key);

/** 6 attempts: at once, then after 10 s, 30 s, 90 s, 4.5 min and 10 min (about 17 minutes in all). */
export const MAX_ATTEMPTS = 6;
export const backoffMs = (attempt: number) => Math.min(600_000, 10_000 * 3 ** (attempt - 1));

/**
 * The delivery of one notice to one address, as a durable run: each attempt is a step, and the
 * wait between attempts is a durable sleep (an engine timer), so a restart neither loses a notice
 * nor repeats one that was recorded as sent. After the last attempt, `giveUp` records it
 * `failed` and audits `not-notified`; the task's deadline still decides.
 */
export function deliveryWorkflow(sender: {
  attempt(input: DeliveryInput): Promise<AttemptResult>;
  giveUp(input: DeliveryInput, error: string): Promise<void>;
}) {
  return async (ctx: WorkflowContext, input: DeliveryInput) => {
    let error = '';
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const result = await ctx.step(`attempt:${attempt}`, () => sender.attempt(input), { retries: 0 });
      if (result.done) return { status: result.status, attempts: attempt };
      error = result.error;
      if (attempt < MAX_ATTEMPTS) await ctx.sleep(backoffMs(attempt));
    }
    await ctx.step('gave-up', () => sender.giveUp(input, error));
    return { status: 'failed', attempts: MAX_ATTEMPTS, error };
  };
}
