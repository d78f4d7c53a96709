import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runAgent } from '../../src/agent/agent.ts';
import { OfflineModel } from '../../src/agent/offline-model.ts';
import type { Heed } from '../../src/index.ts';
import { testEngine } from '../helpers.ts';

async function pendingTaskOf(heed: Heed, runId: string) {
  await heed.idle();
  return (await heed.tasks.list({ status: 'pending' })).items.find((t) => t.runId === runId);
}

/**
 * Edited arguments are checked only against the JSON Schema made from the tool's zod input
 * (refinements and transforms do not survive that conversion), and the agent then runs the tool
 * with `decision.args` as they came back, without `spec.input.parse`.
 */
describe('agent: arguments edited by the approver', () => {
  it('are parsed by the tool input schema before the tool runs (a refinement is not bypassed)', async () => {
    const { heed } = testEngine();
    const executed: unknown[] = [];
    const input = z
      .object({ to: z.string().min(1), amount: z.number().positive() })
      .refine((a) => a.amount <= 500, { message: 'transfers are limited to $500', path: ['amount'] });
    heed.workflow('capped', async (ctx, msg: { message: string }) => {
      const turn = await runAgent(
        ctx,
        {
          model: new OfflineModel(),
          contactHuman: false,
          tools: {
            transfer: {
              description: 'Transfer money (at most $500)',
              input,
              approval: 'always',
              execute: (args: unknown) => {
                executed.push(args);
                return { message: 'sent' };
              },
            },
          },
        },
        [{ role: 'user', content: msg.message }],
      );
      return turn.actions.map((a) => a.outcome);
    });
    await heed.start();
    const run = await heed.startWorkflow<string[]>('capped', { message: 'Transfer $150 to Alice' });
    const task = await pendingTaskOf(heed, run.id);
    // The edit is accepted: the stored JSON Schema has no trace of the refinement.
    await heed.tasks.respond(
      task?.id ?? '',
      { outcome: 'approve', args: { to: 'Alice', amount: 1_000_000 } },
      { principal: 'user:bob' },
    );
    const outcomes = await run.result();
    // Actual: the tool ran with {amount: 1000000}, which its own schema forbids.
    expect(executed.filter((a) => !input.safeParse(a).success)).toEqual([]);
    expect(outcomes).not.toEqual(['done']);
  });

  it('reach the tool in its parsed form (transforms applied, unknown keys stripped), like unedited ones', async () => {
    const { heed } = testEngine();
    const executed: unknown[] = [];
    const input = z.object({ to: z.string().transform((s) => s.trim().toLowerCase()), amount: z.number().positive() });
    heed.workflow('normalized', async (ctx, msg: { message: string }) => {
      await runAgent(
        ctx,
        {
          model: new OfflineModel(),
          contactHuman: false,
          tools: {
            transfer: {
              description: 'Transfer money',
              input,
              approval: 'always',
              execute: (args: unknown) => {
                executed.push(args);
                return { message: 'sent' };
              },
            },
          },
        },
        [{ role: 'user', content: msg.message }],
      );
    });
    await heed.start();
    const run = await heed.startWorkflow('normalized', { message: 'Transfer $150 to Alice' });
    const task = await pendingTaskOf(heed, run.id);
    expect(task?.action?.args).toEqual({ to: 'alice', amount: 150 });
    await heed.tasks.respond(
      task?.id ?? '',
      { outcome: 'approve', args: { to: '  Bob ', amount: 150, from: 'treasury' } },
      { principal: 'user:bob' },
    );
    await run.result();
    // Actual: {to: '  Bob ', amount: 150, from: 'treasury'}: not transformed, extra key passed through.
    expect(executed).toEqual([{ to: 'bob', amount: 150 }]);
  });
});
