import { describe, expect, it } from 'vitest';
import { engineOn, STORES } from './engines.ts';

const realDelay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A module not imported before: every call loads a fresh copy (the query string makes it new). */
let imports = 0;
const freshImport = async (): Promise<{ value: number }> =>
  import(/* @vite-ignore */ `./replay-fixture.ts?copy=${++imports}`);

describe.each(STORES)('replay on %s', (kind) => {
  it('waits for what the code awaits between ctx calls (a timer, a first import), as the first execution did', async () => {
    const { heed, errors } = await engineOn(kind);
    const wf = heed.workflow('awaits-between', async (ctx) => {
      const a = await ctx.step('a', () => 1);
      await realDelay(20);
      const b = await ctx.step('b', () => 2);
      const { value } = await freshImport();
      const c = await ctx.recv<number>('go');
      await realDelay(20);
      const d = await ctx.step('d', () => 4);
      return a + b + value + (c ?? 0) + d;
    });
    await heed.start();
    const run = await wf.start(null, { id: 'between' });
    await heed.idle();
    expect((await heed.runs.get('between'))?.waitingOn).toMatchObject([{ kind: 'recv', topic: 'go' }]);
    await heed.send('between', 'go', 5);
    // The replay: a and b are recorded, the timer and a first import come between them again.
    expect(await run.result()).toBe(15);
    const detail = await heed.runs.get('between');
    expect(detail?.history.map((h) => h.name)).toEqual(['a', 'b', 'go', 'd']);
    expect(detail?.attempts).toBe(2);
    expect(errors).toEqual([]);
  });

  it('waits for a timer between starting one step and starting another, then awaiting both', async () => {
    const { heed, errors } = await engineOn(kind);
    const wf = heed.workflow('starts-then-awaits', async (ctx) => {
      // "slow" is started first but finishes after "fast": the history records fast, then slow.
      const slow = ctx.step('slow', async () => {
        await realDelay(40);
        return 'slow';
      });
      await realDelay(10);
      const fast = ctx.step('fast', () => 'fast');
      const both = await Promise.all([slow, fast]);
      const go = await ctx.recv<string>('go');
      return [...both, go];
    });
    await heed.start();
    const run = await wf.start(null, { id: 'starts' });
    await heed.idle();
    await heed.send('starts', 'go', 'go');
    // On replay "slow" is held until "fast" is asked for, which the code does after its timer.
    expect(await run.result()).toEqual(['slow', 'fast', 'go']);
    expect(errors).toEqual([]);
  });

  it('still stops a replay that awaits a result it can no longer reach (the code changed): blocked', async () => {
    const { heed, errors } = await engineOn(kind);
    let version = 1;
    const wf = heed.workflow('changed', async (ctx) => {
      const slow = ctx.step('slow', async () => {
        await realDelay(30);
        return 'slow';
      });
      if (version === 1) await Promise.all([slow, ctx.step('fast', () => 'fast')]);
      else await slow; // version 2 no longer asks for "fast", recorded before "slow"
      return ctx.recv('go');
    });
    await heed.start();
    const run = await wf.start(null, { id: 'changed' });
    await heed.idle();
    version = 2;
    await heed.send('changed', 'go', 'go');
    await heed.idle();
    const blocked = await heed.runs.get(run.id);
    expect(blocked?.status).toBe('blocked');
    expect(blocked?.error?.message).toMatch(/stopped before reaching its recorded step "fast"/);
    expect(blocked?.error?.code).toBe('NON_DETERMINISM');
    expect(errors).toEqual([]);
  });
});
