/**
 * The two task writes of the SQLite store, each run inside one write transaction by the caller:
 * a new task with its lifecycle run, and a compare-and-set update. What to write was decided by
 * the human layer; these only apply it, with the run-feed entries and the lifecycle wake-up that
 * must commit in the same transaction (so a wake is never lost).
 */
import { TaskNotFoundError } from '../../errors.ts';
import { newTaskRecord } from '../new-task.ts';
import type { NewRun } from '../store.ts';
import { taskFeeds } from '../task-feeds.ts';
import type { AuditEntry, NewTask, TaskRecord, TaskUpdate } from '../task-store.ts';
import type { Database } from './database.ts';
import { insertMessage, waitsOnTopic } from './mailbox.ts';
import { afterRunEnd } from './run-end.ts';
import { appendRunEvent } from './run-events.ts';
import * as runs from './runs.ts';
import * as tasks from './tasks.ts';

/** `createTask` (see `TaskStore`): the task, its lifecycle run, its first audit entries and deliveries, or the existing task. */
export function writeNewTask(
  db: Database,
  task: NewTask,
  run: NewRun,
  audit: readonly AuditEntry[],
  now: number,
): { task: TaskRecord; created: boolean } {
  const existingId = task.idempotencyKey === null ? undefined : tasks.selectTaskIdByKey(db, task.idempotencyKey);
  const head = audit.at(-1);
  if (
    existingId !== undefined ||
    !tasks.insertTask(db, task, now, { count: head?.seq ?? 0, hash: head?.hash ?? null })
  ) {
    // One writer at a time here (the write lock), so the key read above is still true; the id
    // may be the one taken. (The PostgreSQL store must also look by key again: see its writeNewTask.)
    return { task: tasks.selectTask(db, existingId ?? task.id) as TaskRecord, created: false };
  }
  runs.insertRun(db, run, now);
  tasks.insertAudit(db, task.id, audit);
  for (const delivery of task.deliveries ?? []) tasks.recordDelivery(db, task.id, delivery, now);
  for (const feed of taskFeeds(task.runId, task.askedBy)) {
    appendRunEvent(db, feed, 'task.created', { taskId: task.id, type: task.type, title: task.title }, now);
  }
  return { task: newTaskRecord(task, audit, now), created: true };
}

/**
 * `applyTaskUpdate` (see `TaskStore`): writes only if the task is still at `expectedVersion`.
 * @throws TaskNotFoundError
 */
export function writeTaskUpdate(
  db: Database,
  id: string,
  expectedVersion: number,
  update: TaskUpdate,
  now: number,
): boolean {
  const row = tasks.casTask(db, id, expectedVersion, update, now);
  if (!row) {
    if (!tasks.taskExists(db, id)) throw new TaskNotFoundError(id);
    return false;
  }
  for (const event of update.feed ?? []) {
    for (const feed of taskFeeds(row.run_id, row.asked_by)) appendRunEvent(db, feed, event.type, event.data, now);
  }
  settleLifecycle(db, update, now);
  return true;
}

/**
 * Tells a task's lifecycle run that the task ended: ends it at once if it is suspended
 * (`endRun`), else sends it `message` and wakes it if it waits for it.
 */
function settleLifecycle(db: Database, update: TaskUpdate, now: number): void {
  const { endRun, message } = update;
  if (endRun && runs.succeedSuspended(db, endRun.runId, endRun.output, now)) {
    afterRunEnd(db, endRun.runId, { output: endRun.output }, now);
    return;
  }
  if (message) {
    const { runId, topic, idempotencyKey } = message;
    if (insertMessage(db, { runId, topic, body: 'true', idempotencyKey }, now) !== undefined) {
      if (waitsOnTopic(db, runId, topic)) runs.wakeRun(db, runId, now);
    }
  }
}
