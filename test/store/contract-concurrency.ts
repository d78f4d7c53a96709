/**
 * The storage contract with many writers: two store instances on one database (two processes'
 * connections) race each other. Each case repeats a race many times and checks the invariant
 * that must hold whoever wins.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TaskAlreadyResolvedError } from '../../src/errors.ts';
import { verifyChain } from '../../src/human/audit.ts';
import { decideAndWrite } from '../../src/human/task-writes.ts';
import type { Lease, Store, WaitRequest } from '../../src/store/store.ts';
import type { TaskRecord } from '../../src/store/task-store.ts';
import { VirtualClock } from '../../src/time/virtual-clock.ts';
import { createdEntry } from './contract-tasks.ts';

export type StorePairFactory = () => Promise<[Store, Store]>;

const T0 = 3_000_000;
const ROUNDS = 25;

export function describeConcurrentStores(name: string, makePair: StorePairFactory): void {
  describe(`Store contract, two writers: ${name}`, () => {
    let a: Store;
    let b: Store;
    beforeEach(async () => {
      [a, b] = await makePair();
    });
    afterEach(async () => {
      await a.close();
      await b.close();
    });

    async function startAndClaim(store: Store, id: string, workflow = 'wf'): Promise<Lease> {
      await store.createRun({ id, workflow, input: null }, T0);
      const claims = await store.claimRuns({
        owner: `o-${id}`,
        workflows: [workflow],
        limit: 1000,
        now: T0,
        leaseMs: 60_000,
        maxRecoveries: 5,
        active: [],
      });
      const claim = claims.find((c) => c.run.id === id);
      if (!claim) throw new Error(`run ${id} was not claimed`);
      return claim.lease;
    }

    /** Registers the wait and suspends, as an execution does. */
    async function waitAndSuspend(store: Store, lease: Lease, request: WaitRequest): Promise<string> {
      const outcome = await store.awaitWait(lease, request, T0);
      if (outcome.state === 'ready') return 'ready';
      return store.suspendRun(lease, T0);
    }

    it('claims every run exactly once when two workers claim at once', async () => {
      for (let i = 0; i < 60; i++) await a.createRun({ id: `r${i}`, workflow: 'wf', input: null }, T0);
      const claim = (store: Store, owner: string) =>
        store.claimRuns({ owner, workflows: ['wf'], limit: 7, now: T0, leaseMs: 60_000, maxRecoveries: 5, active: [] });
      const seen: string[] = [];
      for (;;) {
        const [x, y] = await Promise.all([claim(a, 'wa'), claim(b, 'wb')]);
        if (x.length + y.length === 0) break;
        seen.push(...x.map((c) => c.run.id), ...y.map((c) => c.run.id));
      }
      expect(seen).toHaveLength(60);
      expect(new Set(seen).size).toBe(60);
    });

    it('never loses a message sent while the run checks its mailbox and suspends', async () => {
      for (let i = 0; i < ROUNDS; i++) {
        const id = `m${i}`;
        const lease = await startAndClaim(a, id);
        const request = { kind: 'recv', seq: 1, name: 't', topic: 't', timeoutMs: null } as const;
        const [state] = await Promise.all([
          waitAndSuspend(a, lease, request),
          b.sendMessage({ runId: id, topic: 't', body: '1' }, T0),
        ]);
        const run = await a.getRun(id);
        // Either the recv took the message, or the run is runnable again to take it.
        expect(state === 'ready' || run?.status === 'pending', `round ${i}: ${state}/${run?.status}`).toBe(true);
      }
    });

    it('never loses an event emitted while a matching wait is being registered', async () => {
      for (let i = 0; i < ROUNDS; i++) {
        const id = `e${i}`;
        const lease = await startAndClaim(a, id);
        const request = {
          kind: 'event',
          seq: 1,
          name: 'ev',
          eventName: 'ev',
          match: { k: i },
          timeoutMs: null,
          lookbackMs: 60_000,
        } as const;
        const [state] = await Promise.all([
          waitAndSuspend(a, lease, request),
          b.emitEvent('ev', JSON.stringify({ k: i }), T0),
        ]);
        const run = await a.getRun(id);
        expect(state === 'ready' || run?.status === 'pending', `round ${i}: ${state}/${run?.status}`).toBe(true);
      }
    });

    it("never loses a child's end while the parent registers its wait", async () => {
      for (let i = 0; i < ROUNDS; i++) {
        const parent = await startAndClaim(a, `p${i}`, 'parent');
        await a.startChild(parent, 1, 'child', { id: `p${i}:c`, workflow: 'child', input: null }, T0);
        const child = await startAndClaim(b, `p${i}:c`, 'child');
        const request = { kind: 'child', seq: 2, name: 'c', childId: `p${i}:c` } as const;
        const [state] = await Promise.all([
          waitAndSuspend(a, parent, request),
          b.completeRun(child, { output: '1' }, T0),
        ]);
        const run = await a.getRun(`p${i}`);
        expect(state === 'ready' || run?.status === 'pending', `round ${i}: ${state}/${run?.status}`).toBe(true);
      }
    });

    it('numbers the records of one run uniquely when they are written at once', async () => {
      const lease = await startAndClaim(a, 'par');
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? a : b).recordOperation(
            lease,
            { seq: i + 1, kind: 'step', name: `s${i}`, output: '1', error: null },
            T0,
          ),
        ),
      );
      const history = await a.loadHistory('par');
      expect(history).toHaveLength(20);
      expect(new Set(history.map((op) => op.ord)).size).toBe(20);
    });

    async function createTask(store: Store, id: string): Promise<void> {
      await store.createTask(
        {
          id,
          type: 'approval',
          title: id,
          spec: '{}',
          requester: null,
          idempotencyKey: null,
          runId: `task:${id}`,
          askedBy: null,
          deadline: null,
          assignees: ['alice', 'bob'],
        },
        { id: `task:${id}`, workflow: 'heed.task', input: null },
        [createdEntry(id, T0)],
        T0,
      );
    }

    it('lets exactly one of two writers at the same task version win', async () => {
      for (let i = 0; i < ROUNDS; i++) {
        const id = `cas${i}`;
        await createTask(a, id);
        const results = await Promise.all(
          [a, b].map((store, n) => store.applyTaskUpdate(id, 1, { status: 'resolved', result: `"${n}"` }, T0 + 1)),
        );
        expect(results.filter(Boolean), `round ${i}`).toHaveLength(1);
        expect(await b.getTask(id)).toMatchObject({ version: 2, result: results[0] ? '"0"' : '"1"' });
      }
    });

    it('lets the first of two answers to one task win; the other sees the task ended', async () => {
      const clock = new VirtualClock(T0 + 1);
      for (let i = 0; i < ROUNDS; i++) {
        const id = `ans${i}`;
        await createTask(a, id);
        // The human layer's read-decide-write loop, one per store: two processes answering at once.
        const answer = (store: Store, who: string) =>
          decideAndWrite(store, clock, id, (task) => {
            if (task.status !== 'pending') return { value: new TaskAlreadyResolvedError(id, task.status) };
            return {
              value: null,
              update: {
                status: 'resolved',
                result: JSON.stringify({ by: who, resultHash: null }),
                response: { principal: who, outcome: 'approve', via: 'api', comment: null, data: null, args: null },
                audit: [{ actor: who, via: 'api', action: 'responded', outcome: 'approve' }],
              },
            };
          });
        const outcomes = await Promise.all([answer(a, 'alice'), answer(b, 'bob')]);
        expect(
          outcomes.filter((o) => o === null),
          `round ${i}`,
        ).toHaveLength(1);
        expect(outcomes.find((o) => o !== null)).toBeInstanceOf(TaskAlreadyResolvedError);
        const winner = outcomes[0] === null ? 'alice' : 'bob';
        const task = await a.getTask(id);
        expect(task).toMatchObject({ status: 'resolved', version: 2, responses: [{ principal: winner }] });
        const entries = await a.taskAudit(id);
        expect(entries.map((e) => e.actor)).toEqual(['app', winner]);
        expect(verifyChain({ ...(task as TaskRecord), result: null }, entries).ok).toBe(true);
      }
    });

    it('lets a follower of the run event feed see every event, even ones committed late', async () => {
      for (let i = 0; i < 30; i++) await a.createRun({ id: `f${i}`, workflow: 'feed', input: null }, T0);
      const claims = await a.claimRuns({
        owner: 'w',
        workflows: ['feed'],
        limit: 30,
        now: T0,
        leaseMs: 60_000,
        maxRecoveries: 5,
        active: [],
      });
      const leases = claims.map((c) => c.lease);
      expect(leases).toHaveLength(30);
      const seen = new Set<number>();
      let cursor = await b.lastRunEventId();
      let writing = true;
      const follow = (async () => {
        while (writing) {
          for (const event of await b.runEvents(cursor, 1000)) {
            seen.add(event.id);
            cursor = event.id;
          }
        }
      })();
      await Promise.all(leases.map((lease, i) => (i % 2 ? a : b).completeRun(lease, { output: '1' }, T0)));
      writing = false;
      await follow;
      for (const event of await b.runEvents(cursor, 1000)) seen.add(event.id);
      const all = (await a.runEvents(0, 1000)).filter((e) => e.type === 'run.succeeded');
      expect(all).toHaveLength(30);
      for (const event of all) expect(seen.has(event.id), `event ${event.id} of ${event.runId}`).toBe(true);
    });
  });
}
