import { describe, expect, it } from 'vitest';
import { testEngine } from '../helpers.ts';

describe('waitForEvent lookback', () => {
  it('does not deliver the same event twice to one run', async () => {
    const { heed, clock } = testEngine();
    const wf = heed.workflow('ticks', async (ctx) => {
      const first = await ctx.waitForEvent('tick', { lookback: '1m' });
      const second = await ctx.waitForEvent('tick', { lookback: '1m', timeout: '1h' });
      return [first?.id ?? null, second?.id ?? null];
    });
    await heed.start();
    const { eventId } = await heed.emit('tick', { n: 1 });
    await wf.start(null, { id: 't1' });
    await heed.idle();
    await clock.advance('1h');
    // Actual: [eventId, eventId] at once: findRecentEvent (events.ts) returns the oldest event
    // in the window, including one this run already received at an earlier position.
    expect(await heed.handle('t1').result()).toEqual([eventId, null]);
  });
});
