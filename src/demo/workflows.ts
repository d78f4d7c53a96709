import type { LanguageModel } from 'ai';
import { OfflineModel } from '../agent/offline-model.ts';
import type { Heed } from '../human/heed.ts';
import { approversOtherThan, DEFAULT_DEMO_APPROVERS, DEMO_APPROVAL_TIMING } from './approvers.ts';
import { registerBanking } from './banking.ts';

export { DEFAULT_DEMO_APPROVERS } from './approvers.ts';

/** The demo workflows, open to every principal in `heed serve` unless `startable` says otherwise. */
export const DEMO_WORKFLOWS = ['banking', 'banking-router', 'refund', 'data-export'] as const;

/**
 * The workflows `npm start` registers so that a newcomer has something to approve: the banking
 * agent (`banking` and `banking-router`, input `{message}`; transfers over $100 go to `approvers`,
 * default `user:ops` and `user:alice`, never to the customer who asked: whoever chats, someone
 * else is asked; reminded after 2 minutes, rejected if nobody answers within an hour), a refund
 * that needs a person's approval (never its beneficiary's nor its requester's; reminded after 2
 * minutes, escalated to a backup after 10, rejected after an hour), and a data export that asks
 * for a justification form.
 */
export function registerDemoWorkflows(
  heed: Heed,
  model: LanguageModel = new OfflineModel(),
  options: { approvers?: readonly string[] } = {},
): void {
  const approvers = [...(options.approvers ?? DEFAULT_DEMO_APPROVERS)];
  registerBanking(heed, model, { approvals: { assignees: approvers, ...DEMO_APPROVAL_TIMING } });
  heed.workflow('refund', async (ctx, input: { customer?: string; amount?: number }) => {
    const customer = input?.customer ?? 'alice';
    const amount = input?.amount ?? 150;
    // Never the beneficiary: a refund to alice is not approved by alice.
    const beneficiary = `user:${customer}`;
    const backup = beneficiary === 'user:bob' ? 'user:carol' : 'user:bob';
    // Nor whoever asked for it (four-eyes): someone else is always asked.
    const refundApprovers = approversOtherThan(approvers, [beneficiary, ctx.initiator]);
    await ctx.setStatus('agent', { status: 'working' });
    const draft = await ctx.step('draft-refund', () => ({
      customer,
      amount,
      reference: `RF-${Date.now().toString(36)}`,
    }));
    await ctx.setStatus('agent', { status: 'pending_approval' });
    const decision = await ctx.ask({
      type: 'approval',
      title: `Refund $${amount} to ${customer}?`,
      description: `The support agent drafted refund **${draft.reference}** for ${customer}.`,
      action: { tool: 'refund', args: { customer, amount } },
      allowEdit: true,
      assignees: refundApprovers,
      remind: { after: '2m' },
      escalate: [{ after: '10m', to: [backup] }],
      deadline: '1h',
    });
    if (decision.outcome !== 'approve') {
      await ctx.setStatus('agent', { status: 'denied' });
      return { refunded: false, reason: decision.comment ?? decision.via };
    }
    const receipt = await ctx.step('issue-refund', ({ idempotencyKey }) => ({ ...decision.args, idempotencyKey }));
    await ctx.setStatus('agent', { status: 'done' });
    return { refunded: true, approvedBy: decision.by, receipt };
  });

  heed.workflow('data-export', async (ctx, input: { dataset?: string }) => {
    const dataset = input?.dataset ?? 'customers_q1';
    const form = await ctx.ask({
      type: 'form',
      title: `Justify exporting ${dataset}`,
      description: 'The dataset contains personal data. Say why it must leave the warehouse.',
      payload: { dataset, piiDetected: true },
      form: {
        type: 'object',
        properties: {
          purpose: { type: 'string', minLength: 10, title: 'Purpose' },
          retentionDays: { type: 'integer', minimum: 1, maximum: 90, title: 'Retention (days)' },
        },
        required: ['purpose', 'retentionDays'],
        additionalProperties: false,
      },
      assignees: ['user:alice'],
    });
    return { exported: form.outcome === 'submit', justification: form.data };
  });
}
