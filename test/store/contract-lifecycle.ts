/**
 * The storage contract, continued: a task's lifecycle run created suspended with the task, and
 * ended by the write that ends the task (`NewRun.suspended`, `TaskUpdate.endRun`). Run by
 * `describeStoreContract` for every store.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { type AuditInput, chainAudit } from '../../src/human/audit.ts';
import { taskAfter } from '../../src/human/task-writes.ts';
import type { Store } from '../../src/store/store.ts';
import type { NewTask, TaskRecord, TaskUpdate } from '../../src/store/task-store.ts';

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

/** The first audit entries of a new task. */
const first = (id: string, inputs: AuditInput[]) => chainAudit({ id, auditCount: 0, auditHead: null }, inputs, T0);
const created = (id: string) => first(id, [{ actor: 'app', via: 'api', action: 'created' }]);

/** The update that ends `task` (as read) with `result`, telling its lifecycle run. */
const ended = (task: TaskRecord, result: string): TaskUpdate => ({
  status: 'resolved',
  result,
  audit: chainAudit(task, [{ actor: 'alice', via: 'api', action: 'resolved', outcome: 'approve' }], T0 + 5),
  feed: [{ type: 'task.ended', data: { taskId: task.id } }],
  message: { runId: task.runId, topic: 'settled', idempotencyKey: 'settled' },
  endRun: { runId: task.runId, output: result },
});

/** Ends the task by compare-and-set on the version just read. */
async function end(store: Store, id: string, result: string): Promise<void> {
  const task = await store.getTask(id);
  if (!task) throw new Error(`no task ${id}`);
  expect(await store.applyTaskUpdate(id, task.version, ended(task, result), T0 + 5)).toBe(true);
}

export function describeLifecycleRunContract(current: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  describe('suspended lifecycle runs', () => {
    it('creates the run suspended with the task, its audit entries and deliveries; no worker claims it', async () => {
      const { created, task } = await store.createTask(
        { ...newTask('t1', null), assignees: ['bob', 'alice', 'bob'] },
        { id: 'task:t1', workflow: 'heed.task', input: '{"taskId":"t1"}', suspended: true },
        first('t1', [
          { actor: 'app', via: 'api', action: 'created' },
          { actor: 'system', via: 'inbox', action: 'notified', detail: { kind: 'created' } },
        ]),
        T0,
      );
      expect(created).toBe(true);
      // What createTask returns is built from what it wrote, not read back: the same as a read.
      expect(task).toEqual(await store.getTask('t1'));
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
        created('t2'),
        T0,
      );
      const wait = await store.awaitWait(
        claim.lease,
        { kind: 'child', seq: 1, name: 'task:t2', childId: 'task:t2' },
        T0,
      );
      expect(wait).toEqual({ state: 'waiting', deadline: null });
      expect(await store.suspendRun(claim.lease, T0)).toBe('waiting');

      await end(store, 't2', '{"outcome":"approve"}');
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

    it('asks in one write (askTask): the records, the task with its run as a child, the wait; fenced and atomic', async () => {
      await store.createRun({ id: 'asker2', workflow: 'wf', input: null }, T0);
      const [claim] = await store.claimRuns(claimAll(['wf']));
      if (!claim) throw new Error('asker not claimed');
      const ask = {
        records: [
          { seq: 1, kind: 'value' as const, name: 'uuid', output: '"t4"', error: null },
          { seq: 2, kind: 'step' as const, name: 'heed.ask', output: '"t4"', error: null },
          { seq: 3, kind: 'start' as const, name: 'heed.task', output: '"task:t4"', error: null },
        ],
        wait: { kind: 'child' as const, seq: 4, name: 'task:t4', childId: 'task:t4' },
        task: newTask('t4', 'asker2'),
        run: { id: 'task:t4', workflow: 'heed.task', input: null, parentId: 'asker2', suspended: true },
        audit: created('t4'),
      };
      // Under a lease that is not held: nothing at all is written.
      await expect(store.askTask({ ...claim.lease, token: claim.lease.token + 1 }, ask, T0)).rejects.toMatchObject({
        code: 'LEASE_LOST',
      });
      expect(await store.getTask('t4')).toBeUndefined();
      expect(await store.getRun('task:t4')).toBeUndefined();
      expect(await store.loadHistory('asker2')).toEqual([]);

      expect(await store.askTask(claim.lease, ask, T0)).toEqual({ state: 'waiting', deadline: null });
      expect((await store.loadHistory('asker2')).map((op) => [op.seq, op.ord, op.kind, op.name])).toEqual([
        [1, 1, 'value', 'uuid'],
        [2, 2, 'step', 'heed.ask'],
        [3, 3, 'start', 'heed.task'],
      ]);
      expect(await store.getTask('t4')).toMatchObject({ askedBy: 'asker2', status: 'pending', auditCount: 1 });
      expect(await store.getRun('task:t4')).toMatchObject({ parentId: 'asker2', status: 'waiting' });
      expect((await store.listWaits('asker2')).map((w) => [w.seq, w.kind])).toEqual([[4, 'child']]);
      // Asked again at those positions (another execution got there first): refused, nothing written twice.
      await expect(store.askTask(claim.lease, { ...ask, task: newTask('t5', 'asker2') }, T0)).rejects.toBeDefined();
      expect(await store.getTask('t5')).toBeUndefined();
      expect(await store.suspendRun(claim.lease, T0)).toBe('waiting');
      await end(store, 't4', '{"outcome":"approve"}');
      expect(await store.getRun('asker2')).toMatchObject({ status: 'pending' });
    });

    it('sends the settled message instead to a lifecycle run that is not suspended', async () => {
      await store.createTask(
        newTask('t3', null),
        { id: 'task:t3', workflow: 'heed.task', input: null },
        created('t3'),
        T0,
      );
      const [claim] = await store.claimRuns(claimAll(['heed.task']));
      if (!claim) throw new Error('lifecycle not claimed');
      await end(store, 't3', '{"outcome":"approve"}');
      // Still its own: running, and the message waits in its mailbox for its recv.
      expect(await store.getRun('task:t3')).toMatchObject({ status: 'running' });
      const got = await store.awaitWait(
        claim.lease,
        { kind: 'recv', seq: 1, name: 'settled', topic: 'settled', timeoutMs: null },
        T0 + 6,
      );
      expect(got.state).toBe('ready');
    });

    it('is read back after a write exactly as taskAfter computes it (no read after the write)', async () => {
      await store.createTask(
        { ...newTask('t4', null), assignees: ['bob', 'alice'] },
        { id: 'task:t4', workflow: 'heed.task', input: null, suspended: true },
        created('t4'),
        T0,
      );
      const updates = (task: TaskRecord): TaskUpdate[] => [
        {
          escalationLevel: 1,
          remindersSent: 1,
          addAssignees: [
            { principal: 'carol', level: 1 },
            { principal: 'alice', level: 1 },
          ],
          audit: chainAudit(task, [{ actor: 'system', via: 'timer', action: 'escalated' }], T0 + 1),
          feed: [{ type: 'task.escalated', data: { taskId: 't4', level: 1 } }],
        },
        {
          response: { principal: 'carol', outcome: 'approve', via: 'api', comment: null, data: null, args: null },
          audit: chainAudit(task, [{ actor: 'carol', via: 'api', action: 'responded', outcome: 'approve' }], T0 + 2),
        },
        {
          response: { principal: 'alice', outcome: 'approve', via: 'api', comment: 'ok', data: '{"a":1}', args: null },
          ...ended(task, '{"outcome":"approve"}'),
        },
      ];
      for (let step = 0; step < 3; step++) {
        const task = (await store.getTask('t4')) as TaskRecord;
        const update = updates(task)[step] as TaskUpdate;
        expect(await store.applyTaskUpdate('t4', task.version, update, T0 + 10 + step)).toBe(true);
        expect(await store.getTask('t4')).toEqual(taskAfter(task, update, T0 + 10 + step));
      }
    });
  });
}
