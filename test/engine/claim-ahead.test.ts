import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/sqlite.ts';
import type { Completion, Lease } from '../../src/store/store.ts';
import { tempDir, testEngine } from '../helpers.ts';

/** A real SQLite store whose run completions wait until the test opens the gate (a slow disk). */
class SlowCompletions extends SqliteStore {
  gate = Promise.withResolvers<void>();
  override async completeRun(lease: Lease, completion: Completion, now: number): Promise<void> {
    await this.gate.promise;
    return super.completeRun(lease, completion, now);
  }
}

describe('claim-ahead', () => {
  it('holds at most twice `concurrency` runs while their ends are still being written', async () => {
    const store = new SlowCompletions(join(tempDir(), 'slow.db'));
    const { heed } = testEngine({ store, concurrency: 2 });
    const wf = heed.workflow('quick', async (_ctx, n: number) => n * 2);
    await heed.start();
    const handles = await Promise.all(Array.from({ length: 12 }, (_, i) => wf.start(i)));
    // Every claimed run's code finishes at once, then its completion blocks: without a bound the
    // worker would keep claiming until it held all twelve.
    await expect.poll(async () => (await heed.runs.list({ status: 'running' })).items.length).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await heed.runs.list({ status: 'running' })).items).toHaveLength(4);
    expect((await heed.runs.list({ status: 'pending' })).items).toHaveLength(8);
    store.gate.resolve();
    expect(await Promise.all(handles.map((h) => h.result()))).toEqual(Array.from({ length: 12 }, (_, i) => i * 2));
  });
});
