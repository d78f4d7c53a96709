/**
 * The LangGraph.js adapter (`heed/langgraph`), offline: a refund graph whose `approve` node calls
 * `interrupt({tool: 'refund', args})`; the interrupt becomes a Heed approval task, the graph's
 * thread waits in Heed's store, and the graph resumes with `new Command({resume: decision})` once
 * someone decides:
 *
 *   npm run example -- langgraph A-17 150
 *
 * Answer at the prompt (approve, or reject with a reason), or end the input (Ctrl-D) and answer
 * later from another process (it prints how: the inbox or `heed respond`); running it again with
 * no arguments picks the run up where it stopped. The nodes are deterministic: no model, no network.
 */
import { Annotation, END, interrupt, START, StateGraph } from '@langchain/langgraph';
import { Heed } from '../../src/index.ts';
import { langGraphWorkflow, rejectionMessage, type ToolDecision } from '../../src/langgraph/index.ts';
import { SqliteStore } from '../../src/sqlite.ts';
import { decided, dollars, refundFromTerminal, refundPolicy } from '../refund-run.ts';

const db = process.env.HEED_EXAMPLE_DB ?? '.heed/examples/langgraph.db';
const heed = new Heed({ store: new SqliteStore(db) });

const Refund = Annotation.Root({
  order: Annotation<string>,
  cents: Annotation<number>,
  /** What happened, node by node. */
  log: Annotation<string[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
});

const graph = new StateGraph(Refund)
  .addNode('check', (s) => ({ log: [`order ${s.order}: refund of ${dollars(s.cents)} requested`] }))
  .addNode('approve', (s) => {
    // The node stops here until a person decides; it runs again from the top with the decision.
    const decision = interrupt({ tool: 'refund', args: { order: s.order, cents: s.cents } }) as ToolDecision;
    if (!decision.approved) return { log: [`not refunded. ${rejectionMessage(decision)}`] };
    // A real refund would pass `${runId}:${decision.callId}` as its idempotency key.
    const cents = Number(decision.approvedArgs?.cents ?? s.cents);
    return { cents, log: [decided(decision, cents)] };
  })
  .addNode('notify', (s) => ({ log: [`customer told about order ${s.order}`] }))
  .addEdge(START, 'check')
  .addEdge('check', 'approve')
  .addEdge('approve', 'notify')
  .addEdge('notify', END);

const refunds = langGraphWorkflow<{ order: string; cents: number }>(heed, 'langgraph-refunds', {
  graph: (checkpointer) => graph.compile({ checkpointer }),
  approval: refundPolicy,
});
await refundFromTerminal(heed, refunds, { db, example: 'langgraph', speaker: 'graph' });
