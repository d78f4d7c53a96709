/**
 * The storage contract, continued: a task's lifecycle run created suspended with the task, and
 * ended by the write that ends the task (`NewRun.suspended`, `TaskUpdate.endRun`). Run by
 * `describeStoreContract` for every store.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.ts';
import type { NewTask, TaskUpdate } from '../../src/store/task-store.ts';

const T0 = 3_000_000;
const claimAll = (workflows: string[], now = T0) => ({
  owner: 'w1',
  workflows,
  limit: 10,
  now,
  leaseMs: 30_000,
  maxRecoveries: 5,
  active: [],
});

function newTask(id: string, askedBy: string | null): NewTask {
  return {
    id,
    type: 'approval',
    title: `Task ${id}`,
    spec: '{}',
    requester: null,
    idempotencyKey: null,
    runId: `task:${id}`,
    askedBy,
    deadline: null,
    assignees: ['alice'],
    deliveries: [{ key: `${id}:created:0:inbox`, channel: 'inbox', event: 'created:0' }],
  };
}

const ended = (runId: string, result: string): TaskUpdate => ({
  status: 'resolved',
  result,
  audit: [{ actor: 'alice', via: 'api', action: 'resolved', outcome: 'approve' }],
  message: { runId, topic: 'settled', idempotencyKey: 'settled' },
  endRun: { runId, output: result },
});

export function describeLifecycleRunContract(current: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  describe('suspended lifecycle runs', () => {
    it('creates the run suspended with the task, its audit entries and deliveries; no worker claims it', async () => {
      const { created } = await store.createTask(
        newTask('t1', null),
        { id: 'task:t1', workflow: 'heed.task', input: '{"taskId":"t1"}', suspended: true },
        [
          { actor: 'app', via: 'api', action: 'created' },
          { actor: 'system', via: 'inbox', action: 'notified', detail: { kind: 'created' } },
        ],
        T0,
      );
      expect(created).toBe(true);
      expect(await store.getRun('task:t1')).toMatchObject({ status: 'waiting', attempts: 0 });
      expect((await store.taskAudit('t1')).map((e) => [e.seq, e.action])).toEqual([
        [1, 'created'],
        [2, 'notified'],
      ]);
      expect(await store.hasDelivery('t1:created:0:inbox')).toBe(true);
      expect(await store.claimRuns(claimAll(['heed.task']))).toEqual([]);
    });

    it('ends a suspended run with the task and wakes the run waiting on it, in one write', async () => {
      await store.createRun({ id: 'asker', workflow: 'wf', input: null }, T0);
      const [claim] = await store.claimRuns(claimAll(['wf']));
      if (!claim) throw new Error('asker not claimed');
      await store.createTask(
        newTask('t2', 'asker'),
        { id: 'task:t2', workflow: 'heed.task', input: null, parentId: 'asker', suspended: true },
        [{ actor: 'app', via: 'api', action: 'created' }],
        T0,
      );
      const wait = await store.awaitWait(
        claim.lease,
        { kind: 'child', seq: 1, name: 'task:t2', childId: 'task:t2' },
        T0,
      );
      expect(wait).toEqual({ state: 'waiting', deadline: null });
      expect(await store.suspendRun(claim.lease, T0)).toBe('waiting');

      await store.updateTask('t2', () => ({ update: ended('task:t2', '{"outcome":"approve"}'), value: null }), T0 + 5);
      expect(await store.getRun('task:t2')).toMatchObject({ status: 'succeeded', output: '{"outcome":"approve"}' });
      expect(await store.listWaits('task:t2')).toEqual([]);
      const feed = await store.runEvents(0, 100, 'task:t2');
      expect(feed.map((e) => e.type)).toEqual(['task.created', 'task.ended', 'run.succeeded']);
      expect(feed.at(-1)?.data).toEqual({ output: { outcome: 'approve' } });
      // The asking run is runnable again and finds its child ended.
      const [again] = await store.claimRuns(claimAll(['wf'], T0 + 6));
      expect(again?.run.id).toBe('asker');
      const ready = await store.awaitWait(
        again?.lease as NonNullable<typeof again>['lease'],
        { kind: 'child', seq: 1, name: 'task:t2', childId: 'task:t2' },
        T0 + 6,
      );
      expect(ready.state).toBe('ready');
      expect(ready.state === 'ready' && JSON.parse(ready.operation.output ?? 'null')).toMatchObject({
        status: 'succeeded',
        output: '{"outcome":"approve"}',
      });
    });

    it('sends the settled message instead to a lifecycle run that is not suspended', async () => {
      await store.createTask(
        newTask('t3', null),
        { id: 'task:t3', workflow: 'heed.task', input: null },
        [{ actor: 'app', via: 'api', action: 'created' }],
        T0,
      );
      const [claim] = await store.claimRuns(claimAll(['heed.task']));
      if (!claim) throw new Error('lifecycle not claimed');
      await store.updateTask('t3', () => ({ update: ended('task:t3', '{"outcome":"approve"}'), value: null }), T0 + 5);
      // Still its own: running, and the message waits in its mailbox for its recv.
      expect(await store.getRun('task:t3')).toMatchObject({ status: 'running' });
      const got = await store.awaitWait(
        claim.lease,
        { kind: 'recv', seq: 1, name: 'settled', topic: 'settled', timeoutMs: null },
        T0 + 6,
      );
      expect(got.state).toBe('ready');
    });
  });
}
