import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runAgent } from '../../src/agent/agent.ts';
import { OfflineModel } from '../../src/agent/offline-model.ts';
import { testEngine } from '../helpers.ts';

describe('agent: a tool that returns nothing', () => {
  it('gives the model a valid tool result (not a JSON value of undefined) and finishes the turn', async () => {
    const { heed, clock } = testEngine();
    let deposited = 0;
    heed.workflow('void-tool', async (ctx, input: { message: string }) => {
      const turn = await runAgent(
        ctx,
        {
          model: new OfflineModel(),
          contactHuman: false,
          tools: {
            // A fire-and-forget tool (send an email, log something): `execute` returns void.
            deposit: {
              description: 'Deposit money',
              input: z.object({ amount: z.number().positive() }),
              execute: (args: { amount: number }) => {
                deposited += args.amount;
              },
            },
          },
        },
        [{ role: 'user', content: input.message }],
      );
      return { text: turn.text, outcomes: turn.actions.map((a) => a.outcome) };
    });
    await heed.start();
    const run = await heed.startWorkflow<{ text: string; outcomes: string[] }>('void-tool', {
      message: 'Deposit $20',
    });
    // Actual: the second model call's prompt holds `{type: 'json', value: undefined}`, which the AI
    // SDK rejects (InvalidPromptError); the llm:2 step is retried (virtual clock advanced here)
    // and the run fails.
    for (let i = 0; i < 20; i++) {
      const status = (await heed.runs.get(run.id))?.status;
      if (status === 'succeeded' || status === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
      await clock.advance('1m');
    }
    const info = await heed.runs.get(run.id);
    expect(deposited).toBe(20);
    expect(info?.error).toBeUndefined();
    expect(info).toMatchObject({ status: 'succeeded', output: { outcomes: ['done'] } });
  });
});
