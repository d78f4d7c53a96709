import { Annotation, END, interrupt, START, StateGraph } from '@langchain/langgraph';
import { langGraphWorkflow, rejectionMessage, type ToolDecision } from '../../src/langgraph/index.ts';
import type { AdapterUnderTest, Effects } from '../adapters/approval-suite.ts';

const Refund = Annotation.Root({
  order: Annotation<string>,
  cents: Annotation<number>,
  result: Annotation<string>,
});

/** A graph whose `refund` node interrupts for approval, then refunds what was approved (or not). */
function refundGraph(effects: Effects) {
  return new StateGraph(Refund)
    .addNode('refund', (state) => {
      const decision = interrupt({ tool: 'refund', args: { order: state.order, cents: state.cents } }) as ToolDecision;
      effects.resumedWith.push(decision);
      if (!decision.approved || !decision.approvedArgs) {
        return { result: `not refunded: ${rejectionMessage(decision)}` };
      }
      const { order, cents } = decision.approvedArgs as { order: string; cents: number };
      effects.refunds.push({ order, cents, callId: decision.callId });
      return { result: `refunded ${cents} for ${order}` };
    })
    .addEdge(START, 'refund')
    .addEdge('refund', END);
}

/** The LangGraph adapter under the shared scenarios (and the crash fixture). */
export const langGraphRefunds: AdapterUnderTest = {
  prefix: 'langgraph',
  register: (heed, effects) =>
    langGraphWorkflow(heed, 'refunds', {
      graph: (checkpointer) => refundGraph(effects).compile({ checkpointer }),
      approval: { assignees: ['user:alice'], allowEdit: true, deadline: '3d' },
    }),
};
