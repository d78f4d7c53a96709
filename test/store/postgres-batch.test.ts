/**
 * The PostgreSQL store's group commit (`src/store/postgres/batch.ts`): concurrent writes of many
 * runs go to the server as one statement and one commit, each fenced on its own, so a write
 * under a lost lease (or one that breaks a constraint) fails alone while its neighbours commit.
 * And its claim (`heed_claim`): one statement that also resolves the claimed runs' waits that
 * hold already, so a woken run's replay finds their results in its history.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeaseLostError, RunNotFoundError } from '../../src/errors.ts';
import type { PostgresStore } from '../../src/postgres.ts';
import type { Claim } from '../../src/store/store.ts';
import { freshPostgresStore } from '../postgres/databases.ts';

const T0 = 1_000_000;
const LEASE = 30_000;

describe('PostgreSQL store: batched writes', () => {
  let store: PostgresStore;

  beforeEach(async () => {
    store = await freshPostgresStore({ leaseClock: 'engine' });
  });
  afterEach(async () => {
    await store.close();
  });

  const claimAll = (owner: string, now: number): Promise<Claim[]> =>
    store.claimRuns({ owner, workflows: ['wf'], limit: 100, now, leaseMs: LEASE, maxRecoveries: 5, active: [] });

  async function startRuns(ids: string[]): Promise<Map<string, Claim>> {
    await Promise.all(ids.map((id) => store.createRun({ id, workflow: 'wf', input: null }, T0)));
    return new Map((await claimAll('w1', T0)).map((claim) => [claim.run.id, claim]));
  }

  it('commits the writes of many runs in one statement; a lost lease fails only its own write', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const claims = await startRuns(ids);
    // Run c's lease expires and another worker takes it: w1's token for c is stale.
    const stale = claims.get('c')?.lease;
    const taken = await claimAll('w2', T0 + LEASE + 1);
    expect(taken.map((claim) => claim.run.id).sort()).toEqual(ids);
    const fresh = new Map(taken.map((claim) => [claim.run.id, claim.lease]));

    const before = store.stats();
    const results = await Promise.allSettled(
      ids.map((id) =>
        store.recordOperation(
          id === 'c' ? (stale as Claim['lease']) : (fresh.get(id) as Claim['lease']),
          { seq: 1, kind: 'step', name: 'one', output: JSON.stringify(id), error: null },
          T0 + LEASE + 2,
        ),
      ),
    );
    const after = store.stats();

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(LeaseLostError);
    expect(after.batches - before.batches).toBe(1);
    expect(after.batchedWrites - before.batchedWrites).toBe(5);
    expect(after.transactions - before.transactions).toBe(1);
    for (const id of ids) {
      const history = await store.loadHistory(id);
      if (id === 'c') expect(history).toEqual([]);
      else expect(history).toMatchObject([{ seq: 1, ord: 1, kind: 'step', name: 'one', output: JSON.stringify(id) }]);
    }
    // The holder of c still writes under its own lease.
    await store.recordOperation(
      fresh.get('c') as Claim['lease'],
      { seq: 1, kind: 'step', name: 'one', output: '"c2"', error: null },
      T0 + LEASE + 3,
    );
    expect(await store.loadHistory('c')).toMatchObject([{ seq: 1, output: '"c2"' }]);
  });

  it('numbers two records of one run in one batch apart, next to the set-based records of others', async () => {
    const claims = await startRuns(['par', 'solo']);
    const lease = (id: string) => claims.get(id)?.lease as Claim['lease'];
    const step = (seq: number) => ({ seq, kind: 'step' as const, name: `s${seq}`, output: String(seq), error: null });
    const before = store.stats();
    await Promise.all([
      store.recordOperation(lease('par'), step(1), T0 + 1),
      store.recordOperation(lease('solo'), step(1), T0 + 1),
      store.recordOperation(lease('par'), step(2), T0 + 1),
    ]);
    expect(store.stats().batches - before.batches).toBe(1);
    const ords = (await store.loadHistory('par')).map((op) => op.ord).sort();
    expect(ords).toEqual([1, 2]);
    expect(await store.loadHistory('solo')).toMatchObject([{ seq: 1, ord: 1 }]);
  });

  it('applies a mixed batch in order: completions, suspensions, waits, messages and new runs', async () => {
    const claims = await startRuns(['done', 'sleeper', 'inbox', 'lost']);
    const lease = (id: string) => claims.get(id)?.lease as Claim['lease'];
    await store.releaseRun(lease('lost'), T0 + 1); // its lease is gone
    // The inbox run registers a recv wait and suspends, so a message can wake it.
    expect(
      await store.awaitWait(lease('inbox'), { kind: 'recv', seq: 1, name: 'go', topic: 'go', timeoutMs: null }, T0 + 2),
    ).toEqual({ state: 'waiting', deadline: null });
    expect(await store.suspendRun(lease('inbox'), T0 + 3)).toBe('waiting');

    const now = T0 + 10;
    const before = store.stats();
    const [completed, slept, lostCompletion, sent, missing, created, duplicate] = await Promise.allSettled([
      store.completeRun(lease('done'), { output: '42' }, now),
      store
        .awaitWait(lease('sleeper'), { kind: 'sleep', seq: 1, name: 'sleep', durationMs: 1_000 }, now)
        .then(async (outcome) => ({ outcome, suspended: await store.suspendRun(lease('sleeper'), now) })),
      store.completeRun(lease('lost'), { output: '1' }, now),
      store.sendMessage({ runId: 'inbox', topic: 'go', body: '"yes"', idempotencyKey: 'k1' }, now),
      store.sendMessage({ runId: 'nobody', topic: 'go', body: null }, now),
      store.createRun({ id: 'new', workflow: 'wf', input: '7' }, now),
      store.createRun({ id: 'done', workflow: 'wf', input: null }, now),
    ]);
    const after = store.stats();

    expect(completed.status).toBe('fulfilled');
    expect(slept).toMatchObject({
      status: 'fulfilled',
      value: { outcome: { state: 'waiting', deadline: now + 1_000 }, suspended: 'waiting' },
    });
    expect(lostCompletion.status).toBe('rejected');
    expect((lostCompletion as PromiseRejectedResult).reason).toBeInstanceOf(LeaseLostError);
    expect(sent).toEqual({ status: 'fulfilled', value: { duplicate: false, woke: true } });
    expect(missing.status).toBe('rejected');
    expect((missing as PromiseRejectedResult).reason).toBeInstanceOf(RunNotFoundError);
    expect(created).toMatchObject({ status: 'fulfilled', value: { created: true, run: { id: 'new', input: '7' } } });
    expect(duplicate).toMatchObject({ status: 'fulfilled', value: { created: false, run: { id: 'done' } } });
    // Seven calls, the suspension after the sleep's answer: at most three statements.
    expect(after.batchedWrites - before.batchedWrites).toBe(8);
    expect(after.batches - before.batches).toBeLessThanOrEqual(3);

    expect(await store.getRun('done')).toMatchObject({ status: 'succeeded', output: '42' });
    expect(await store.getRun('lost')).toMatchObject({ status: 'pending', output: null });
    expect(await store.getRun('inbox')).toMatchObject({ status: 'pending' });
    expect(await store.getRun('sleeper')).toMatchObject({ status: 'waiting' });
    expect((await store.listWaits('sleeper')).map((w) => w.deadline)).toEqual([now + 1_000]);
    // The woken run takes its message on replay, in one more batched write.
    const [replay] = (await claimAll('w1', now + 1)).filter((c) => c.run.id === 'inbox');
    expect(
      await store.awaitWait(
        replay?.lease as Claim['lease'],
        { kind: 'recv', seq: 1, name: 'go', topic: 'go', timeoutMs: null },
        now + 2,
      ),
    ).toMatchObject({ state: 'ready', operation: { seq: 1, output: '{"message":"yes"}' } });
    expect(await store.listWaits('inbox')).toEqual([]);
  });

  it('applies the writes about one run in the order given, next to set-based writes about others', async () => {
    const claims = await startRuns(['busy']);
    const lease = claims.get('busy')?.lease as Claim['lease'];
    const before = store.stats();
    // One batch: a new run and two sends to it (the second a duplicate by key), a record and the
    // end of another run. Round 1 creates `fresh`; round 2 sends to it; round 3 is the duplicate.
    const [created, sent, again, recorded, completed] = await Promise.all([
      store.createRun({ id: 'fresh', workflow: 'wf', input: null }, T0 + 1),
      store.sendMessage({ runId: 'fresh', topic: 't', body: '1', idempotencyKey: 'k' }, T0 + 1),
      store.sendMessage({ runId: 'fresh', topic: 't', body: '2', idempotencyKey: 'k' }, T0 + 1),
      store.recordOperation(lease, { seq: 1, kind: 'step', name: 's', output: '1', error: null }, T0 + 1),
      store.completeRun(lease, { output: '"ok"' }, T0 + 1),
    ]);
    expect(store.stats().batches - before.batches).toBe(1);
    expect(created).toMatchObject({ created: true, run: { id: 'fresh', status: 'pending' } });
    expect(sent).toEqual({ duplicate: false, woke: false });
    expect(again).toEqual({ duplicate: true, woke: false });
    expect(recorded).toBeUndefined();
    expect(completed).toBeUndefined();
    expect(await store.getRun('busy')).toMatchObject({ status: 'succeeded', output: '"ok"' });
    expect(await store.loadHistory('busy')).toMatchObject([{ seq: 1, output: '1' }]);
  });

  it('gives an error that is not a rule of the contract to its own write only', async () => {
    const results = await Promise.allSettled([
      store.createRun({ id: 'ok1', workflow: 'wf', input: null }, T0),
      // A run without a workflow breaks a NOT NULL constraint: the whole statement fails...
      store.createRun({ id: 'bad', workflow: null as unknown as string, input: null }, T0),
      store.createRun({ id: 'ok2', workflow: 'wf', input: null }, T0),
    ]);
    // ...and its writes are sent again by halves, down to the culprit: only it fails.
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await store.getRun('ok1')).toMatchObject({ status: 'pending' });
    expect(await store.getRun('ok2')).toMatchObject({ status: 'pending' });
    expect(await store.getRun('bad')).toBeUndefined();
  });

  it('finds the one bad write of a large batch by halves, not by sending every write again alone', async () => {
    const before = store.stats();
    const ids = Array.from({ length: 64 }, (_, i) => `run-${i}`);
    const results = await Promise.allSettled(
      ids.map((id) =>
        store.createRun({ id, workflow: id === 'run-37' ? (null as unknown as string) : 'wf', input: null }, T0),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toMatchObject([
      { status: 'rejected', reason: { code: 'STORE_DATA_ERROR' } },
    ]);
    expect(results[37]?.status).toBe('rejected');
    expect((await store.listRuns({ limit: 100 })).items).toHaveLength(63);
    // The batch, then two halves per level down to the culprit: 1 + 2 * log2(64) statements.
    expect(store.stats().batches - before.batches).toBeLessThanOrEqual(13);
  });

  it('refuses a replay that asks for another wait than the one registered at its position', async () => {
    const claims = await startRuns(['r']);
    const lease = claims.get('r')?.lease as Claim['lease'];
    await store.awaitWait(lease, { kind: 'recv', seq: 1, name: 'a', topic: 'a', timeoutMs: null }, T0);
    await expect(
      store.awaitWait(lease, { kind: 'recv', seq: 1, name: 'b', topic: 'b', timeoutMs: null }, T0 + 1),
    ).rejects.toMatchObject({ code: 'NON_DETERMINISM', message: expect.stringContaining('recv("a")') });
  });

  it('resolves at claim the waits that hold already, in the same statement, and answers a later ask from the record', async () => {
    const claims = await startRuns(['inbox', 'sleeper', 'parent', 'child', 'idle']);
    const lease = (id: string) => claims.get(id)?.lease as Claim['lease'];
    const recv = { kind: 'recv', seq: 1, name: 'go', topic: 'go', timeoutMs: null } as const;
    const sleep = { kind: 'sleep', seq: 1, name: 'sleep', durationMs: 50 } as const;
    const child = { kind: 'child', seq: 1, name: 'child', childId: 'child' } as const;
    expect(await store.awaitWait(lease('inbox'), recv, T0)).toMatchObject({ state: 'waiting' });
    expect(await store.awaitWait(lease('sleeper'), sleep, T0)).toMatchObject({ state: 'waiting' });
    expect(await store.awaitWait(lease('parent'), child, T0)).toMatchObject({ state: 'waiting' });
    expect(await store.awaitWait(lease('idle'), { ...recv, name: 'other', topic: 'other' }, T0)).toMatchObject({
      state: 'waiting',
    });
    for (const id of ['inbox', 'sleeper', 'parent', 'idle']) await store.suspendRun(lease(id), T0);

    await store.sendMessage({ runId: 'inbox', topic: 'go', body: '{"n":1}' }, T0 + 1);
    await store.sendMessage({ runId: 'idle', topic: 'go', body: '2' }, T0 + 1); // not its topic: stays asleep
    expect(await store.fireDueTimers(T0 + 100, 10)).toBe(1);
    await store.completeRun(lease('child'), { output: '"done"' }, T0 + 2);

    const before = store.stats();
    const woken = new Map((await claimAll('w1', T0 + 200)).map((c) => [c.run.id, c]));
    expect(store.stats().statements - before.statements).toBe(1);
    expect([...woken.keys()].sort()).toEqual(['inbox', 'parent', 'sleeper']);
    expect(woken.get('inbox')?.history).toMatchObject([
      { seq: 1, kind: 'recv', name: 'go', output: '{"message":{"n":1}}', error: null },
    ]);
    expect(woken.get('sleeper')?.history).toMatchObject([{ seq: 1, kind: 'sleep', name: 'sleep', output: null }]);
    const parentRecord = woken.get('parent')?.history[0];
    expect(parentRecord).toMatchObject({ seq: 1, kind: 'child', name: 'child' });
    expect(JSON.parse(parentRecord?.output ?? 'null')).toEqual({ status: 'succeeded', output: '"done"', error: null });
    for (const id of ['inbox', 'sleeper', 'parent']) expect(await store.listWaits(id)).toEqual([]);
    expect(await store.listWaits('idle')).toHaveLength(1);

    // Asking again at a resolved position answers from the record; asking for another wait there is refused.
    const again = (id: string) => woken.get(id)?.lease as Claim['lease'];
    expect(await store.awaitWait(again('inbox'), recv, T0 + 201)).toEqual({
      state: 'ready',
      operation: woken.get('inbox')?.history[0],
    });
    expect(await store.awaitWait(again('parent'), child, T0 + 201)).toMatchObject({
      state: 'ready',
      operation: { seq: 1, kind: 'child' },
    });
    await expect(store.awaitWait(again('sleeper'), recv, T0 + 201)).rejects.toMatchObject({
      code: 'NON_DETERMINISM',
    });
    // The message was taken once: the run's mailbox holds nothing more for it.
    expect(await store.awaitWait(again('inbox'), { ...recv, seq: 2 }, T0 + 202)).toMatchObject({ state: 'waiting' });
  });
});
