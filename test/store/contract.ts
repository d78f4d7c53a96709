/**
 * The storage contract: one suite every `Store` implementation runs unchanged. Each case gets a
 * fresh, initialized store from the factory and closes it afterwards.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeaseLostError, RunNotFoundError, RunStateError } from '../../src/errors.ts';
import type { Claim, Lease, Store } from '../../src/store/store.ts';
import { describeAwayContract } from './contract-away.ts';
import { describeLifecycleRunContract } from './contract-lifecycle.ts';
import { describeRetentionContract } from './contract-retention.ts';
import { describeStandingContract } from './contract-standing.ts';
import { createdEntry, describeTaskStoreContract } from './contract-tasks.ts';
import { describeWaitRulesContract } from './contract-waits.ts';

export type StoreFactory = () => Promise<Store>;

const T0 = 1_000_000;
const LEASE = 30_000;
const W = ['wf'];

function claimRequest(
  owner: string,
  workflows: string[],
  limit: number,
  now: number,
  leaseMs: number,
  maxRecoveries = 5,
  active: string[] = [],
) {
  return { owner, workflows, limit, now, leaseMs, maxRecoveries, active };
}

export function describeStoreContract(name: string, makeStore: StoreFactory): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });

    async function claimOne(id: string, owner = 'w1', now = T0): Promise<Claim> {
      const claims = await store.claimRuns(claimRequest(owner, W, 10, now, LEASE));
      const claim = claims.find((c) => c.run.id === id);
      if (!claim) throw new Error(`run ${id} was not claimed; got ${claims.map((c) => c.run.id).join(',')}`);
      return claim;
    }

    async function startAndClaim(id: string): Promise<Lease> {
      await store.createRun({ id, workflow: 'wf', input: '{"n":1}' }, T0);
      return (await claimOne(id)).lease;
    }

    describe('runs', () => {
      it('creates a pending run once per id', async () => {
        const first = await store.createRun({ id: 'r1', workflow: 'wf', input: '1' }, T0);
        const again = await store.createRun({ id: 'r1', workflow: 'other', input: '2' }, T0 + 5);
        expect(first.created).toBe(true);
        expect(again.created).toBe(false);
        expect(again.run).toMatchObject({ id: 'r1', workflow: 'wf', status: 'pending', input: '1', attempts: 0 });
        expect(await store.getRun('nope')).toBeUndefined();
      });

      it('records who started a run, inherited by its children, and lists by initiator', async () => {
        await store.createRun({ id: 'p', workflow: 'wf', input: null, initiator: 'user:alice' }, T0);
        await store.createRun({ id: 'c', workflow: 'child', input: null, parentId: 'p' }, T0 + 1);
        await store.createRun({ id: 'x', workflow: 'wf', input: null }, T0 + 2);
        expect(await store.getRun('p')).toMatchObject({ initiator: 'user:alice' });
        expect(await store.getRun('c')).toMatchObject({ initiator: 'user:alice' });
        expect(await store.getRun('x')).toMatchObject({ initiator: null });
        const mine = await store.listRuns({ initiator: 'user:alice' });
        expect(mine.items.map((r) => r.id).sort()).toEqual(['c', 'p']);
        const noChildren = await store.listRuns({ initiator: 'user:alice', excludeWorkflows: ['child'] });
        expect(noChildren.items.map((r) => r.id)).toEqual(['p']);
      });

      it('claims only pending runs of the given workflows, each once', async () => {
        await store.createRun({ id: 'a', workflow: 'wf', input: null }, T0);
        await store.createRun({ id: 'b', workflow: 'other', input: null }, T0);
        const claims = await store.claimRuns(claimRequest('w1', W, 10, T0, LEASE));
        expect(claims.map((c) => c.run.id)).toEqual(['a']);
        expect(claims[0]?.run).toMatchObject({ status: 'running', attempts: 1 });
        expect(claims[0]?.history).toEqual([]);
        expect(await store.claimRuns(claimRequest('w2', W, 10, T0, LEASE))).toEqual([]);
      });

      it('respects the claim limit', async () => {
        for (let i = 0; i < 5; i++) await store.createRun({ id: `r${i}`, workflow: 'wf', input: null }, T0 + i);
        expect(await store.claimRuns(claimRequest('w1', W, 2, T0 + 10, LEASE))).toHaveLength(2);
        expect(await store.claimRuns(claimRequest('w1', W, 10, T0 + 10, LEASE))).toHaveLength(3);
      });

      it('lets another owner take an expired lease and fences the old holder', async () => {
        const old = await startAndClaim('r1');
        expect(await store.claimRuns(claimRequest('w2', W, 10, T0 + LEASE - 1, LEASE))).toEqual([]);
        // Never from itself while it executes the run.
        expect(await store.claimRuns(claimRequest('w1', W, 10, T0 + LEASE + 1, LEASE, 5, ['r1']))).toEqual([]);
        const taken = await claimOne('r1', 'w2', T0 + LEASE + 1);
        expect(taken.run.attempts).toBe(2);
        await expect(
          store.recordOperation(old, { seq: 1, kind: 'step', name: 's', output: '1', error: null }, T0),
        ).rejects.toBeInstanceOf(LeaseLostError);
        await store.recordOperation(taken.lease, { seq: 1, kind: 'step', name: 's', output: '2', error: null }, T0);
        expect((await store.loadHistory('r1')).map((op) => op.output)).toEqual(['2']);
      });

      it('fails a run whose workers keep dying after maxRecoveries recoveries', async () => {
        await startAndClaim('poison');
        let now = T0;
        for (let i = 1; i <= 2; i++) {
          now += LEASE + 1;
          const [taken] = await store.claimRuns(claimRequest(`w${i + 1}`, W, 10, now, LEASE, 2));
          expect(taken?.run).toMatchObject({ id: 'poison', recoveries: i });
        }
        now += LEASE + 1;
        const heard: string[] = [];
        const unsubscribe = store.changes.subscribe((change) => {
          if (change.kind === 'run-event') heard.push(change.runId);
        });
        expect(await store.claimRuns(claimRequest('w9', W, 10, now, LEASE, 2))).toEqual([]);
        const run = await store.getRun('poison');
        expect(run?.status).toBe('failed');
        expect(JSON.parse(run?.error ?? '{}')).toMatchObject({ code: 'TOO_MANY_RECOVERIES' });
        // It ends like any failed run: a `run.failed` event in its feed, announced on `changes`.
        const events = await store.runEvents(0, 100, 'poison');
        expect(events.map((e) => e.type)).toEqual(['run.failed']);
        expect(events[0]?.data).toMatchObject({ error: { code: 'TOO_MANY_RECOVERIES' } });
        await new Promise((resolve) => setTimeout(resolve, 20));
        unsubscribe();
        expect(heard).toContain('poison');
      });

      it('lets an owner take back its own expired run that it no longer executes', async () => {
        await startAndClaim('orphan');
        const [again] = await store.claimRuns(claimRequest('w1', W, 10, T0 + LEASE + 1, LEASE));
        expect(again?.run).toMatchObject({ id: 'orphan', attempts: 2, recoveries: 1 });
      });

      it('lists lease owners and expires the leases of one that died', async () => {
        await startAndClaim('r1');
        expect(await store.leaseOwners()).toEqual(['w1']);
        expect(await store.expireLeases('w1', T0 + 5)).toBe(1);
        const [taken] = await store.claimRuns(claimRequest('w2', W, 10, T0 + 5, LEASE));
        expect(taken?.run).toMatchObject({ id: 'r1', recoveries: 1 });
        expect(await store.leaseOwners()).toEqual(['w2']);
      });

      it('renews exactly the given leases', async () => {
        const kept = await startAndClaim('r1');
        const stale = await startAndClaim('r2');
        await store.releaseRun(stale, T0);
        const [retaken] = await store.claimRuns(claimRequest('w3', W, 10, T0, LEASE));
        expect(retaken?.run.id).toBe('r2');
        await store.renewLeases([kept, stale], T0 + LEASE - 10, LEASE);
        // r1 was renewed; the stale lease did not extend r2 (now w3's), whose lease expired on time.
        const later = await store.claimRuns(claimRequest('w2', W, 10, T0 + LEASE + 1, LEASE));
        expect(later.map((c) => c.run.id)).toEqual(['r2']);
      });

      it('records operations in order and refuses a second record at the same position', async () => {
        const lease = await startAndClaim('r1');
        await store.recordOperation(lease, { seq: 1, kind: 'step', name: 'a', output: '"x"', error: null }, T0 + 1);
        await store.recordOperation(lease, { seq: 2, kind: 'step', name: 'b', output: null, error: '{"m":1}' }, T0 + 2);
        await expect(
          store.recordOperation(lease, { seq: 2, kind: 'step', name: 'b', output: '1', error: null }, T0 + 3),
        ).rejects.toBeInstanceOf(LeaseLostError);
        expect(await store.loadHistory('r1')).toEqual([
          { seq: 1, ord: 1, kind: 'step', name: 'a', output: '"x"', error: null, createdAt: T0 + 1 },
          { seq: 2, ord: 2, kind: 'step', name: 'b', output: null, error: '{"m":1}', createdAt: T0 + 2 },
        ]);
      });

      it('numbers the writes of one run made at once in the order they are made', async () => {
        // A replay hands results back in `ord` order; the first execution hands them to its code in
        // the order it made the writes (LiveOrder): the two must agree, whatever kinds of write and
        // however they overlap (several in one group commit or batch, some while others are sent).
        const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
        for (let round = 0; round < 8; round++) {
          const id = `o${round}`;
          const lease = await startAndClaim(id);
          await store.sendMessage({ runId: id, topic: 't', body: '"m"' }, T0);
          const writes: Promise<unknown>[] = [];
          const make = (write: () => Promise<unknown>) => writes.push(write());
          for (let seq = 1; seq <= 12; seq++) {
            const step = { seq, kind: 'step' as const, name: `s${seq}`, output: '1', error: null };
            if (seq % 4 === 2) make(() => store.publishStatus(lease, seq, `k${seq}`, '1', T0));
            else if (seq % 4 === 3) {
              const child = { id: `${id}-c${seq}`, workflow: 'child', input: null };
              make(() => store.startChild(lease, seq, 'child', child, T0));
            } else if (seq === 4) {
              make(() => store.awaitWait(lease, { kind: 'recv', seq, name: 't', topic: 't', timeoutMs: null }, T0));
            } else make(() => store.recordOperation(lease, step, T0));
            // Some writes in the same turn, some while earlier ones are on their way.
            if (seq % 3 === 0) await turn();
          }
          await Promise.all(writes);
          const history = await store.loadHistory(id);
          const byOrd = [...history].sort((x, y) => x.ord - y.ord).map((op) => op.seq);
          expect({ round, byOrd }).toEqual({ round, byOrd: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] });
        }
      });

      it('refuses data the database cannot keep with STORE_DATA_ERROR, writing nothing of it, and commits the writes sent with it', async () => {
        await store.createRun({ id: 'r1', workflow: 'wf', input: null }, T0);
        await store.createRun({ id: 'r2', workflow: 'wf', input: null }, T0);
        const claims = await store.claimRuns(claimRequest('w1', W, 10, T0, LEASE));
        const [one, two] = ['r1', 'r2'].map((id) => claims.find((c) => c.run.id === id)?.lease as Lease);
        // Sent together (one group commit), one of them with a NULL where the schema says NOT NULL.
        const [good, bad] = await Promise.allSettled([
          store.recordOperation(one as Lease, { seq: 1, kind: 'step', name: 'a', output: '1', error: null }, T0 + 1),
          store.recordOperation(
            two as Lease,
            { seq: 1, kind: 'step', name: null as unknown as string, output: '1', error: null },
            T0 + 1,
          ),
        ]);
        expect(good.status).toBe('fulfilled');
        expect(bad).toMatchObject({ status: 'rejected', reason: { code: 'STORE_DATA_ERROR' } });
        expect((await store.loadHistory('r1')).map((op) => op.name)).toEqual(['a']);
        expect(await store.loadHistory('r2')).toEqual([]);
        // The refused write changed nothing: the lease still holds and the position is free.
        await store.recordOperation(
          two as Lease,
          { seq: 1, kind: 'step', name: 'b', output: '2', error: null },
          T0 + 2,
        );
        expect((await store.loadHistory('r2')).map((op) => [op.name, op.ord])).toEqual([['b', 1]]);
      });

      it('completes a run and fences later writes', async () => {
        const lease = await startAndClaim('r1');
        await store.completeRun(lease, { output: '42' }, T0 + 5);
        expect(await store.getRun('r1')).toMatchObject({ status: 'succeeded', output: '42', updatedAt: T0 + 5 });
        await expect(store.completeRun(lease, { output: '1' }, T0)).rejects.toBeInstanceOf(LeaseLostError);
        await expect(store.suspendRun(lease, T0)).rejects.toBeInstanceOf(LeaseLostError);
      });

      it('appends transient progress to the run feed only while the lease is held', async () => {
        const lease = await startAndClaim('r1');
        const before = await store.lastRunEventId();
        expect(await store.appendProgress(lease, '{"delta":"Hel"}', T0 + 1)).toBe(true);
        expect(await store.appendProgress(lease, '{"delta":"lo"}', T0 + 2)).toBe(true);
        const events = await store.runEvents(before, 10, 'r1');
        expect(events.map((e) => [e.type, e.data, e.at])).toEqual([
          ['progress', { delta: 'Hel' }, T0 + 1],
          ['progress', { delta: 'lo' }, T0 + 2],
        ]);
        expect(await store.loadHistory('r1')).toEqual([]);
        await store.completeRun(lease, { output: '1' }, T0 + 3);
        expect(await store.appendProgress(lease, '{"delta":"late"}', T0 + 4)).toBe(false);
        expect((await store.runEvents(before, 10, 'r1')).filter((e) => e.type === 'progress')).toHaveLength(2);
      });

      it('releases a run back to pending', async () => {
        const lease = await startAndClaim('r1');
        await store.releaseRun(lease, T0 + 1);
        expect((await store.getRun('r1'))?.status).toBe('pending');
        await expect(store.releaseRun(lease, T0 + 1)).rejects.toBeInstanceOf(LeaseLostError);
        expect((await claimOne('r1', 'w2', T0 + 2)).run.attempts).toBe(2);
      });

      it('lists runs newest first with filters and cursor pagination', async () => {
        for (let i = 0; i < 5; i++)
          await store.createRun({ id: `r${i}`, workflow: i % 2 ? 'odd' : 'wf', input: null }, T0 + i);
        const first = await store.listRuns({ limit: 2 });
        expect(first.items.map((r) => r.id)).toEqual(['r4', 'r3']);
        const second = await store.listRuns({ limit: 2, cursor: first.nextCursor ?? undefined });
        expect(second.items.map((r) => r.id)).toEqual(['r2', 'r1']);
        const third = await store.listRuns({ limit: 2, cursor: second.nextCursor ?? undefined });
        expect(third.items.map((r) => r.id)).toEqual(['r0']);
        expect(third.nextCursor).toBeNull();
        expect((await store.listRuns({ workflow: 'odd' })).items.map((r) => r.id)).toEqual(['r3', 'r1']);
        await claimOne('r4', 'w1', T0 + 10);
        expect((await store.listRuns({ status: 'running' })).items.map((r) => r.id)).toEqual(['r4', 'r2', 'r0']);
        expect((await store.listRuns({ status: 'pending' })).items.map((r) => r.id)).toEqual(['r3', 'r1']);
        await expect(store.listRuns({ cursor: 'garbage' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      });
    });

    describe('waits and wake-ups', () => {
      it('registers a sleep once, keeps its deadline across replays, fires it when due', async () => {
        const lease = await startAndClaim('r1');
        const req = { kind: 'sleep', seq: 1, name: 'sleep', durationMs: 1000 } as const;
        expect(await store.awaitWait(lease, req, T0)).toEqual({ state: 'waiting', deadline: T0 + 1000 });
        expect(await store.suspendRun(lease, T0)).toBe('waiting');
        expect(await store.nextTimerDue()).toBe(T0 + 1000);
        expect((await store.listRuns({ waitingOn: 'sleep' })).items.map((r) => r.id)).toEqual(['r1']);
        expect(await store.fireDueTimers(T0 + 999, 10)).toBe(0);
        expect(await store.fireDueTimers(T0 + 1000, 10)).toBe(1);
        expect(await store.nextTimerDue()).toBeNull();
        expect((await store.getRun('r1'))?.status).toBe('pending');
        const replay = await claimOne('r1', 'w1', T0 + 1000);
        // A replay re-asks with a later "now": the original deadline holds.
        const outcome = await store.awaitWait(replay.lease, req, T0 + 1000);
        expect(outcome).toMatchObject({ state: 'ready', operation: { seq: 1, kind: 'sleep', output: null } });
        expect(await store.listWaits('r1')).toEqual([]);
      });

      it('keeps messages sent before recv, delivers them FIFO once, and drops duplicates by key', async () => {
        const lease = await startAndClaim('r1');
        expect(await store.sendMessage({ runId: 'r1', topic: 't', body: '"one"', idempotencyKey: 'k1' }, T0)).toEqual({
          duplicate: false,
          woke: false,
        });
        expect(
          (await store.sendMessage({ runId: 'r1', topic: 't', body: '"dup"', idempotencyKey: 'k1' }, T0)).duplicate,
        ).toBe(true);
        await store.sendMessage({ runId: 'r1', topic: 't', body: '"two"' }, T0);
        await store.sendMessage({ runId: 'r1', topic: 'other', body: '"x"' }, T0);
        const recv = (seq: number) => ({ kind: 'recv', seq, name: 't', topic: 't', timeoutMs: null }) as const;
        const a = await store.awaitWait(lease, recv(1), T0);
        const b = await store.awaitWait(lease, recv(2), T0);
        const c = await store.awaitWait(lease, recv(3), T0);
        expect(a.state === 'ready' && JSON.parse(a.operation.output ?? 'null')).toEqual({ message: 'one' });
        expect(b.state === 'ready' && JSON.parse(b.operation.output ?? 'null')).toEqual({ message: 'two' });
        expect(c).toEqual({ state: 'waiting', deadline: null });
      });

      it('wakes a waiting run on a message to its topic, and flags a running one', async () => {
        const lease = await startAndClaim('r1');
        await store.awaitWait(lease, { kind: 'recv', seq: 1, name: 't', topic: 't', timeoutMs: 5000 }, T0);
        // Still running: the send flags it, so suspending makes it pending instead of waiting.
        expect((await store.sendMessage({ runId: 'r1', topic: 't', body: '1' }, T0)).woke).toBe(true);
        expect(await store.suspendRun(lease, T0)).toBe('pending');
        const again = await claimOne('r1');
        const outcome = await store.awaitWait(
          again.lease,
          { kind: 'recv', seq: 1, name: 't', topic: 't', timeoutMs: 5000 },
          T0,
        );
        expect(outcome.state).toBe('ready');
      });

      it('times out a recv with a null result', async () => {
        const lease = await startAndClaim('r1');
        const req = { kind: 'recv', seq: 1, name: 't', topic: 't', timeoutMs: 100 } as const;
        await store.awaitWait(lease, req, T0);
        await store.suspendRun(lease, T0);
        expect(await store.fireDueTimers(T0 + 100, 10)).toBe(1);
        const replay = await claimOne('r1', 'w1', T0 + 100);
        const outcome = await store.awaitWait(replay.lease, req, T0 + 100);
        expect(outcome).toMatchObject({ state: 'ready', operation: { output: 'null' } });
      });

      it('refuses to send to an unknown run', async () => {
        await expect(store.sendMessage({ runId: 'ghost', topic: 't', body: '1' }, T0)).rejects.toBeInstanceOf(
          RunNotFoundError,
        );
      });

      it('matches events to waits by indexed key, wakes every matching run, and honours lookback', async () => {
        const leases: Lease[] = [];
        for (const [id, ticketId] of [
          ['a', 'T1'],
          ['b', 'T1'],
          ['c', 'T2'],
        ] as const) {
          const lease = await startAndClaim(id);
          const req = {
            kind: 'event',
            seq: 1,
            name: 'reply',
            eventName: 'reply',
            match: { ticketId },
            timeoutMs: null,
            lookbackMs: 0,
          } as const;
          expect((await store.awaitWait(lease, req, T0)).state).toBe('waiting');
          await store.suspendRun(lease, T0);
          leases.push(lease);
        }
        expect((await store.emitEvent('reply', '{"ticketId":"T9"}', T0 + 1)).woken).toBe(0);
        expect((await store.emitEvent('other', '{"ticketId":"T1"}', T0 + 1)).woken).toBe(0);
        expect((await store.emitEvent('reply', '{"ticketId":"T1","answer":42}', T0 + 2)).woken).toBe(2);
        expect((await store.getRun('a'))?.status).toBe('pending');
        expect((await store.getRun('b'))?.status).toBe('pending');
        expect((await store.getRun('c'))?.status).toBe('waiting');
        const replay = await claimOne('a', 'w1', T0 + 3);
        const outcome = await store.awaitWait(
          replay.lease,
          {
            kind: 'event',
            seq: 1,
            name: 'reply',
            eventName: 'reply',
            match: { ticketId: 'T1' },
            timeoutMs: null,
            lookbackMs: 0,
          },
          T0 + 3,
        );
        expect(outcome.state === 'ready' && JSON.parse(outcome.operation.output ?? 'null')).toMatchObject({
          name: 'reply',
          data: { ticketId: 'T1', answer: 42 },
          at: T0 + 2,
        });

        // An event emitted before the wait matches only within the lookback window.
        await store.emitEvent('deploy', '{"env":{"name":"prod"}}', T0 + 10);
        const late = await startAndClaim('late');
        const ask = (lookbackMs: number, seq: number) =>
          ({
            kind: 'event',
            seq,
            name: 'deploy',
            eventName: 'deploy',
            match: { 'env.name': 'prod' },
            timeoutMs: null,
            lookbackMs,
          }) as const;
        expect((await store.awaitWait(late, ask(5, 1), T0 + 20)).state).toBe('waiting');
        expect((await store.awaitWait(late, ask(50, 2), T0 + 20)).state).toBe('ready');
      });

      it('wakes a parent waiting on a child when the child ends', async () => {
        const parent = await startAndClaim('p');
        const child = await store.startChild(parent, 1, 'wf', { id: 'p:1', workflow: 'wf', input: '5' }, T0);
        expect(child).toMatchObject({ id: 'p:1', parentId: 'p', status: 'pending' });
        const req = { kind: 'child', seq: 2, name: 'p:1', childId: 'p:1' } as const;
        expect((await store.awaitWait(parent, req, T0)).state).toBe('waiting');
        expect(await store.suspendRun(parent, T0)).toBe('waiting');
        const childClaim = await claimOne('p:1');
        await store.completeRun(childClaim.lease, { output: '"done"' }, T0 + 1);
        expect((await store.getRun('p'))?.status).toBe('pending');
        const replay = await claimOne('p', 'w1', T0 + 2);
        const outcome = await store.awaitWait(replay.lease, req, T0 + 2);
        expect(outcome.state === 'ready' && JSON.parse(outcome.operation.output ?? 'null')).toMatchObject({
          status: 'succeeded',
          output: '"done"',
        });
      });
    });

    describe('cancel and resume', () => {
      it('cancels a run and its live descendants and drops their waits', async () => {
        const parent = await startAndClaim('p');
        await store.startChild(parent, 1, 'wf', { id: 'c', workflow: 'wf', input: null }, T0);
        await store.awaitWait(parent, { kind: 'sleep', seq: 2, name: 'sleep', durationMs: 10 }, T0);
        await store.suspendRun(parent, T0);
        expect((await store.cancelRun('p', T0 + 1)).sort()).toEqual(['c', 'p']);
        expect((await store.getRun('c'))?.status).toBe('cancelled');
        expect(await store.listWaits('p')).toEqual([]);
        expect(await store.nextTimerDue()).toBeNull();
        expect(await store.cancelRun('p', T0 + 2)).toEqual([]);
        await expect(store.cancelRun('ghost', T0)).rejects.toBeInstanceOf(RunNotFoundError);
      });

      it('cancels a child started while the cancel runs: no child outlives its cancelled parent', async () => {
        for (let round = 0; round < 30; round++) {
          const parentId = `p${round}`;
          const childId = `p${round}:c`;
          const parent = await startAndClaim(parentId);
          // A grandchild already there, so the tree the cancel walks has depth.
          await store.startChild(parent, 1, 'wf', { id: `${parentId}:old`, workflow: 'wf', input: null }, T0);
          const [started, cancelled] = await Promise.allSettled([
            store.startChild(parent, 2, 'wf', { id: childId, workflow: 'wf', input: null }, T0),
            store.cancelRun(parentId, T0 + 1),
          ]);
          expect(cancelled.status, `round ${round}`).toBe('fulfilled');
          const ids = cancelled.status === 'fulfilled' ? cancelled.value : [];
          const child = await store.getRun(childId);
          if (started.status === 'fulfilled') {
            expect(child?.status, `round ${round}: the child started, so the cancel must reach it`).toBe('cancelled');
            expect(ids, `round ${round}`).toContain(childId);
          } else {
            expect(started.reason, `round ${round}`).toBeInstanceOf(LeaseLostError);
            expect(child, `round ${round}`).toBeUndefined();
          }
          expect((await store.getRun(parentId))?.status).toBe('cancelled');
          expect((await store.getRun(`${parentId}:old`))?.status).toBe('cancelled');
        }
      });

      it('resumes a failed run at the step that failed it', async () => {
        const lease = await startAndClaim('r1');
        await store.recordOperation(lease, { seq: 1, kind: 'step', name: 'a', output: '1', error: null }, T0);
        await store.recordOperation(lease, { seq: 2, kind: 'step', name: 'b', output: null, error: '{}' }, T0);
        await store.completeRun(lease, { error: '{"message":"boom"}', failedSeq: 2 }, T0);
        await expect(store.resumeRun('r1', T0)).resolves.toMatchObject({ status: 'pending', error: null });
        expect((await store.loadHistory('r1')).map((op) => op.seq)).toEqual([1]);
        await expect(store.resumeRun('r1', T0)).rejects.toBeInstanceOf(RunStateError);
        await expect(store.resumeRun('ghost', T0)).rejects.toBeInstanceOf(RunNotFoundError);
      });
    });

    describeTaskStoreContract(() => store);
    describeLifecycleRunContract(() => store);
    describeRetentionContract(() => store);
    describeAwayContract(() => store);
    describeStandingContract(() => store);
    describeWaitRulesContract(() => store);

    describe('change notifications', () => {
      it('announces run events and task changes on store.changes once they commit', async () => {
        const heard: string[] = [];
        const unsubscribe = store.changes.subscribe((change) =>
          heard.push(change.kind === 'run-event' ? `run-event:${change.runId}` : `task:${change.taskId}`),
        );
        const lease = await startAndClaim('r1');
        await store.publishStatus(lease, 1, 'phase', '"working"', T0);
        await store.completeRun(lease, { output: '1' }, T0);
        await store.createTask(
          {
            id: 't1',
            type: 'approval',
            title: 'Go?',
            spec: '{}',
            requester: null,
            idempotencyKey: null,
            runId: 'task:t1',
            askedBy: null,
            deadline: null,
            assignees: ['user:bob'],
          },
          { id: 'task:t1', workflow: 'heed.task', input: '{"taskId":"t1"}' },
          [createdEntry('t1', T0)],
          T0,
        );
        await store.applyTaskUpdate('t1', 1, { remindersSent: 1 }, T0);
        // Notifications may arrive right after the writer's promise settles: give them a turn.
        await new Promise((resolve) => setTimeout(resolve, 20));
        unsubscribe();
        expect(heard).toContain('run-event:r1');
        expect(heard).toContain('run-event:task:t1');
        expect(heard.filter((h) => h === 'task:t1').length).toBeGreaterThanOrEqual(2);
        // A write that fails announces nothing.
        const before = heard.length;
        store.changes.subscribe((change) => heard.push(change.kind));
        await expect(store.publishStatus(lease, 2, 'phase', '"late"', T0)).rejects.toBeInstanceOf(LeaseLostError);
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(heard.length).toBe(before);
      });
    });

    describe('statuses', () => {
      it('keeps history, returns the latest, and feeds changes in order', async () => {
        const lease = await startAndClaim('r1');
        const other = await startAndClaim('r2');
        const s1 = await store.publishStatus(lease, 1, 'phase', '"working"', T0);
        await store.publishStatus(other, 1, 'phase', '"x"', T0);
        await store.publishStatus(lease, 2, 'phase', '"done"', T0 + 1);
        expect((await store.getStatus('r1', 'phase'))?.value).toBe('"done"');
        expect(await store.getStatus('r1', 'nope')).toBeUndefined();
        expect((await store.statusHistory('r1', 'phase')).map((s) => s.value)).toEqual(['"working"', '"done"']);
        expect((await store.statusChanges(s1.id, 10)).map((s) => s.value)).toEqual(['"x"', '"done"']);
        expect((await store.statusChanges(0, 10, 'r2')).map((s) => s.value)).toEqual(['"x"']);
        // A status is an operation: it cannot be published twice at one position.
        await expect(store.publishStatus(lease, 2, 'phase', '"again"', T0)).rejects.toBeInstanceOf(LeaseLostError);
        expect((await store.statusHistory('r1')).length).toBe(2);
      });
    });
  });
}
