/**
 * What the LangGraph and Mastra examples share: the refund approval's policy, and the run from the
 * terminal (`npm run example -- <example> [ORDER] [DOLLARS]`; no arguments: the latest run, where
 * it stopped, so that a new process resumes it from the store).
 */
import type { ApprovalPolicy, ToolDecision } from '../src/agent/approval-rounds.ts';
import type { Heed, Workflow } from '../src/index.ts';
import { answerNowOrLater } from './terminal.ts';

export const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;

/** You approve each refund within a day, and may change the amount. */
export const refundPolicy = (call: { args: Record<string, unknown> }): ApprovalPolicy => ({
  assignees: ['user:you'],
  deadline: '1d',
  allowEdit: true,
  title: `Refund ${String(call.args.order)} (${dollars(Number(call.args.cents))})?`,
});

/** What the refund code logs once a person decided. */
export const decided = (decision: ToolDecision, cents: number) =>
  `refunded ${dollars(cents)} (approved by ${decision.by}${decision.edited ? ', edited' : ''})`;

/** Starts (or picks up) a refund run, answers at the terminal or says how to answer later, and prints its log. */
export async function refundFromTerminal(
  heed: Heed,
  workflow: Workflow<{ input: { order: string; cents: number } }, { output: unknown }>,
  options: { db: string; example: string; speaker: string },
): Promise<void> {
  await heed.start();
  const [order, amount] = process.argv.slice(2);
  const [latest] = order ? [] : (await heed.runs.list({ workflow: workflow.name, limit: 1 })).items;
  const run = latest
    ? heed.handle(latest.id)
    : await workflow.start({ input: { order: order ?? 'A-17', cents: Math.round(Number(amount ?? 150) * 100) } });
  if (await answerNowOrLater(heed, run.id, options.db, options.example)) {
    const info = await heed.runs.get(run.id);
    if (info?.status === 'succeeded') {
      const { output } = (await heed.handle(run.id).result()) as { output: { log: string[] } };
      for (const line of output.log) console.log(`${options.speaker}: ${line}`);
    } else console.log(`the run ${info?.status}: ${info?.error?.message ?? ''}`);
  }
  await heed.stop();
}
