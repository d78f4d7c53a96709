import { describe, expect, it } from 'vitest';
import { errors, testEngine } from '../helpers.ts';

describe('graceful stop', () => {
  it('does not launch (and strand) runs claimed by a claim that was in flight when stop() began', async () => {
    const { heed, reopen } = testEngine();
    const wf = heed.workflow('inbox', async (ctx) => ctx.recv<string>('x'));
    await heed.start();
    await wf.start(null, { id: 'i1' });
    await heed.idle();
    await heed.send('i1', 'x', 'hello'); // wakes i1 and pokes the worker: a claim is now in flight
    await heed.stop({ grace: 0 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const reported = errors.splice(0).map((e) => (e as Error).name);
    const next = reopen();
    const status = (await next.runs.get('i1'))?.status;
    // Actual: the claim commits during store.close(), Worker.#fill then launches the execution
    // although the worker is stopped; it fails on the closed store (ClosedError via onError) and
    // leaves the run 'running' under a dead lease: the next process must wait for the lease to
    // expire (and counts a recovery) instead of resuming it at once.
    // Fixed: the run is handed back (`pending`), or, when the claim that woke it resolved its
    // wait and its execution reached its end before the store closed, `succeeded`; never
    // `running` under a dead lease, and nothing reported.
    expect(reported).toEqual([]);
    expect(['pending', 'succeeded']).toContain(status);
  });
});
