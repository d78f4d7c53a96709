import { describe, expect, it, vi } from 'vitest';
import { VirtualClock } from '../../src/time/virtual-clock.ts';
import { testEngine } from '../helpers.ts';

/**
 * fireDue marks a wait `fired = 1` and wakes its run, but resolveOrRegister ignores `fired` and
 * re-checks `deadline <= now` with the *replaying* worker's clock. When the timer fires while the
 * run is executing (wake_requested), suspendRun makes it pending with available_at = the
 * executing worker's now, so a worker whose clock reads earlier than the firing one (another
 * process with a little skew, or Date.now() stepped back) replays it, finds deadline > now and
 * suspends again on a wait that never fires again (fired = 1 is excluded from fireDue and
 * nextDeadline): a lost wake-up, forever.
 */
describe('a fired timer', () => {
  it('ends the sleep even if the replaying worker reads an earlier time than the firing one', async () => {
    const { heed, clock, reopen } = testEngine();
    let release: () => void = () => {};
    const wf = heed.workflow('nap', async (ctx) => {
      await Promise.all([ctx.sleep('1h'), ctx.step('long', () => new Promise<void>((resolve) => (release = resolve)))]);
      return 'awake';
    });
    await heed.start();
    await wf.start(null, { id: 'n1' });
    await vi.waitFor(async () => expect((await heed.runs.get('n1'))?.waitingOn).toHaveLength(1));

    // A second process on the same file whose clock is 1 s ahead, with no workflows: it only
    // fires timers. It fires the sleep's timer while the first process still runs the step.
    const ahead = new VirtualClock(clock.now() + 1_000);
    const timers = reopen({ clock: ahead });
    await timers.start();
    await clock.advance(3_599_000); // first process: 1 s before the deadline
    await ahead.advance(3_599_000); // second process: at the deadline, fires the timer
    await timers.idle();

    release(); // the step ends; the run suspends as 'pending' (wake requested) and replays

    await heed.idle();
    await clock.advance('1h'); // long past the deadline on every clock
    await heed.idle();
    // Actual: 'waiting', its only wait already marked fired: nothing will ever wake it.
    expect((await heed.runs.get('n1'))?.status).toBe('succeeded');
  });
});
