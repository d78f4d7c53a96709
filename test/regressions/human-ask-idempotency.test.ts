import { describe, expect, it } from 'vitest';
import { testEngine } from '../helpers.ts';

describe('ctx.ask with an idempotencyKey', () => {
  it('is refused clearly: ctx.ask is idempotent by its position in the run, and a shared task cannot be its child', async () => {
    const { heed } = testEngine();
    const wf = heed.workflow('asker', async (ctx) => {
      const r = await ctx.ask({ type: 'approval', title: 'Ship it?', idempotencyKey: 'ship-1' });
      return r.outcome;
    });
    await heed.start();
    await heed.tasks.create({ type: 'approval', title: 'Ship it?', idempotencyKey: 'ship-1' });
    const error = await (await wf.start(null, { id: 'asker-1' })).result().catch((e: unknown) => e);
    expect((error as Error).cause).toMatchObject({ code: 'INVALID_TASK' });
    expect(((error as Error).cause as Error).message).toMatch(/idempotencyKey: is for standalone tasks/);
    // Nothing half-made: only the standalone task and its lifecycle run exist.
    expect((await heed.tasks.list()).items).toHaveLength(1);
    expect((await heed.runs.list({ status: 'failed' })).items.map((r) => r.id)).toEqual(['asker-1']);
  });
});
