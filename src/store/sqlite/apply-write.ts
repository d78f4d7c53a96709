/**
 * The writes of `writes.ts`, applied to SQLite: one dispatch, {@link applyWrite}, that every
 * write method of `SqliteStore` goes through. It runs inside `Database.write`, in the savepoint of
 * the open group commit: a write that throws is rolled back alone, and resolves only once its
 * group committed.
 *
 * Why no row locks here: `node:sqlite` is synchronous and a write transaction holds the file's
 * write lock (`BEGIN IMMEDIATE`), so a write runs start to end with no other writer in between,
 * in this process or any other. A message, an event, a timer or a child's end can therefore never
 * slip between a run's check of its wait and its suspension.
 */
import { RunNotFoundError, RunStateError } from '../../errors.ts';
import { type RunRow, toRun } from '../rows.ts';
import type { Run, WaitOutcome } from '../store.ts';
import type { Write, WriteResult, WriteResults } from '../writes.ts';
import type { Database } from './database.ts';
import { insertEvent, matchWaits } from './events.ts';
import { insertMessage, returnMessagesFrom, waitsOnTopic } from './mailbox.ts';
import { deleteOperationsFrom, insertHeldOperation, insertOperation } from './operations.ts';
import { afterRunEnd } from './run-end.ts';
import { appendRunEvent } from './run-events.ts';
import * as runs from './runs.ts';
import * as statuses from './statuses.ts';
import { writeNewTask, writeTaskUpdate } from './task-writes.ts';
import * as tasks from './tasks.ts';
import { deleteWaits, fireChildWaits, fireDue, resolveOrRegister } from './waits.ts';

/** Applies `write` (inside `Database.write`) and returns its answer; throws as `writes.ts` says. */
export function applyWrite<W extends Write>(db: Database, write: W): WriteResult<W> {
  return apply(db, write) as WriteResult<W>;
}

function apply(db: Database, write: Write): WriteResults[Write['kind']] {
  switch (write.kind) {
    case 'createRun': {
      const created = runs.insertRun(db, write.run, write.now);
      return { run: toRun(runs.selectRun(db, write.run.id) as RunRow), created };
    }
    case 'recordOperation':
      insertHeldOperation(db, write.lease, write.operation, write.now);
      return;
    case 'publishStatus': {
      const { lease, seq, key, value, now } = write;
      runs.assertLease(db, lease);
      insertOperation(db, lease, { seq, kind: 'status', name: key, output: null, error: null }, now);
      appendRunEvent(db, lease.runId, 'status', { key, value: value === null ? null : JSON.parse(value) }, now);
      return statuses.insertStatus(db, lease.runId, key, value, now);
    }
    case 'startChild':
      return startChild(db, write);
    case 'awaitWait':
      runs.assertLease(db, write.lease);
      return resolveOrRegister(db, write.lease, write.request, write.now);
    case 'suspendRun':
      return runs.suspendRun(db, write.lease, write.now);
    case 'completeRun':
      runs.finishRun(db, write.lease, write.completion, write.now);
      afterRunEnd(db, write.lease.runId, write.completion, write.now);
      return;
    case 'releaseRun':
      runs.releaseRun(db, write.lease, write.now);
      return;
    case 'appendProgress': {
      const { lease, data, now } = write;
      const held = db.get(
        `SELECT 1 AS held FROM runs WHERE id = ? AND lease_token = ? AND status = 'running'`,
        lease.runId,
        lease.token,
      );
      if (!held) return false;
      appendRunEvent(db, lease.runId, 'progress', data === null ? null : JSON.parse(data), now);
      return true;
    }
    case 'sendMessage': {
      const { message, now } = write;
      if (!runs.selectRun(db, message.runId)) throw new RunNotFoundError(message.runId);
      const id = insertMessage(db, message, now);
      if (id === undefined) return { duplicate: true, woke: false };
      const woke = waitsOnTopic(db, message.runId, message.topic) && runs.wakeRun(db, message.runId, now);
      return { duplicate: false, woke };
    }
    case 'emitEvent': {
      const { name, data, now } = write;
      const eventId = insertEvent(db, name, data, now);
      const matched = matchWaits(db, eventId, name, data === null ? undefined : JSON.parse(data));
      let woken = 0;
      for (const runId of matched) if (runs.wakeRun(db, runId, now)) woken++;
      return { eventId, woken };
    }
    case 'fireDueTimers': {
      const fired = fireDue(db, write.now, write.limit);
      for (const runId of new Set(fired)) runs.wakeRun(db, runId, write.now);
      return fired.length;
    }
    case 'cancelRun':
      return cancelRun(db, write.runId, write.now);
    case 'resumeRun':
      return resumeRun(db, write);
    case 'blockRun':
      runs.blockRun(db, write.lease, write.error, write.now);
      appendRunEvent(db, write.lease.runId, 'run.blocked', { error: JSON.parse(write.error) }, write.now);
      return;
    case 'createTask':
      return writeNewTask(db, write.task, write.run, write.audit, write.now);
    case 'askTask':
      return askTask(db, write);
    case 'updateTask':
      return writeTaskUpdate(db, write.taskId, write.expectedVersion, write.update, write.now);
  }
}

function startChild(db: Database, write: Extract<Write, { kind: 'startChild' }>): Run {
  const { lease, seq, name, child, now } = write;
  runs.assertLease(db, lease);
  let existing: RunRow | undefined;
  if (!runs.insertRun(db, { ...child, parentId: lease.runId }, now)) {
    existing = runs.selectRun(db, child.id) as RunRow;
    if (existing.workflow !== child.workflow || existing.parent_id !== lease.runId) {
      throw new RunStateError(
        `Cannot start child "${child.id}" of workflow "${child.workflow}": that id belongs to a run of workflow "${existing.workflow}"${existing.parent_id === lease.runId ? '' : ' that is not a child of this run'}`,
      );
    }
  }
  insertOperation(db, lease, { seq, kind: 'start', name, output: JSON.stringify(child.id), error: null }, now);
  return toRun(existing ?? (runs.selectRun(db, child.id) as RunRow));
}

/** `ctx.ask` fused: the records, the task with its lifecycle run, and the wait for that run, in one go. */
function askTask(db: Database, write: Extract<Write, { kind: 'askTask' }>): WaitOutcome {
  const { lease, records, wait, task, run, audit, now } = write;
  runs.assertLease(db, lease);
  const [first, ...rest] = records;
  if (first) insertOperation(db, lease, first, now);
  if (!writeNewTask(db, task, { ...run, parentId: lease.runId }, audit, now).created) {
    throw new RunStateError(`Cannot ask: the id of task "${task.id}" is taken`);
  }
  for (const record of rest) insertOperation(db, lease, record, now);
  return resolveOrRegister(db, lease, wait, now);
}

function cancelRun(db: Database, id: string, now: number): string[] {
  if (!runs.selectRun(db, id)) throw new RunNotFoundError(id);
  const ids = runs.selectLiveTree(db, id);
  for (const runId of ids) {
    runs.markCancelled(db, runId, now);
    appendRunEvent(db, runId, 'run.cancelled', null, now);
    deleteWaits(db, runId);
    for (const parent of fireChildWaits(db, runId)) runs.wakeRun(db, parent, now);
  }
  tasks.cancelTasksOfRuns(db, ids, now);
  return ids;
}

function resumeRun(db: Database, write: Extract<Write, { kind: 'resumeRun' }>): Run {
  const { runId: id, now } = write;
  const run = runs.selectRun(db, id);
  if (!run) throw new RunNotFoundError(id);
  if (run.status !== 'failed' && run.status !== 'cancelled' && run.status !== 'blocked') {
    throw new RunStateError(`Run "${id}" is ${run.status}; only failed, cancelled or blocked runs can be resumed`);
  }
  if (write.workflow !== undefined) runs.setWorkflow(db, id, write.workflow);
  appendRunEvent(
    db,
    id,
    'run.resumed',
    { by: write.by ?? null, from: run.status, workflow: write.workflow ?? run.workflow },
    now,
  );
  if (run.failed_seq !== null) {
    deleteOperationsFrom(db, id, run.failed_seq);
    returnMessagesFrom(db, id, run.failed_seq);
  }
  runs.markResumed(db, id, now);
  return toRun(runs.selectRun(db, id) as RunRow);
}
