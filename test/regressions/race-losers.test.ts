import { describe, expect, it } from 'vitest';
import { testEngine } from '../helpers.ts';

/**
 * A wait that loses a `Promise.race` stays registered. It keeps consuming messages/timers and gets
 * *recorded* later, so (a) it steals messages meant for later `recv`s and (b) on the next replay
 * both branches are recorded and the race is decided by argument order instead of by what
 * happened, changing the workflow's path.
 */
describe('waits that lost a race', () => {
  it('refuses a second recv on a topic while one that lost a race is still open, instead of letting it steal', async () => {
    const { heed } = testEngine();
    const wf = heed.workflow('race-then-recv', async (ctx) => {
      const first = await Promise.race([ctx.recv<string>('left'), ctx.recv<string>('right')]);
      const second = await ctx.recv<string>('left');
      return [first, second];
    });
    await heed.start();
    await wf.start(null, { id: 'r' });
    await heed.idle();
    await heed.send('r', 'right', 'R');
    await heed.idle();
    await heed.send('r', 'left', 'L');
    await heed.idle();
    const run = await heed.runs.get('r');
    // Heed cannot know that the recv at position 1 lost the race, so it would take the next
    // message on 'left'. Rather than let it steal 'L' (and the run wait forever), the run fails
    // loudly at position 3, naming the problem and the fix.
    expect(run?.status).toBe('failed');
    expect(run?.error).toMatchObject({ code: 'CONCURRENT_WAIT' });
    expect(run?.error?.message).toContain('position 3 waits on "left" while the wait at position 1');
  });

  it('replays a race between sleep and recv the way it was first decided', async () => {
    const { heed, clock } = testEngine();
    const wf = heed.workflow('approval', async (ctx) => {
      const outcome = await Promise.race([
        ctx.sleep('1h').then(() => 'timeout'),
        ctx.recv('approval').then(() => 'approved'),
      ]);
      await ctx.step(outcome, () => outcome);
      await ctx.recv('done');
      return outcome;
    });
    await heed.start();
    await wf.start(null, { id: 'a' });
    await heed.idle();
    await heed.send('a', 'approval', 'yes'); // recv wins; step "approved" is recorded
    await heed.idle();
    await clock.advance('1h'); // the losing sleep's timer still fires and gets recorded
    await heed.idle();
    await heed.send('a', 'done', true);
    await heed.idle();
    const run = await heed.runs.get('a');
    // Actual: failed with NON_DETERMINISM (position 3 is step "timeout" in the code but
    // step "approved" in the history): on replay both branches are recorded and sleep wins.
    expect(run?.error).toBeUndefined();
    expect(run?.status).toBe('succeeded');
    expect(run?.output).toBe('approved');
  });
});
