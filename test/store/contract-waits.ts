/**
 * The storage contract, continued: how a wait resolves (`src/store/wait-rules.ts`). The rule is
 * written once in TypeScript, and once more in SQL where PostgreSQL evaluates it in one round
 * trip (`heed_wait_result`, `heed_await_waits`): these cases pin the behaviour both must share.
 * Each result is reached both ways a store can reach it: asked at once (`awaitWait` when the
 * condition already holds: on PostgreSQL in SQL for `recv` and `sleep`, in TypeScript for events
 * and children), and after a wake-up (the claim, which on PostgreSQL resolves the run's waits in
 * SQL, then the replay's `awaitWait`, which on SQLite resolves them in TypeScript). Run by
 * `describeStoreContract` for every store.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Lease, Operation, Store, WaitRequest } from '../../src/store/store.ts';

const T0 = 5_000_000;

const claimRequest = (now: number) => ({
  owner: 'w1',
  workflows: ['wf'],
  limit: 10,
  now,
  leaseMs: 30_000,
  maxRecoveries: 5,
  active: [],
});

// Request names as the engine gives them (a claim records a resolved wait under these).
const recv = (seq: number, topic: string, timeoutMs: number | null = null) =>
  ({ kind: 'recv', seq, name: topic, topic, timeoutMs }) as const;
const sleep = (seq: number, durationMs: number) => ({ kind: 'sleep', seq, name: 'sleep', durationMs }) as const;
const event = (seq: number, match: Record<string, unknown>, timeoutMs: number | null = null) =>
  ({ kind: 'event', seq, name: 'reply', eventName: 'reply', match, timeoutMs, lookbackMs: 0 }) as const;
const child = (seq: number, childId: string) => ({ kind: 'child', seq, name: childId, childId }) as const;

/** A recorded output as a value: `undefined` for a sleep's (no output); JSON otherwise. */
const value = (operation: Operation | undefined): unknown =>
  operation?.output === null ? undefined : JSON.parse(operation?.output ?? '"missing"');

export function describeWaitRulesContract(getStore: () => Store): void {
  describe('wait rules (one rule, TypeScript and SQL)', () => {
    let store: Store;
    beforeEach(() => {
      store = getStore();
    });

    async function start(id: string, now = T0): Promise<Lease> {
      await store.createRun({ id, workflow: 'wf', input: null }, now);
      const claim = (await store.claimRuns(claimRequest(now))).find((c) => c.run.id === id);
      if (!claim) throw new Error(`run ${id} was not claimed`);
      return claim.lease;
    }

    /** Registers `request` (it must wait) and suspends the run. */
    async function waitOn(lease: Lease, request: WaitRequest, now = T0): Promise<void> {
      expect((await store.awaitWait(lease, request, now)).state).toBe('waiting');
      expect(await store.suspendRun(lease, now)).toBe('waiting');
    }

    /** The run was woken: claimed, its result is in the claim's history or answered to its replay. */
    async function resultAfterWake(id: string, request: WaitRequest, now: number): Promise<Operation> {
      return (await wakeAndResolve(id, request, now)).operation;
    }

    async function wakeAndResolve(
      id: string,
      request: WaitRequest,
      now: number,
    ): Promise<{ operation: Operation; lease: Lease }> {
      expect((await store.getRun(id))?.status).toBe('pending');
      const claim = (await store.claimRuns(claimRequest(now))).find((c) => c.run.id === id);
      if (!claim) throw new Error(`run ${id} was not claimed`);
      const outcome = await store.awaitWait(claim.lease, request, now);
      if (outcome.state !== 'ready') throw new Error(`the ${request.kind} wait of ${id} is not ready`);
      const recorded = claim.history.find((op) => op.seq === request.seq);
      if (recorded) expect(outcome.operation).toEqual(recorded);
      expect(outcome.operation).toMatchObject({ seq: request.seq, kind: request.kind, name: request.name });
      expect(await store.listWaits(id)).toEqual([]);
      return { operation: outcome.operation, lease: claim.lease };
    }

    async function readyNow(lease: Lease, request: WaitRequest, now: number): Promise<Operation> {
      const outcome = await store.awaitWait(lease, request, now);
      if (outcome.state !== 'ready') throw new Error(`the ${request.kind} wait is not ready`);
      return outcome.operation;
    }

    it('recv takes the oldest unread message of its own topic, asked at once or after a wake-up', async () => {
      const lease = await start('r');
      for (const [topic, body] of [
        ['a', '1'],
        ['b', '2'],
        ['a', '3'],
      ] as const) {
        await store.sendMessage({ runId: 'r', topic, body }, T0);
      }
      expect(value(await readyNow(lease, recv(1, 'a'), T0))).toEqual({ message: 1 });
      expect(value(await readyNow(lease, recv(2, 'b'), T0))).toEqual({ message: 2 });
      expect(value(await readyNow(lease, recv(3, 'a'), T0))).toEqual({ message: 3 });
      await waitOn(lease, recv(4, 'a'));
      expect(await store.sendMessage({ runId: 'r', topic: 'b', body: '4' }, T0 + 1)).toEqual({
        duplicate: false,
        woke: false,
      });
      await store.sendMessage({ runId: 'r', topic: 'a', body: '{"n":5}' }, T0 + 2);
      await store.sendMessage({ runId: 'r', topic: 'a', body: '6' }, T0 + 3);
      expect(value(await resultAfterWake('r', recv(4, 'a'), T0 + 4))).toEqual({ message: { n: 5 } });
    });

    it('a message beats a timeout that passed meanwhile; without one, the timeout answers null', async () => {
      const lease = await start('r');
      await waitOn(lease, recv(1, 'a', 100));
      await store.sendMessage({ runId: 'r', topic: 'a', body: '"late"' }, T0 + 50);
      expect(value(await resultAfterWake('r', recv(1, 'a', 100), T0 + 500))).toEqual({ message: 'late' });

      const other = await start('s', T0 + 1);
      expect(value(await readyNow(other, recv(1, 'a', 0), T0 + 1))).toBeNull();
    });

    it('a sleep ends by the deadline on this clock, or once fired by a timer on a clock ahead', async () => {
      const lease = await start('r');
      expect(await store.awaitWait(lease, sleep(1, 100), T0)).toEqual({ state: 'waiting', deadline: T0 + 100 });
      expect(await store.awaitWait(lease, sleep(1, 100), T0 + 99)).toEqual({ state: 'waiting', deadline: T0 + 100 });
      expect(value(await readyNow(lease, sleep(1, 100), T0 + 100))).toBeUndefined();

      // The timer fired on a clock ahead of this worker's, which asks again: fired counts, the
      // deadline by this clock does not.
      const fired = await start('f');
      expect((await store.awaitWait(fired, sleep(1, 100), T0)).state).toBe('waiting');
      expect(await store.fireDueTimers(T0 + 100, 10)).toBe(1);
      expect(value(await readyNow(fired, sleep(1, 100), T0 + 10))).toBeUndefined();
    });

    it('a recv timeout answers null once its timer fired, by a wake-up or asked again on a clock behind', async () => {
      const lease = await start('r');
      await waitOn(lease, recv(1, 'a', 100));
      expect(await store.fireDueTimers(T0 + 100, 10)).toBe(1);
      expect(value(await resultAfterWake('r', recv(1, 'a', 100), T0 + 100))).toBeNull();

      const behind = await start('b');
      expect((await store.awaitWait(behind, recv(1, 'a', 100), T0)).state).toBe('waiting');
      expect(await store.fireDueTimers(T0 + 100, 10)).toBe(1);
      expect(value(await readyNow(behind, recv(1, 'a', 100), T0 + 10))).toBeNull();
    });

    it('an event wait takes the event matched to it, not a later one, even after its timeout passed', async () => {
      const lease = await start('r');
      await waitOn(lease, event(1, { ticket: 'T1' }, 100));
      const first = await store.emitEvent('reply', '{"ticket":"T1","n":1}', T0 + 10);
      expect(first.woken).toBe(1);
      expect((await store.emitEvent('reply', '{"ticket":"T1","n":2}', T0 + 20)).woken).toBe(0);
      expect(value(await resultAfterWake('r', event(1, { ticket: 'T1' }, 100), T0 + 500))).toEqual({
        id: first.eventId,
        name: 'reply',
        data: { ticket: 'T1', n: 1 },
        at: T0 + 10,
      });
    });

    it("a child wait takes the child's end, and only that: no clock ends it", async () => {
      const parent = await start('p');
      await store.startChild(parent, 1, 'c', { id: 'p:1', workflow: 'other', input: null }, T0);
      const other = await store.startChild(parent, 2, 'c', { id: 'p:2', workflow: 'other', input: null }, T0);
      expect(other.status).toBe('pending');
      expect(await store.awaitWait(parent, child(3, 'p:1'), T0)).toEqual({ state: 'waiting', deadline: null });
      expect(await store.awaitWait(parent, child(3, 'p:1'), T0 + 10 ** 9)).toEqual({
        state: 'waiting',
        deadline: null,
      });
      expect(await store.suspendRun(parent, T0)).toBe('waiting');
      expect(await store.fireDueTimers(T0 + 10 ** 9, 10)).toBe(0);

      const claims = await store.claimRuns({ ...claimRequest(T0 + 1), workflows: ['other'] });
      const lease = (id: string) => claims.find((c) => c.run.id === id)?.lease as Lease;
      const error = JSON.stringify({ name: 'Error', message: 'no' });
      await store.completeRun(lease('p:1'), { error, failedSeq: null }, T0 + 2);
      const woken = await wakeAndResolve('p', child(3, 'p:1'), T0 + 3);
      expect(value(woken.operation)).toEqual({ status: 'failed', output: null, error });
      // A child that ended already answers at once.
      await store.completeRun(lease('p:2'), { output: '"two"' }, T0 + 4);
      expect(value(await readyNow(woken.lease, child(4, 'p:2'), T0 + 5))).toEqual({
        status: 'succeeded',
        output: '"two"',
        error: null,
      });
    });
  });
}
