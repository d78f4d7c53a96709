/**
 * The storage contract, continued: every method of `TaskStore` (tasks, compare-and-set updates,
 * deliveries, links, inbox queries, audit) and the store's small feeds and settings. Run by
 * `describeStoreContract` for every store.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { TaskNotFoundError } from '../../src/errors.ts';
import { type AuditInput, auditHash, chainAudit, GENESIS_HASH, verifyChain } from '../../src/human/audit.ts';
import type { Store } from '../../src/store/store.ts';
import type { NewTask, TaskRecord } from '../../src/store/task-store.ts';

const T0 = 2_000_000;

function newTask(id: string, overrides: Partial<NewTask> = {}): NewTask {
  return {
    id,
    type: 'approval',
    title: `Task ${id}`,
    spec: '{"title":"x"}',
    requester: 'app',
    idempotencyKey: null,
    runId: `task:${id}`,
    askedBy: null,
    deadline: null,
    assignees: ['alice'],
    ...overrides,
  };
}

/** The first audit entry of a new task, chained as the human layer does. */
export function createdEntry(id: string, at: number, actor = 'app') {
  const [entry] = chainAudit({ id, auditCount: 0, auditHead: null }, [{ actor, via: 'api', action: 'created' }], at);
  if (!entry) throw new Error('no entry');
  return entry;
}

/** Audit entries continuing `task`'s chain. */
export function continueChain(task: TaskRecord, inputs: AuditInput[], at: number) {
  return chainAudit(task, inputs, at);
}

export function describeTaskStoreContract(current: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  async function create(id: string, overrides: Partial<NewTask> = {}, at = T0) {
    const task = newTask(id, overrides);
    return store.createTask(task, { id: task.runId, workflow: 'heed.task', input: null }, [createdEntry(id, at)], at);
  }

  describe('tasks', () => {
    it('creates a task with its lifecycle run and first audit entry, idempotently by id and by key', async () => {
      const first = await create('t1', { idempotencyKey: 'k1', askedBy: null });
      expect(first.created).toBe(true);
      expect(first.task).toMatchObject({
        id: 't1',
        status: 'pending',
        type: 'approval',
        runId: 'task:t1',
        assignees: [{ principal: 'alice', level: 0 }],
        responses: [],
        auditCount: 1,
        version: 1,
        createdAt: T0,
      });
      expect(await store.getRun('task:t1')).toMatchObject({ workflow: 'heed.task', status: 'pending' });
      expect((await create('t1')).created).toBe(false);
      const byKey = await create('t2', { idempotencyKey: 'k1' });
      expect(byKey).toMatchObject({ created: false, task: { id: 't1' } });
      expect(await store.getTask('t2')).toBeUndefined();
      expect((await store.runEvents(0, 10, 'task:t1')).map((e) => e.type)).toEqual(['task.created']);
    });

    it('answers every one of many concurrent creates with one idempotency key with the same task, created once', async () => {
      for (let round = 0; round < 5; round++) {
        const key = `race-${round}`;
        const answers = await Promise.all(
          Array.from({ length: 12 }, (_, i) => create(`race-${round}-${i}`, { idempotencyKey: key })),
        );
        const ids = new Set(answers.map((a) => a.task?.id));
        expect(ids.size, `round ${round}: ${[...ids].join(', ')}`).toBe(1);
        expect(answers.filter((a) => a.created)).toHaveLength(1);
        const [id] = ids;
        expect(answers.every((a) => a.task.idempotencyKey === key && a.task.status === 'pending')).toBe(true);
        expect((await store.listTasks({ limit: 100 })).items.filter((t) => t.idempotencyKey === key)).toHaveLength(1);
        expect(await store.getRun(`task:${id}`)).toMatchObject({ workflow: 'heed.task' });
      }
    });

    it('lists tasks newest first with filters and pages', async () => {
      await create('a', { type: 'x', requester: 'r1', deadline: T0 + 100 }, T0);
      await create('b', { type: 'y', requester: 'r2' }, T0 + 1);
      await create('c', { type: 'x', requester: 'r1', deadline: T0 + 5 }, T0 + 2);
      const first = await store.listTasks({ limit: 2 });
      expect(first.items.map((t) => t.id)).toEqual(['c', 'b']);
      const second = await store.listTasks({ limit: 2, cursor: first.nextCursor ?? undefined });
      expect(second.items.map((t) => t.id)).toEqual(['a']);
      expect(second.nextCursor).toBeNull();
      expect((await store.listTasks({ type: 'x' })).items.map((t) => t.id)).toEqual(['c', 'a']);
      expect((await store.listTasks({ requester: 'r2' })).items.map((t) => t.id)).toEqual(['b']);
      expect((await store.listTasks({ createdAfter: T0 + 1 })).items.map((t) => t.id)).toEqual(['c', 'b']);
      expect((await store.listTasks({ createdBefore: T0 + 1 })).items.map((t) => t.id)).toEqual(['a']);
      expect((await store.listTasks({ deadlineBefore: T0 + 50 })).items.map((t) => t.id)).toEqual(['c']);
      await expect(store.listTasks({ cursor: 'garbage' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });

    it('lists the tasks a run asked (askedBy)', async () => {
      await create('a1', { askedBy: 'run-a' }, T0);
      await create('b1', { askedBy: 'run-b' }, T0 + 1);
      await create('a2', { askedBy: 'run-a' }, T0 + 2);
      expect((await store.listTasks({ askedBy: 'run-a' })).items.map((t) => t.id)).toEqual(['a2', 'a1']);
      expect(await store.applyTaskUpdate('a1', 1, { status: 'resolved', result: '{"outcome":"ok"}' }, T0 + 3)).toBe(
        true,
      );
      expect((await store.listTasks({ askedBy: 'run-a', status: 'pending' })).items.map((t) => t.id)).toEqual(['a2']);
    });

    it('changes tasksVersion on every task write, even two in the same millisecond', async () => {
      const seen = new Set([await store.tasksVersion()]);
      const note = async () => {
        const version = await store.tasksVersion();
        expect(seen.has(version)).toBe(false);
        seen.add(version);
      };
      await create('v1', {}, T0);
      await note();
      // A change at the same instant as the task's creation, then another one.
      expect(await store.applyTaskUpdate('v1', 1, { remindersSent: 1 }, T0)).toBe(true);
      await note();
      expect(await store.applyTaskUpdate('v1', 2, { escalationLevel: 1 }, T0)).toBe(true);
      await note();
      await create('v2', {}, T0);
      await note();
      // A refused compare-and-set writes nothing: the version stays.
      const before = await store.tasksVersion();
      expect(await store.applyTaskUpdate('v1', 1, { remindersSent: 2 }, T0)).toBe(false);
      expect(await store.tasksVersion()).toBe(before);
    });

    it('serves inboxes per principal, open tasks to everyone, by status and type, in pages', async () => {
      await create('mine', { assignees: ['alice'] }, T0);
      await create('open', { assignees: [], type: 'review' }, T0 + 1);
      await create('bobs', { assignees: ['bob'] }, T0 + 2);
      await create('both', { assignees: ['alice', 'bob'] }, T0 + 3);
      expect((await store.inbox(['alice'], {})).items.map((t) => t.id)).toEqual(['both', 'open', 'mine']);
      expect((await store.inbox(['bob', 'group:x'], {})).items.map((t) => t.id)).toEqual(['both', 'bobs', 'open']);
      expect((await store.inbox(['alice'], { type: 'review' })).items.map((t) => t.id)).toEqual(['open']);
      const page1 = await store.inbox(['alice', 'bob'], { limit: 2 });
      expect(page1.items.map((t) => t.id)).toEqual(['both', 'bobs']);
      const page2 = await store.inbox(['alice', 'bob'], { limit: 2, cursor: page1.nextCursor ?? undefined });
      expect(page2.items.map((t) => t.id)).toEqual(['open', 'mine']);
      expect(await store.applyTaskUpdate('mine', 1, { status: 'resolved', result: '{"outcome":"ok"}' }, T0 + 9)).toBe(
        true,
      );
      expect((await store.inbox(['alice'], {})).items.map((t) => t.id)).toEqual(['both', 'open']);
      expect((await store.inbox(['alice'], { status: 'resolved' })).items.map((t) => t.id)).toEqual(['mine']);
    });

    it('moves a task from some assignees to others (reassign): inboxes follow, at once', async () => {
      await create('moved', { assignees: ['alice', 'group:ops'] }, T0);
      expect(
        await store.applyTaskUpdate(
          'moved',
          1,
          { removeAssignees: ['alice', 'group:ops'], addAssignees: [{ principal: 'bob', level: 0 }] },
          T0 + 1,
        ),
      ).toBe(true);
      expect((await store.getTask('moved'))?.assignees).toEqual([{ principal: 'bob', level: 0 }]);
      expect((await store.inbox(['alice'], {})).items).toEqual([]);
      expect((await store.inbox(['group:ops'], {})).items).toEqual([]);
      expect((await store.inbox(['bob'], {})).items.map((t) => t.id)).toEqual(['moved']);
      // Removed and added back in one update: it stays (removals apply first).
      expect(
        await store.applyTaskUpdate(
          'moved',
          2,
          {
            removeAssignees: ['bob'],
            addAssignees: [
              { principal: 'bob', level: 0 },
              { principal: 'carol', level: 0 },
            ],
          },
          T0 + 2,
        ),
      ).toBe(true);
      expect((await store.getTask('moved'))?.assignees.map((a) => a.principal)).toEqual(['bob', 'carol']);
    });

    it('applies a decision atomically: response, assignees, audit, status, result, delivery, feed and message', async () => {
      const { task: created } = await create('t1', { askedBy: null });
      await store.createRun({ id: 'asker', workflow: 'wf', input: null }, T0);
      const before = await store.tasksVersion();
      const audit = continueChain(
        created,
        [
          { actor: 'alice', via: 'api', action: 'responded', outcome: 'approve', shownHash: 'h', detail: { n: 1 } },
          { actor: 'alice', via: 'api', action: 'resolved', outcome: 'approve' },
        ],
        T0 + 10,
      );
      const value = await store.applyTaskUpdate(
        't1',
        created.version,
        {
          status: 'resolved',
          result: '{"outcome":"approve","by":"alice"}',
          escalationLevel: 1,
          remindersSent: 2,
          addAssignees: [{ principal: 'carol', level: 1 }],
          response: { principal: 'alice', outcome: 'approve', via: 'api', comment: 'ok', data: '{"a":1}', args: null },
          audit,
          feed: [{ type: 'task.ended', data: { taskId: 't1', status: 'resolved', outcome: 'approve', by: 'alice' } }],
          delivery: { key: 't1:created:0:email', channel: 'email' },
          message: { runId: 'asker', topic: 'settled', idempotencyKey: 't1:settled' },
        },
        T0 + 10,
      );
      expect(value).toBe(true);
      const task = await store.getTask('t1');
      expect(task).toMatchObject({
        status: 'resolved',
        result: '{"outcome":"approve","by":"alice"}',
        escalationLevel: 1,
        remindersSent: 2,
        resolvedAt: T0 + 10,
        updatedAt: T0 + 10,
        version: 2,
        auditCount: 3,
        auditHead: audit[1]?.hash,
        assignees: [
          { principal: 'alice', level: 0 },
          { principal: 'carol', level: 1 },
        ],
        responses: [
          {
            principal: 'alice',
            outcome: 'approve',
            via: 'api',
            comment: 'ok',
            data: '{"a":1}',
            args: null,
            at: T0 + 10,
          },
        ],
      });
      expect((await store.taskAudit('t1')).slice(1)).toEqual(audit);
      expect(verifyChain({ ...(task as TaskRecord), result: null }, await store.taskAudit('t1')).ok).toBe(true);
      expect(await store.hasDelivery('t1:created:0:email')).toBe(true);
      expect(await store.hasDelivery('t1:created:0:slack')).toBe(false);
      expect(await store.tasksVersion()).not.toBe(before);
      // The message is in the asker's mailbox (kept until a recv takes it).
      const [claim] = await store.claimRuns({
        owner: 'w',
        workflows: ['wf'],
        limit: 1,
        now: T0 + 11,
        leaseMs: 1000,
        maxRecoveries: 5,
        active: [],
      });
      const got = await store.awaitWait(
        claim?.lease ?? { runId: 'asker', token: 0 },
        { kind: 'recv', seq: 1, name: 'settled', topic: 'settled', timeoutMs: null },
        T0 + 11,
      );
      expect(got.state).toBe('ready');
      const events = await store.runEvents(0, 10, 'task:t1');
      expect(events.map((e) => e.type)).toEqual(['task.created', 'task.ended']);
      expect(events[1]?.data).toMatchObject({ taskId: 't1', status: 'resolved', outcome: 'approve', by: 'alice' });
    });

    it('refuses a write at a stale version and writes nothing of it', async () => {
      await store.createRun({ id: 'asker', workflow: 'wf', input: null }, T0);
      const { task: created } = await create('t1', { askedBy: 'asker' });
      const first = continueChain(created, [{ actor: 'bob', via: 'web', action: 'viewed' }], T0 + 1);
      expect(await store.applyTaskUpdate('t1', 1, { remindersSent: 1, audit: first }, T0 + 1)).toBe(true);
      const current = (await store.getTask('t1')) as TaskRecord;
      expect(current).toMatchObject({ version: 2, remindersSent: 1, auditCount: 2, updatedAt: T0 + 1 });
      const eventsBefore = await store.runEvents(0, 100);
      // A writer that read version 1 decided without seeing the write above: refused, whole.
      const stale = await store.applyTaskUpdate(
        't1',
        1,
        {
          status: 'resolved',
          result: '{"outcome":"approve"}',
          escalationLevel: 1,
          addAssignees: [{ principal: 'carol', level: 1 }],
          response: { principal: 'alice', outcome: 'approve', via: 'api', comment: null, data: null, args: null },
          audit: continueChain(created, [{ actor: 'alice', via: 'api', action: 'responded' }], T0 + 2),
          feed: [{ type: 'task.ended', data: { taskId: 't1' } }],
          delivery: { key: 't1:created:0:email', channel: 'email' },
          message: { runId: 'asker', topic: 'settled', idempotencyKey: 't1:settled' },
        },
        T0 + 2,
      );
      expect(stale).toBe(false);
      expect(await store.getTask('t1')).toEqual(current);
      expect(await store.taskAudit('t1')).toHaveLength(2);
      expect(await store.hasDelivery('t1:created:0:email')).toBe(false);
      expect(await store.runEvents(0, 100)).toEqual(eventsBefore);
      expect(await store.getRun('asker')).toMatchObject({ status: 'pending' });
      const [claim] = await store.claimRuns({
        owner: 'w',
        workflows: ['wf'],
        limit: 1,
        now: T0 + 3,
        leaseMs: 1000,
        maxRecoveries: 5,
        active: [],
      });
      const recv = await store.awaitWait(
        claim?.lease ?? { runId: 'asker', token: 0 },
        { kind: 'recv', seq: 1, name: 'settled', topic: 'settled', timeoutMs: null },
        T0 + 3,
      );
      expect(recv.state).toBe('waiting');
      // At the current version the same write goes through, and the version moves on by one.
      expect(await store.applyTaskUpdate('t1', 2, { escalationLevel: 1 }, T0 + 4)).toBe(true);
      expect(await store.getTask('t1')).toMatchObject({ version: 3, escalationLevel: 1, remindersSent: 1 });
      await expect(store.applyTaskUpdate('ghost', 1, {}, T0)).rejects.toBeInstanceOf(TaskNotFoundError);
    });

    it('lets exactly one of two writers at the same version win', async () => {
      await create('t1');
      const write = (who: string) =>
        store.applyTaskUpdate('t1', 1, { status: 'resolved', result: JSON.stringify({ by: who }) }, T0 + 1);
      const results = await Promise.all([write('a'), write('b')]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results[0] ? 'a' : 'b';
      expect(await store.getTask('t1')).toMatchObject({ version: 2, result: JSON.stringify({ by: winner }) });
    });

    it('keeps the hash-chained audit log exactly as written', async () => {
      const { task } = await create('t1');
      const entries = continueChain(task, [{ actor: 'bob', via: 'web', action: 'viewed', detail: null }], T0 + 1);
      expect(await store.applyTaskUpdate('t1', task.version, { audit: entries }, T0 + 1)).toBe(true);
      const audit = await store.taskAudit('t1');
      expect(audit.map((a) => [a.seq, a.actor, a.action])).toEqual([
        [1, 'app', 'created'],
        [2, 'bob', 'viewed'],
      ]);
      expect(audit[1]).toEqual(entries[0]);
      expect(audit[0]?.prevHash).toBe(GENESIS_HASH);
      expect(audit[1]?.prevHash).toBe(audit[0]?.hash);
      for (const entry of audit) {
        const { prevHash, hash, ...fields } = entry;
        expect(auditHash(prevHash, fields)).toBe(hash);
      }
      expect(await store.getTask('t1')).toMatchObject({ auditHead: audit[1]?.hash, auditCount: 2 });
      expect(await store.taskAudit('ghost')).toEqual([]);
    });

    it('cancels the pending tasks of cancelled runs', async () => {
      await create('t1');
      expect(await store.cancelRun('task:t1', T0 + 1)).toEqual(['task:t1']);
      // Status and version only: the human layer records the cancellation in the audit log.
      expect(await store.getTask('t1')).toMatchObject({
        status: 'cancelled',
        auditCount: 1,
        version: 2,
        result: null,
        resolvedAt: T0 + 1,
      });
      expect((await store.inbox(['alice'], {})).items).toEqual([]);
      expect((await store.tasksOfRuns(['task:t1', 'other'])).map((t) => t.id)).toEqual(['t1']);
    });

    it('finds the cancelled tasks without a result, by id in pages, and no others', async () => {
      for (const id of ['c3', 'c1', 'c2', 'done', 'open', 'settled']) await create(id);
      for (const id of ['c3', 'c1', 'c2', 'settled']) await store.cancelRun(`task:${id}`, T0 + 1);
      expect(await store.applyTaskUpdate('done', 1, { status: 'resolved', result: '{"outcome":"ok"}' }, T0 + 2)).toBe(
        true,
      );
      expect(await store.applyTaskUpdate('settled', 2, { result: '{"outcome":"cancelled"}' }, T0 + 2)).toBe(true);
      expect((await store.unsettledCancelledTasks(10)).map((t) => t.id)).toEqual(['c1', 'c2', 'c3']);
      const first = await store.unsettledCancelledTasks(2);
      expect(first.map((t) => t.id)).toEqual(['c1', 'c2']);
      expect((await store.unsettledCancelledTasks(2, first.at(-1)?.id)).map((t) => t.id)).toEqual(['c3']);
      expect(first[0]).toMatchObject({ status: 'cancelled', result: null, assignees: [{ principal: 'alice' }] });
    });

    it('uses one-click link nonces once', async () => {
      expect(await store.linkUsed('n1')).toBe(false);
      expect(await store.useLink('n1', 't1', T0)).toBe(true);
      expect(await store.useLink('n1', 't1', T0)).toBe(false);
      expect(await store.linkUsed('n1')).toBe(true);
    });
  });

  describe('deliveries and the outbox', () => {
    it('writes a delivery by key, replaces its state, lists a task\'s, and counts only "sent" as delivered', async () => {
      await create('d');
      const base = {
        key: 'd:created:0:email:alice@example.com',
        taskId: 'd',
        channel: 'email',
        recipient: 'user:alice',
        event: 'created:0',
        error: null,
        ref: null,
      };
      await store.putDelivery({ ...base, status: 'pending', attempts: 1 }, T0);
      expect(await store.hasDelivery(base.key)).toBe(false);
      await store.putDelivery({ ...base, status: 'sent', attempts: 2, ref: '{"messageId":"<m1>"}' }, T0 + 5);
      expect(await store.getDelivery(base.key)).toMatchObject({
        status: 'sent',
        attempts: 2,
        ref: '{"messageId":"<m1>"}',
        createdAt: T0,
        updatedAt: T0 + 5,
      });
      expect(await store.hasDelivery(base.key)).toBe(true);
      await store.putDelivery(
        { ...base, key: 'd:created:0:slack', channel: 'slack', status: 'failed', attempts: 3, error: 'down' },
        T0 + 1,
      );
      expect((await store.taskDeliveries('d')).map((d) => [d.key, d.status])).toEqual([
        ['d:created:0:email:alice@example.com', 'sent'],
        ['d:created:0:slack', 'failed'],
      ]);
      expect(await store.getDelivery('nope')).toBeUndefined();
    });

    it('records the delivery a task update carries, so a channel is never told twice', async () => {
      await create('u');
      expect(
        await store.applyTaskUpdate('u', 1, { delivery: { key: 'u:created:0:inbox', channel: 'inbox' } }, T0 + 1),
      ).toBe(true);
      expect(await store.hasDelivery('u:created:0:inbox')).toBe(true);
      expect(await store.getDelivery('u:created:0:inbox')).toMatchObject({
        taskId: 'u',
        channel: 'inbox',
        status: 'sent',
      });
    });

    it('keeps outbox messages by id, replaced in place, newest first', async () => {
      const message = { taskId: 'o', channel: 'email', recipient: 'user:alice', address: 'alice@example.com' };
      await store.putOutbox({ ...message, id: 'm1', message: '{"subject":"one"}' }, T0);
      await store.putOutbox({ ...message, id: 'm2', message: '{"subject":"two"}' }, T0 + 1);
      await store.putOutbox({ ...message, id: 'm1', message: '{"subject":"one, closed"}' }, T0 + 2);
      expect(await store.getOutbox('m1')).toMatchObject({
        message: '{"subject":"one, closed"}',
        createdAt: T0,
        updatedAt: T0 + 2,
      });
      expect((await store.listOutbox(10)).map((m) => m.id)).toEqual(['m2', 'm1']);
      expect(await store.listOutbox(1)).toHaveLength(1);
      expect(await store.getOutbox('nope')).toBeUndefined();
    });
  });

  describe('feeds and settings', () => {
    it('keeps settings', async () => {
      expect(await store.getSetting('cursor')).toBeUndefined();
      await store.setSetting('cursor', '1');
      await store.setSetting('cursor', '2');
      expect(await store.getSetting('cursor')).toBe('2');
    });

    it('keeps the first value of a setting set once, whoever asks at the same time: every caller gets it', async () => {
      const values = Array.from({ length: 16 }, (_, i) => `v${i}`);
      const kept = await Promise.all(values.map((value) => store.setSettingOnce('secret', value)));
      expect(new Set(kept).size).toBe(1);
      expect(values).toContain(kept[0]);
      expect(await store.getSetting('secret')).toBe(kept[0]);
      expect(await store.setSettingOnce('secret', 'later')).toBe(kept[0]);
    });

    it('feeds run events in order, of one run or all, from any position', async () => {
      expect(await store.lastRunEventId()).toBe(0);
      await create('a');
      await create('b');
      await store.cancelRun('task:a', T0 + 1);
      const all = await store.runEvents(0, 10);
      expect(all.map((e) => [e.runId, e.type])).toEqual([
        ['task:a', 'task.created'],
        ['task:b', 'task.created'],
        ['task:a', 'run.cancelled'],
      ]);
      expect(await store.lastRunEventId()).toBe(all[2]?.id);
      expect((await store.runEvents(all[0]?.id ?? 0, 10)).map((e) => e.type)).toEqual([
        'task.created',
        'run.cancelled',
      ]);
      expect((await store.runEvents(0, 1)).length).toBe(1);
      expect((await store.runEvents(0, 10, 'task:a')).map((e) => e.type)).toEqual(['task.created', 'run.cancelled']);
    });
  });
}
