import { createStep, createWorkflow } from '@mastra/core/workflows';
import { z } from 'zod';
import { mastraWorkflow, rejectionMessage, type ToolDecision } from '../../src/mastra/index.ts';
import type { AdapterUnderTest, Effects } from '../adapters/approval-suite.ts';

const Order = z.object({ order: z.string(), cents: z.number() });

/** A workflow whose `refund` step suspends for approval, then refunds what was approved (or not). */
function refundWorkflow(effects: Effects) {
  const refund = createStep({
    id: 'refund',
    inputSchema: Order,
    outputSchema: z.object({ result: z.string() }),
    suspendSchema: z.object({ tool: z.string(), args: Order }),
    execute: async ({ inputData, resumeData, suspend }) => {
      if (!resumeData) return await suspend({ tool: 'refund', args: inputData });
      const decision = resumeData as ToolDecision;
      effects.resumedWith.push(decision);
      if (!decision.approved || !decision.approvedArgs)
        return { result: `not refunded: ${rejectionMessage(decision)}` };
      const { order, cents } = Order.parse(decision.approvedArgs);
      effects.refunds.push({ order, cents, callId: decision.callId });
      return { result: `refunded ${cents} for ${order}` };
    },
  });
  return createWorkflow({ id: 'refund-flow', inputSchema: Order, outputSchema: z.object({ result: z.string() }) })
    .then(refund)
    .commit();
}

/** The Mastra adapter under the shared scenarios (and the crash fixture). */
export const mastraRefunds: AdapterUnderTest = {
  prefix: 'mastra',
  register: (heed, effects) =>
    mastraWorkflow(heed, 'refunds', {
      workflow: refundWorkflow(effects),
      approval: { assignees: ['user:alice'], allowEdit: true, deadline: '3d' },
    }),
};
