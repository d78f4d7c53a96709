/**
 * The Mastra adapter (`heed/mastra`), offline: a refund workflow whose `approve` step calls
 * `suspend({tool: 'refund', args})`; the suspension becomes a Heed approval task, the run's
 * snapshot waits in Heed's store, and the step resumes with `run.resume({step, resumeData})` once
 * someone decides:
 *
 *   npm run example -- mastra A-17 150
 *
 * Answer at the prompt (approve, or reject with a reason), or end the input (Ctrl-D) and answer
 * later from another process (it prints how: the inbox or `heed respond`); running it again with
 * no arguments picks the run up where it stopped. The steps are deterministic: no model, no network.
 */
import { createStep, createWorkflow } from '@mastra/core/workflows';
import { z } from 'zod';
import { Heed } from '../../src/index.ts';
import { mastraWorkflow, rejectionMessage, type ToolDecision } from '../../src/mastra/index.ts';
import { SqliteStore } from '../../src/sqlite.ts';
import { decided, refundFromTerminal, refundPolicy } from '../refund-run.ts';

const db = process.env.HEED_EXAMPLE_DB ?? '.heed/examples/mastra.db';
const heed = new Heed({ store: new SqliteStore(db) });

const Order = z.object({ order: z.string(), cents: z.number().int().positive() });
const Outcome = z.object({ order: z.string(), log: z.array(z.string()) });

const approve = createStep({
  id: 'approve',
  inputSchema: Order,
  outputSchema: Outcome,
  execute: async ({ inputData, resumeData, suspend }) => {
    // The step stops here until a person decides; it runs again with the decision as `resumeData`.
    if (!resumeData) return await suspend({ tool: 'refund', args: inputData });
    const decision = resumeData as ToolDecision;
    if (!decision.approved) return { order: inputData.order, log: [`not refunded. ${rejectionMessage(decision)}`] };
    // A real refund would pass `${runId}:${decision.callId}` as its idempotency key.
    const { cents } = Order.parse(decision.approvedArgs);
    return { order: inputData.order, log: [decided(decision, cents)] };
  },
});
const notify = createStep({
  id: 'notify',
  inputSchema: Outcome,
  outputSchema: Outcome,
  execute: async ({ inputData }) => ({
    ...inputData,
    log: [...inputData.log, `customer told about order ${inputData.order}`],
  }),
});
const flow = createWorkflow({ id: 'refund-flow', inputSchema: Order, outputSchema: Outcome })
  .then(approve)
  .then(notify)
  .commit();

const refunds = mastraWorkflow<z.infer<typeof Order>>(heed, 'mastra-refunds', {
  workflow: flow,
  approval: refundPolicy,
});
await refundFromTerminal(heed, refunds, { db, example: 'mastra', speaker: 'workflow' });
