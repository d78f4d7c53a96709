import { describe, expect, it } from 'vitest';
import type { Claim } from '../../src/store/store.ts';
import { engineOn, STORES, withOverrides } from './engines.ts';

/** How the engine meets a store that fails: data it refuses fails the run; other failures hand the run back, with backoff. */
describe.each(STORES)('store failures on %s', (kind) => {
  /** Counts the claims of each run. */
  function claimCounter() {
    const claims = new Map<string, number>();
    const count = (claimed: Claim[]) => {
      for (const claim of claimed) claims.set(claim.run.id, (claims.get(claim.run.id) ?? 0) + 1);
      return claimed;
    };
    return { of: (id: string) => claims.get(id) ?? 0, count };
  }

  it('fails the run when the store refuses the data of a write, without handing it back', async () => {
    const claims = claimCounter();
    const { heed, errors } = await engineOn(kind, {
      wrap: (store) =>
        withOverrides(store, (real) => ({
          claimRuns: async (request) => claims.count(await real.claimRuns(request)),
          // The step named "poison" reaches the database with a NULL name: each store's own
          // NOT NULL constraint refuses it (PostgreSQL SQLSTATE 23502, SQLite SQLITE_CONSTRAINT).
          recordOperation: (lease, op, now) =>
            real.recordOperation(lease, op.name === 'poison' ? { ...op, name: null as unknown as string } : op, now),
        })),
    });
    const wf = heed.workflow('refused', async (ctx) => {
      await ctx.step('fine', () => 1);
      await ctx.step('poison', () => 2);
      return 'not reached';
    });
    await heed.start();
    const run = await wf.start(null, { id: 'r1' });
    await expect(run.result()).rejects.toThrow(/refused the data of a write/);
    await heed.idle();
    const detail = await heed.runs.get('r1');
    expect(detail?.status).toBe('failed');
    expect(detail?.error?.code).toBe('STORE_DATA_ERROR');
    expect(detail?.history.map((h) => h.name)).toEqual(['fine']);
    expect(claims.of('r1')).toBe(1);
    expect(detail?.attempts).toBe(1);
    expect(errors).toEqual([]);
  });

  it('hands back a run whose writes keep failing only after a growing backoff: it never spins', async () => {
    const claims = claimCounter();
    const { heed, clock, errors } = await engineOn(kind, {
      // A fallback poll every 5 ms (real time): it would claim the run again at once if it could.
      pollInterval: 5,
      wrap: (store) =>
        withOverrides(store, (real) => ({
          claimRuns: async (request) => claims.count(await real.claimRuns(request)),
          recordOperation: async (lease, op, now) => {
            if (op.name === 'flaky') throw new Error('the store hiccuped');
            return real.recordOperation(lease, op, now);
          },
        })),
    });
    const wf = heed.workflow('flaky', async (ctx) => ctx.step('flaky', () => 1));
    await heed.start();
    await wf.start(null, { id: 'f1' });
    await heed.idle();
    // The first failure is handed back at once (most pass); the second starts the backoff. Real
    // time passes and the poll keeps looking, but the virtual clock stands still: the run waits
    // out its backoff (its lease held by this worker), so nobody claims it again.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(claims.of('f1')).toBe(2);
    expect((await heed.runs.info('f1'))?.status).toBe('running');

    await clock.advance(250); // the first backoff: handed back, claimed, fails again
    await heed.idle();
    expect(claims.of('f1')).toBe(3);
    await clock.advance(250); // the next backoff is twice as long
    await heed.idle();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(claims.of('f1')).toBe(3);
    await clock.advance(250);
    await heed.idle();
    expect(claims.of('f1')).toBe(4);

    expect(errors.length).toBe(4);
    for (const error of errors) expect(String(error)).toContain('the store hiccuped');
    errors.length = 0;
  });
});
