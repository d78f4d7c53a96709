/**
 * The human layer's read-decide-write loop (`decideAndWrite`) against a real store (SQLite or PostgreSQL), with a
 * second writer that changes the task between each read and write (the race another process can
 * win at any moment).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TaskContendedError } from '../../src/errors.ts';
import { verifyChain } from '../../src/human/audit.ts';
import { decideAndWrite, MAX_WRITE_ATTEMPTS } from '../../src/human/task-writes.ts';
import type { Store } from '../../src/store/store.ts';
import { testStore } from '../helpers.ts';
import type { TaskRecord, TaskStore } from '../../src/store/task-store.ts';
import { VirtualClock } from '../../src/time/virtual-clock.ts';
import { createdEntry } from '../store/contract-tasks.ts';

const T0 = 1_000_000;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function storeWithTask(): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), 'heed-writes-'));
  dirs.push(dir);
  const store = testStore(join(dir, 'heed.db'));
  await store.init();
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
    { id: 'task:t1', workflow: 'heed.task', input: null },
    [createdEntry('t1', T0)],
    T0,
  );
  return store;
}

/** The store as seen by a writer that loses the race on its first `races` reads: another writer bumps the task right after each. */
function racing(store: Store, races: number): Pick<TaskStore, 'getTask' | 'applyTaskUpdate'> {
  let left = races;
  return {
    getTask: async (id) => {
      const task = await store.getTask(id);
      if (task && left-- > 0) {
        await store.applyTaskUpdate(id, task.version, { remindersSent: task.remindersSent + 1 }, T0);
      }
      return task;
    },
    applyTaskUpdate: (id, expectedVersion, update, now) => store.applyTaskUpdate(id, expectedVersion, update, now),
  };
}

const viewed = (task: TaskRecord) => ({
  update: { audit: [{ actor: 'user:bob', via: 'web', action: 'viewed' }] },
  value: task.version,
});

describe('decideAndWrite', () => {
  it('reads again and decides again after losing a race, continuing the chain the winner wrote', async () => {
    const store = await storeWithTask();
    const seen = await decideAndWrite(racing(store, 3), new VirtualClock(T0), 't1', viewed);
    // Decided on the fourth read, after the three writes that won.
    expect(seen).toBe(4);
    const task = (await store.getTask('t1')) as TaskRecord;
    expect(task).toMatchObject({ version: 5, remindersSent: 3, auditCount: 2 });
    expect(verifyChain(task, await store.taskAudit('t1')).ok).toBe(true);
    await store.close();
  });

  it('gives up with TaskContendedError when it never wins, having written nothing', async () => {
    const store = await storeWithTask();
    const error = await decideAndWrite(
      racing(store, Number.POSITIVE_INFINITY),
      new VirtualClock(T0),
      't1',
      viewed,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskContendedError);
    expect(error).toMatchObject({ code: 'TASK_CONTENDED' });
    expect(await store.getTask('t1')).toMatchObject({ remindersSent: MAX_WRITE_ATTEMPTS, auditCount: 1 });
    expect((await store.taskAudit('t1')).map((e) => e.action)).toEqual(['created']);
    await store.close();
  });
});
