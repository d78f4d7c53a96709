/**
 * Retention on PostgreSQL (see `retention-store.ts` for the contract). Each function runs in one
 * READ COMMITTED transaction. Concurrency:
 *
 * - What a batch deletes as a unit (a run tree, a task) is locked first with `FOR UPDATE SKIP
 *   LOCKED`, and every condition is checked again on the locked rows. A row someone else holds (a
 *   worker, a resume, a response, another sweeper's batch) is skipped, never waited for: a sweep
 *   never blocks a worker, and two sweepers never delete the same unit twice or deadlock on it.
 * - Anything that would revive a unit takes the same row lock first (`resumeRun` locks the run;
 *   task writes lock the task), so it runs wholly before the batch (the unit is then no longer
 *   prunable) or after it (and finds nothing).
 * - Rows that hang off a unit (history, feeds, audit) are deleted by owner through their indexes.
 *   Feed rows of a finished run are updated by no one but the run event sequencer; if a batch and
 *   the sequencer ever deadlock on them, PostgreSQL aborts one and its transaction runs again.
 */
import { decodeCursor, encodeCursor } from '../page-cursor.ts';
import type { PruneBatch, PruneRequest } from '../retention-store.ts';
import type { Sql } from './sql.ts';

const FINISHED = `('succeeded', 'failed', 'cancelled')`;
const START: [number, string] = [Number.MIN_SAFE_INTEGER, ''];

interface TreeRun {
  id: string;
  status: string;
  updated_at: number;
}

const isFinished = (status: string) => status === 'succeeded' || status === 'failed' || status === 'cancelled';

/** Root runs that finished before `before`, after the cursor, oldest first. */
function finishedRoots(sql: Sql, request: PruneRequest): Promise<{ id: string; updated_at: number }[]> {
  const [at, id] = request.after ? decodeCursor(request.after) : START;
  return sql.rows(
    `SELECT id, updated_at FROM runs
     WHERE parent_id IS NULL AND status IN ${FINISHED} AND updated_at < $1 AND (updated_at, id) > ($2, $3)
     ORDER BY updated_at, id LIMIT $4`,
    [request.before, at, id, request.limit],
  );
}

/** The ids of the run and all its descendants. */
async function treeIds(sql: Sql, rootId: string): Promise<string[]> {
  const rows = await sql.rows<{ id: string }>(
    `WITH RECURSIVE tree(id) AS (
       SELECT id FROM runs WHERE id = $1 UNION ALL SELECT runs.id FROM runs JOIN tree ON runs.parent_id = tree.id
     )
     SELECT id FROM tree`,
    [rootId],
  );
  return rows.map((r) => r.id);
}

/**
 * Locks the whole tree (skipping rows others hold) and says whether it may go: every run locked,
 * finished before `before`, and named by no pending task.
 */
async function lockPrunableTree(sql: Sql, ids: readonly string[], before: number): Promise<boolean> {
  const locked = await sql.rows<TreeRun>(
    'SELECT id, status, updated_at FROM runs WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE SKIP LOCKED',
    [ids],
  );
  if (locked.length !== ids.length) return false;
  if (!locked.every((run) => isFinished(run.status) && run.updated_at < before)) return false;
  const named = await sql.one(
    `SELECT 1 AS named FROM tasks WHERE status = 'pending' AND (run_id = ANY($1::text[]) OR asked_by = ANY($1::text[]))
     LIMIT 1`,
    [ids],
  );
  return named === undefined;
}

/** Deletes up to `budget` feed rows (run events, then statuses) of the runs; returns how many. */
async function deleteFeeds(sql: Sql, ids: readonly string[], budget: number): Promise<number> {
  let deleted = await sql.run(
    'DELETE FROM run_events WHERE id IN (SELECT id FROM run_events WHERE run_id = ANY($1::text[]) LIMIT $2)',
    [ids, budget],
  );
  if (deleted >= budget) return deleted;
  deleted += await sql.run(
    'DELETE FROM statuses WHERE id IN (SELECT id FROM statuses WHERE run_id = ANY($1::text[]) LIMIT $2)',
    [ids, budget - deleted],
  );
  return deleted;
}

/** See `RetentionStore.pruneRuns`. */
export async function pruneRuns(sql: Sql, request: PruneRequest): Promise<PruneBatch> {
  const roots = await finishedRoots(sql, request);
  let items = 0;
  let rows = 0;
  let next = request.after ?? null;
  for (const root of roots) {
    const ids = await treeIds(sql, root.id);
    if (ids.length > 0 && (await lockPrunableTree(sql, ids, request.before))) {
      const budget = request.limit - rows;
      const fed = await deleteFeeds(sql, ids, budget);
      rows += fed;
      // The budget ran out on this tree's feeds: the next batch comes back to it.
      if (fed >= budget) return { items, rows, next, more: true };
      for (const table of ['operations', 'waits', 'messages']) {
        rows += await sql.run(`DELETE FROM ${table} WHERE run_id = ANY($1::text[])`, [ids]);
      }
      rows += await sql.run('DELETE FROM runs WHERE id = ANY($1::text[])', [ids]);
      items += ids.length;
    }
    next = encodeCursor(root.updated_at, root.id);
    if (rows >= request.limit) return { items, rows, next, more: true };
  }
  return { items, rows, next, more: roots.length >= request.limit };
}

/** See `RetentionStore.pruneProgress`. */
export async function pruneProgress(sql: Sql, request: PruneRequest): Promise<PruneBatch> {
  const roots = await finishedRoots(sql, request);
  let rows = 0;
  let next = request.after ?? null;
  for (const root of roots) {
    const budget = request.limit - rows;
    // Only finished runs' rows, and only rows written before `before`: a run resumed meanwhile
    // streams new rows, which are not touched. No lock needed: nothing else deletes or changes
    // a finished run's progress rows.
    const deleted = await sql.run(
      `WITH RECURSIVE tree(id) AS (
         SELECT id FROM runs WHERE id = $1 UNION ALL SELECT runs.id FROM runs JOIN tree ON runs.parent_id = tree.id
       )
       DELETE FROM run_events WHERE id IN (
         SELECT e.id FROM tree JOIN runs r ON r.id = tree.id JOIN run_events e ON e.run_id = tree.id
         WHERE r.status IN ${FINISHED} AND e.type = 'progress' AND e.created_at < $2 LIMIT $3)`,
      [root.id, request.before, budget],
    );
    rows += deleted;
    if (deleted >= budget) return { items: rows, rows, next, more: true };
    next = encodeCursor(root.updated_at, root.id);
  }
  return { items: rows, rows, next, more: roots.length >= request.limit };
}

/** See `RetentionStore.pruneDeliveries`. */
export async function pruneDeliveries(sql: Sql, request: PruneRequest): Promise<PruneBatch> {
  const [at, key] = request.after ? decodeCursor(request.after) : START;
  const candidates = await sql.rows<{ key: string; updated_at: number }>(
    `SELECT key, updated_at FROM deliveries WHERE updated_at < $1 AND (updated_at, key) > ($2, $3)
     ORDER BY updated_at, key LIMIT $4`,
    [request.before, at, key, request.limit],
  );
  const last = candidates.at(-1);
  if (!last) return { items: 0, rows: 0, next: request.after ?? null, more: false };
  // Locked and re-checked: a delivery being written (a late retry) is skipped, not waited for.
  const gone = await sql.rows<{ key: string }>(
    `DELETE FROM deliveries WHERE key IN (
       SELECT d.key FROM deliveries d WHERE d.key = ANY($1::text[]) AND d.updated_at < $2
         AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = d.task_id AND t.status = 'pending')
       FOR UPDATE OF d SKIP LOCKED)
     RETURNING key`,
    [candidates.map((c) => c.key), request.before],
  );
  const outbox =
    gone.length === 0 ? 0 : await sql.run('DELETE FROM outbox WHERE id = ANY($1::text[])', [gone.map((g) => g.key)]);
  return {
    items: gone.length,
    rows: gone.length + outbox,
    next: encodeCursor(last.updated_at, last.key),
    more: candidates.length >= request.limit,
  };
}

const TASK_TABLES = ['task_assignees', 'task_responses', 'task_audit', 'used_links', 'deliveries', 'outbox'];

/** See `RetentionStore.pruneTasks`. */
export async function pruneTasks(sql: Sql, request: PruneRequest): Promise<PruneBatch> {
  const [at, id] = request.after ? decodeCursor(request.after) : START;
  const candidates = await sql.rows<{ id: string; resolved_at: number }>(
    `SELECT id, resolved_at FROM tasks
     WHERE status <> 'pending' AND resolved_at < $1 AND (resolved_at, id) > ($2, $3)
     ORDER BY resolved_at, id LIMIT $4`,
    [request.before, at, id, request.limit],
  );
  let items = 0;
  let rows = 0;
  let next = request.after ?? null;
  for (const task of candidates) {
    // The task row locked (a response or a settlement in flight keeps it), its conditions
    // re-checked on the locked row: ended, settled, and its lifecycle run finished or gone.
    const locked = await sql.one(
      `SELECT 1 AS locked FROM tasks t
       WHERE t.id = $1 AND t.status <> 'pending' AND t.result IS NOT NULL AND t.resolved_at < $2
         AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = t.run_id AND r.status NOT IN ${FINISHED})
       FOR UPDATE OF t SKIP LOCKED`,
      [task.id, request.before],
    );
    if (locked) {
      for (const table of TASK_TABLES) rows += await sql.run(`DELETE FROM ${table} WHERE task_id = $1`, [task.id]);
      rows += await sql.run('DELETE FROM tasks WHERE id = $1', [task.id]);
      items++;
    }
    next = encodeCursor(task.resolved_at, task.id);
    if (rows >= request.limit) break;
  }
  // Live task lists (tasksVersion) see the change as they see any task write. Last, as the
  // trigger that counts task writes does (migration 5): the counter row is locked just before commit.
  if (items > 0) await sql.run('UPDATE task_changes SET n = n + 1 WHERE shard = pg_backend_pid() % 32');
  return { items, rows, next, more: rows >= request.limit || candidates.length >= request.limit };
}
