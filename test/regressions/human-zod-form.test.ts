import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { testEngine } from '../helpers.ts';

describe('ctx.ask with a zod form: data matches z.output of the schema', () => {
  it('accepts input the zod schema accepts and returns the parsed output (defaults applied)', async () => {
    const { heed } = testEngine();
    const wf = heed.workflow('budget', async (ctx) => {
      const r = await ctx.ask({
        type: 'form',
        title: 'How many GPUs?',
        form: z.object({ gpus: z.number().int().default(1), note: z.string().optional() }),
      });
      // Typed as {gpus: number; note?: string}
      const gpus: number = r.data?.gpus as number;
      return gpus;
    });
    await heed.start();
    const run = await wf.start(null);
    await heed.idle();
    const [task] = (await heed.tasks.list({ status: 'pending' })).items;
    // {} is valid input for the zod schema (gpus defaults to 1).
    // Actual: VALIDATION_FAILED "gpus is required": the JSON Schema was generated for the output side.
    await heed.tasks.respond(task?.id ?? '', { outcome: 'submit', data: {} }, { principal: 'user:pm' });
    expect(await run.result()).toBe(1);
  });

  it('gives a Date where the zod type says Date', async () => {
    const { heed } = testEngine();
    const wf = heed.workflow('when', async (ctx) => {
      const r = await ctx.ask({ type: 'form', title: 'When?', form: z.object({ at: z.coerce.date() }) });
      return r.data?.at instanceof Date; // the type says at: Date
    });
    await heed.start();
    const run = await wf.start(null);
    await heed.idle();
    const [task] = (await heed.tasks.list({ status: 'pending' })).items;
    await heed.tasks.respond(
      task?.id ?? '',
      { outcome: 'submit', data: { at: '2026-02-01T00:00:00Z' } },
      { principal: 'user:pm' },
    );
    // Actual: the raw JSON (a string) comes back, typed as Date.
    expect(await run.result()).toBe(true);
  });
});
