/**
 * Retention on SQLite (see `retention-store.ts` for the contract). Each function runs inside one
 * `Database.write`: a savepoint of the group commit, so a batch is atomic and commits with
 * whatever else the process wrote in that turn. SQLite has one writer at a time, so a batch needs
 * no locks of its own: it re-reads every condition inside the write transaction, and a concurrent
 * sweeper in another process runs strictly before or after it. Batches are kept small because a
 * write holds the event loop (node:sqlite is synchronous) and the file's write lock while it runs.
 */
import { decodeCursor, encodeCursor } from '../page-cursor.ts';
import type { PruneBatch, PruneRequest } from '../retention-store.ts';
import type { Database } from './database.ts';

const FINISHED = `('succeeded', 'failed', 'cancelled')`;
const START: [number, string] = [Number.MIN_SAFE_INTEGER, ''];

interface TreeRun {
  id: string;
  status: string;
  updated_at: number;
}

/**
 * Root runs that finished before `before`, after the cursor, oldest first. The cursor is a row
 * value, `(updated_at, id) > (?, ?)`: SQLite seeks the index to it (spelled out with OR, it would
 * scan the index from its start on every batch).
 */
function finishedRoots(db: Database, request: PruneRequest): { id: string; updated_at: number }[] {
  const [at, id] = request.after ? decodeCursor(request.after) : START;
  return db.all(
    `SELECT id, updated_at FROM runs INDEXED BY runs_finished
     WHERE parent_id IS NULL AND status IN ${FINISHED} AND updated_at < ?
       AND (updated_at, id) > (?, ?)
     ORDER BY updated_at, id LIMIT ?`,
    request.before,
    at,
    id,
    request.limit,
  );
}

/**
 * The run and all its descendants. CROSS JOIN fixes the join order (tree first, then an index
 * seek into runs): left to itself, SQLite scans every run for each tree.
 */
function selectTree(db: Database, rootId: string): TreeRun[] {
  return db.all<TreeRun>(
    `WITH RECURSIVE tree(id) AS (
       SELECT ? UNION ALL SELECT runs.id FROM tree CROSS JOIN runs ON runs.parent_id = tree.id
     )
     SELECT runs.id, runs.status, runs.updated_at FROM tree CROSS JOIN runs ON runs.id = tree.id`,
    rootId,
  );
}

/** Whether a whole tree may go: every run finished before `before`, none named by a pending task. */
function prunable(db: Database, tree: readonly TreeRun[], before: number): boolean {
  for (const run of tree) {
    if (!['succeeded', 'failed', 'cancelled'].includes(run.status) || run.updated_at >= before) return false;
  }
  const ids = JSON.stringify(tree.map((r) => r.id));
  return !db.get(
    `SELECT 1 AS named FROM tasks WHERE status = 'pending' AND run_id IN (SELECT value FROM json_each(?))
     UNION ALL
     SELECT 1 FROM tasks WHERE status = 'pending' AND asked_by IN (SELECT value FROM json_each(?))
     LIMIT 1`,
    ids,
    ids,
  );
}

/**
 * Deletes up to `budget` feed rows of the runs: their run events and statuses, or with
 * `progressBefore` only their `progress` events written before that time. Returns how many.
 */
function deleteFeeds(db: Database, runIds: readonly string[], budget: number, progressBefore?: number): number {
  const statements: [string, ...number[]][] =
    progressBefore === undefined
      ? [
          ['DELETE FROM run_events WHERE id IN (SELECT id FROM run_events WHERE run_id = ? LIMIT ?)'],
          ['DELETE FROM statuses WHERE id IN (SELECT id FROM statuses WHERE run_id = ? LIMIT ?)'],
        ]
      : [
          [
            `DELETE FROM run_events WHERE id IN (
               SELECT id FROM run_events WHERE run_id = ? AND type = 'progress' AND created_at < ? LIMIT ?)`,
            progressBefore,
          ],
        ];
  let deleted = 0;
  for (const runId of runIds) {
    for (const [statement, ...params] of statements) {
      deleted += db.run(statement, runId, ...params, budget - deleted);
      if (deleted >= budget) return deleted;
    }
  }
  return deleted;
}

/** Deletes the runs with their history, waits and messages (their feeds are gone already). */
function deleteRuns(db: Database, runIds: readonly string[]): number {
  let deleted = 0;
  for (const runId of runIds) {
    deleted += db.run('DELETE FROM operations WHERE run_id = ?', runId);
    deleted += db.run('DELETE FROM waits WHERE run_id = ?', runId);
    deleted += db.run('DELETE FROM messages WHERE run_id = ?', runId);
    deleted += db.run('DELETE FROM runs WHERE id = ?', runId);
  }
  return deleted;
}

/** See `RetentionStore.pruneRuns`. */
export function pruneRuns(db: Database, request: PruneRequest): PruneBatch {
  const roots = finishedRoots(db, request);
  let items = 0;
  let rows = 0;
  let next = request.after ?? null;
  for (const root of roots) {
    const tree = selectTree(db, root.id);
    if (prunable(db, tree, request.before)) {
      const ids = tree.map((r) => r.id);
      const budget = request.limit - rows;
      const fed = deleteFeeds(db, ids, budget);
      rows += fed;
      // The budget ran out on this tree's feeds: the next batch comes back to it.
      if (fed >= budget) return { items, rows, next, more: true };
      rows += deleteRuns(db, ids);
      items += ids.length;
    }
    next = encodeCursor(root.updated_at, root.id);
    if (rows >= request.limit) return { items, rows, next, more: true };
  }
  return { items, rows, next, more: roots.length >= request.limit };
}

/** See `RetentionStore.pruneProgress`. */
export function pruneProgress(db: Database, request: PruneRequest): PruneBatch {
  const roots = finishedRoots(db, request);
  let rows = 0;
  let next = request.after ?? null;
  for (const root of roots) {
    // Only the runs of the tree that have finished: a run still going may replay its stream.
    const ids = selectTree(db, root.id)
      .filter((r) => ['succeeded', 'failed', 'cancelled'].includes(r.status))
      .map((r) => r.id);
    const budget = request.limit - rows;
    const deleted = deleteFeeds(db, ids, budget, request.before);
    rows += deleted;
    if (deleted >= budget) return { items: rows, rows, next, more: true };
    next = encodeCursor(root.updated_at, root.id);
  }
  return { items: rows, rows, next, more: roots.length >= request.limit };
}

/** See `RetentionStore.pruneDeliveries`. */
export function pruneDeliveries(db: Database, request: PruneRequest): PruneBatch {
  const [at, key] = request.after ? decodeCursor(request.after) : START;
  const candidates = db.all<{ key: string; updated_at: number; pending: number }>(
    `SELECT d.key, d.updated_at,
            EXISTS (SELECT 1 FROM tasks t WHERE t.id = d.task_id AND t.status = 'pending') AS pending
     FROM deliveries d INDEXED BY deliveries_by_updated
     WHERE d.updated_at < ? AND (d.updated_at, d.key) > (?, ?)
     ORDER BY d.updated_at, d.key LIMIT ?`,
    request.before,
    at,
    key,
    request.limit,
  );
  let items = 0;
  let rows = 0;
  for (const candidate of candidates) {
    if (candidate.pending) continue;
    // Re-checked in the statement itself: the write transaction sees the latest state.
    const gone = db.run('DELETE FROM deliveries WHERE key = ? AND updated_at < ?', candidate.key, request.before);
    if (gone === 0) continue;
    items++;
    rows += gone + db.run('DELETE FROM outbox WHERE id = ?', candidate.key);
  }
  const last = candidates.at(-1);
  return {
    items,
    rows,
    next: last ? encodeCursor(last.updated_at, last.key) : (request.after ?? null),
    more: candidates.length >= request.limit,
  };
}

/** See `RetentionStore.pruneTasks`. */
export function pruneTasks(db: Database, request: PruneRequest): PruneBatch {
  const [at, id] = request.after ? decodeCursor(request.after) : START;
  const candidates = db.all<{ id: string; resolved_at: number; keep: number }>(
    `SELECT t.id, t.resolved_at,
            (t.result IS NULL OR EXISTS (
               SELECT 1 FROM runs r WHERE r.id = t.run_id AND r.status NOT IN ${FINISHED})) AS keep
     FROM tasks t INDEXED BY tasks_ended
     WHERE t.status <> 'pending' AND t.resolved_at < ? AND (t.resolved_at, t.id) > (?, ?)
     ORDER BY t.resolved_at, t.id LIMIT ?`,
    request.before,
    at,
    id,
    request.limit,
  );
  let items = 0;
  let rows = 0;
  let next = request.after ?? null;
  for (const task of candidates) {
    if (!task.keep) {
      rows += db.run('DELETE FROM task_assignees WHERE task_id = ?', task.id);
      rows += db.run('DELETE FROM task_responses WHERE task_id = ?', task.id);
      rows += db.run('DELETE FROM task_audit WHERE task_id = ?', task.id);
      rows += db.run('DELETE FROM used_links WHERE task_id = ?', task.id);
      rows += db.run('DELETE FROM deliveries WHERE task_id = ?', task.id);
      rows += db.run('DELETE FROM outbox WHERE task_id = ?', task.id);
      rows += db.run('DELETE FROM tasks WHERE id = ?', task.id);
      items++;
      // Live task lists (tasksVersion) see the change, as they see every other task write.
      db.run('UPDATE task_changes SET n = n + 1 WHERE id = 1');
    }
    next = encodeCursor(task.resolved_at, task.id);
    if (rows >= request.limit) return { items, rows, next, more: true };
  }
  return { items, rows, next, more: candidates.length >= request.limit };
}
