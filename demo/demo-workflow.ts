import { appendFileSync } from 'node:fs';
import type { Heed } from '../src/index.ts';

export interface RefundRequest {
  customer: string;
  amountCents: number;
}

/**
 * The demo's workflow: an agent drafts a refund, asks a person, waits durably for the decision
 * (a message on the `decision` topic), then acts on it. `effectsLog` records every time a step
 * body really runs, so the demo can show that nothing ran twice across the restart.
 */
export function registerRefundWorkflow(heed: Heed, effectsLog: string) {
  return heed.workflow('refund-approval', async (ctx, input: RefundRequest) => {
    const draft = await ctx.step('draft-refund', () => {
      appendFileSync(effectsLog, `draft-refund pid=${process.pid}\n`);
      return { ...input, reference: `RF-${input.customer.toUpperCase()}-${input.amountCents}` };
    });
    await ctx.setStatus('agent', { status: 'pending_approval', draft });
    const decision = await ctx.recv<{ approved: boolean; by: string }>('decision', { timeout: '7d' });
    if (!decision?.approved) {
      await ctx.setStatus('agent', { status: 'denied' });
      return { refunded: false, reason: decision ? `rejected by ${decision.by}` : 'nobody answered in 7 days' };
    }
    const receipt = await ctx.step('issue-refund', ({ idempotencyKey }) => {
      appendFileSync(effectsLog, `issue-refund pid=${process.pid}\n`);
      return { reference: draft.reference, idempotencyKey };
    });
    await ctx.setStatus('agent', { status: 'done' });
    return { refunded: true, approvedBy: decision.by, receipt };
  });
}
