/**
 * The two task writes of the PostgreSQL store, each run inside one transaction by the caller: a
 * new task with its lifecycle run, and a compare-and-set update. What to write was decided by the
 * human layer; these only apply it, with the run-feed entries and the lifecycle wake-up that must
 * commit in the same transaction (so a wake is never lost).
 */
import { TaskNotFoundError } from '../../errors.ts';
import { sentDelivery } from '../delivery-rows.ts';
import { newTaskRecord } from '../new-task.ts';
import { runEndEvent } from '../run-end-event.ts';
import type { Completion, NewRun } from '../store.ts';
import { taskFeeds } from '../task-feeds.ts';
import type { AuditEntry, NewTask, TaskDelivery, TaskRecord, TaskUpdate } from '../task-store.ts';
import * as deliveries from './deliveries.ts';
import * as feeds from './feeds.ts';
import { insertMessage, waitsOnTopic } from './mailbox.ts';
import * as runs from './runs.ts';
import type { Sql } from './sql.ts';
import * as tasks from './tasks.ts';
import * as waits from './waits.ts';

/**
 * `createTask` (see `TaskStore`): the task, its lifecycle run, its first audit entries and
 * deliveries, or the existing task.
 *
 * Two creates racing on one idempotency key (or id): both find no task by key, both insert; the
 * second insert waits on the unique index until the first commits, then does nothing. The task to
 * answer with is then the winner's, found by id *or by key*, read by a new statement (READ
 * COMMITTED: it sees the winner's commit). Reading by this call's own id alone, as it once did,
 * found nothing: the task it would have inserted never was.
 */
export async function writeNewTask(
  sql: Sql,
  task: NewTask,
  run: NewRun,
  audit: readonly AuditEntry[],
  now: number,
): Promise<{ task: TaskRecord; created: boolean }> {
  // A task asked by a run has its lifecycle run as that run's child: lock the parent first, as
  // every child start does, so that a cancel holding the parent sees every child (runs.lockLiveTree).
  // FOR SHARE: children of one parent may start together; only the cancel's FOR UPDATE waits.
  if (run.parentId) await sql.run('SELECT 1 FROM runs WHERE id = $1 FOR SHARE', [run.parentId]);
  const byKey = (): Promise<string | undefined> =>
    task.idempotencyKey === null ? Promise.resolve(undefined) : tasks.selectTaskIdByKey(sql, task.idempotencyKey);
  const existingId = await byKey();
  if (existingId !== undefined) return { task: await existingTask(sql, existingId), created: false };
  const head = audit.at(-1);
  if (!(await tasks.insertTask(sql, task, now, { count: head?.seq ?? 0, hash: head?.hash ?? null }))) {
    // Taken by id, or by key by a create that committed after the read above.
    const sameId = await tasks.selectTask(sql, task.id);
    return { task: sameId ?? (await existingTask(sql, await byKey())), created: false };
  }
  await runs.insertRun(sql, run, now);
  await tasks.insertAudit(sql, task.id, audit);
  for (const delivery of task.deliveries ?? []) await recordDelivery(sql, task.id, delivery, now);
  for (const feed of taskFeeds(task.runId, task.askedBy)) {
    await feeds.appendRunEvent(sql, feed, 'task.created', { taskId: task.id, type: task.type, title: task.title }, now);
  }
  return { task: newTaskRecord(task, audit, now), created: true };
}

/** A task known to exist (tasks are never deleted). */
async function existingTask(sql: Sql, id: string | undefined): Promise<TaskRecord> {
  const found = id === undefined ? undefined : await tasks.selectTask(sql, id);
  if (!found) throw new Error(`The task that took this id or idempotency key (${id ?? 'unknown'}) cannot be read`);
  return found;
}

/**
 * `applyTaskUpdate` (see `TaskStore`): writes only if the task is still at `expectedVersion`.
 * @throws TaskNotFoundError
 */
export async function writeTaskUpdate(
  sql: Sql,
  id: string,
  expectedVersion: number,
  update: TaskUpdate,
  now: number,
): Promise<boolean> {
  const row = await tasks.casTask(sql, id, expectedVersion, update, now);
  if (!row) {
    if (!(await tasks.taskExists(sql, id))) throw new TaskNotFoundError(id);
    return false;
  }
  if (update.delivery) await recordDelivery(sql, id, update.delivery, now);
  for (const event of update.feed ?? []) {
    for (const feed of taskFeeds(row.run_id, row.asked_by)) {
      await feeds.appendRunEvent(sql, feed, event.type, event.data, now);
    }
  }
  await settleLifecycle(sql, update, now);
  return true;
}

/** What follows a run's end in its transaction (run row locked): its end event, its waits removed, its parents woken. */
async function afterRunEnd(sql: Sql, runId: string, completion: Completion, now: number): Promise<void> {
  const event = runEndEvent(completion);
  await feeds.appendRunEvent(sql, runId, event.type, event.data, now);
  await waits.deleteWaits(sql, [runId]);
  await waits.fireChildWaits(sql, runId, now);
}

/**
 * Tells a task's lifecycle run that the task ended: ends it at once if it is suspended
 * (`endRun`), else sends it `message` and wakes it if it waits for it.
 */
async function settleLifecycle(sql: Sql, update: TaskUpdate, now: number): Promise<void> {
  const { endRun, message } = update;
  if (endRun && (await runs.succeedSuspended(sql, endRun.runId, endRun.output, now))) {
    await afterRunEnd(sql, endRun.runId, { output: endRun.output }, now);
    return;
  }
  if (message) {
    const { runId, topic, idempotencyKey } = message;
    await runs.lockRun(sql, runId);
    if ((await insertMessage(sql, { runId, topic, body: 'true', idempotencyKey }, now)) !== undefined) {
      if (await waitsOnTopic(sql, runId, topic)) await runs.wakeRun(sql, runId, now);
    }
  }
}

/** Records a notification of the task as sent. */
async function recordDelivery(sql: Sql, taskId: string, delivery: TaskDelivery, now: number): Promise<void> {
  await deliveries.upsertDelivery(sql, sentDelivery(taskId, delivery), now);
}
