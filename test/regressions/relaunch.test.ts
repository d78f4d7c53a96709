import { describe, expect, it, vi } from 'vitest';
import { testEngine } from '../helpers.ts';

describe('a run relaunched while its previous execution is still winding down', () => {
  it('keeps tracking the new execution (cancel still aborts its step)', async () => {
    const { heed } = testEngine();
    const gates: (() => void)[] = [];
    const aborted: boolean[] = [];
    const wf = heed.workflow('stubborn', async (ctx) => {
      await ctx.step('work', ({ signal }) => {
        const index = gates.length;
        aborted.push(false);
        signal.addEventListener('abort', () => {
          aborted[index] = true;
        });
        // Ignores its signal: finishes only when the test releases it.
        return new Promise<string>((resolve) => gates.push(() => resolve('done')));
      });
      return 'finished';
    });
    await heed.start();
    await wf.start(null, { id: 's1' });
    await vi.waitFor(() => expect(gates).toHaveLength(1));

    await heed.runs.cancel('s1'); // execution #1 abandoned, but its step is still running
    await heed.runs.resume('s1'); // claimed again at once: execution #2 replaces #1 in #active
    await vi.waitFor(() => expect(gates).toHaveLength(2));

    gates[0]?.(); // execution #1 ends; Worker's .finally deletes 's1' from #active (that is #2!)
    await new Promise((resolve) => setTimeout(resolve, 20));

    await heed.runs.cancel('s1');
    // Actual: worker.abandon('s1') finds nothing, so execution #2's step is never aborted (and
    // the worker no longer counts it: idle()/stop()/heartbeats/concurrency ignore it).
    await vi.waitFor(() => expect(aborted[1]).toBe(true), { timeout: 1_000 });
    gates[1]?.();
  });
});
