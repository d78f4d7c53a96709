import type { LanguageModel } from 'ai';
import { OfflineModel } from '../agent/offline-model.ts';
import type { Heed } from '../human/heed.ts';
import { registerBanking } from './banking.ts';

/**
 * The workflows `npm start` registers so that a newcomer has something to approve: the banking
 * agent (`banking` and `banking-router`, input `{message}`), a refund that
 * needs a person's approval (reminded after 2 minutes, escalated to a backup after 10), and a
 * data export that asks for a justification form.
 */
export function registerDemoWorkflows(heed: Heed, model: LanguageModel = new OfflineModel()): void {
  registerBanking(heed, model);
  heed.workflow('refund', async (ctx, input: { customer?: string; amount?: number }) => {
    const customer = input?.customer ?? 'alice';
    const amount = input?.amount ?? 150;
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
      assignees: ['user:alice'],
      remind: { after: '2m' },
      escalate: [{ after: '10m', to: ['user:bob'] }],
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
