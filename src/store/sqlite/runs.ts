import { LeaseLostError } from '../../errors.ts';
import { newestFirst, pageLimit } from './cursor.ts';
import type { ClaimRequest, Completion, Lease, NewRun, Page, RunQuery } from '../store.ts';
import type { Database } from './database.ts';
import { RUN_COLUMNS, type RunRow, toRun } from '../rows.ts';

/**
 * Inserts a pending run (or a suspended one, `run.suspended`) unless the id exists. Returns
 * whether it was inserted. A run without an initiator of its own inherits its parent's (children
 * act for whoever started the tree).
 */
export function insertRun(db: Database, run: NewRun, now: number): boolean {
  return (
    db.run(
      `INSERT INTO runs (id, workflow, status, input, parent_id, initiator, available_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, COALESCE(?, (SELECT initiator FROM runs WHERE id = ?)), ?, ?, ?)
       ON CONFLICT (id) DO NOTHING`,
      run.id,
      run.workflow,
      run.suspended ? 'waiting' : 'pending',
      run.input,
      run.parentId ?? null,
      run.initiator ?? null,
      run.parentId ?? null,
      now,
      now,
      now,
    ) === 1
  );
}

export function selectRun(db: Database, id: string): RunRow | undefined {
  return db.get<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`, id);
}

/** Throws `LeaseLostError` unless the run is running under this exact lease. */
export function assertLease(db: Database, lease: Lease): void {
  const held = db.get(
    `SELECT 1 AS held FROM runs WHERE id = ? AND lease_token = ? AND status = 'running'`,
    lease.runId,
    lease.token,
  );
  if (!held) throw new LeaseLostError(lease.runId);
}

/**
 * Claims runnable runs: pending ones first by availability, then running ones whose lease
 * expired under another owner (a crashed or frozen worker).
 */
export function claimRuns(db: Database, request: ClaimRequest): RunRow[] {
  const { owner, workflows, limit, now, leaseMs } = request;
  return db.all<RunRow>(
    `UPDATE runs SET status = 'running', lease_owner = ?, lease_token = lease_token + 1,
            lease_expires_at = ?, attempts = attempts + 1, recoveries = recoveries + (status = 'running'),
            wake_requested = 0, updated_at = ?
     WHERE id IN (
       SELECT id FROM (
         SELECT id FROM runs INDEXED BY runs_pending WHERE status = 'pending' AND available_at <= ?
           AND workflow IN (SELECT value FROM json_each(?))
         ORDER BY available_at LIMIT ?)
       UNION ALL
       SELECT id FROM (
         SELECT id FROM runs INDEXED BY runs_leased WHERE status = 'running' AND lease_expires_at < ?
           AND (lease_owner <> ? OR id NOT IN (SELECT value FROM json_each(?))) AND recoveries < ?
           AND workflow IN (SELECT value FROM json_each(?))
         ORDER BY lease_expires_at LIMIT ?)
       LIMIT ?)
     RETURNING ${RUN_COLUMNS}`,
    owner,
    now + leaseMs,
    now,
    now,
    JSON.stringify(workflows),
    limit,
    now,
    owner,
    JSON.stringify(request.active),
    request.maxRecoveries,
    JSON.stringify(workflows),
    limit,
    limit,
  );
}

/**
 * Fails runs whose lease expired once more after `maxRecoveries` recoveries; returns them with the
 * error each was failed with (the caller writes their `run.failed` events, drops their waits and
 * wakes their parents in the same transaction).
 */
export function failExhaustedRecoveries(db: Database, request: ClaimRequest): { id: string; error: string }[] {
  const { owner, workflows, now, maxRecoveries } = request;
  const error = (recoveries: number) =>
    JSON.stringify({
      name: 'HeedError',
      code: 'TOO_MANY_RECOVERIES',
      message: `The run's worker died or stalled ${recoveries + 1} times while executing it (maxRecoveries is ${maxRecoveries}); giving up. Fix the cause and resume the run.`,
    });
  const rows = db.all<{ id: string; recoveries: number }>(
    `SELECT id, recoveries FROM runs INDEXED BY runs_leased
     WHERE status = 'running' AND lease_expires_at < ?
       AND (lease_owner <> ? OR id NOT IN (SELECT value FROM json_each(?))) AND recoveries >= ?
       AND workflow IN (SELECT value FROM json_each(?))`,
    now,
    owner,
    JSON.stringify(request.active),
    maxRecoveries,
    JSON.stringify(workflows),
  );
  return rows.map((row) => {
    const failure = error(row.recoveries);
    db.run(
      `UPDATE runs SET status = 'failed', error = ?, lease_owner = NULL, lease_expires_at = NULL, wake_requested = 0,
              updated_at = ? WHERE id = ?`,
      failure,
      now,
      row.id,
    );
    return { id: row.id, error: failure };
  });
}

/** Extends exactly the given leases (the executions a worker is running). */
export function renewLeases(db: Database, leases: readonly Lease[], now: number, leaseMs: number): void {
  for (const lease of leases) {
    db.run(
      `UPDATE runs SET lease_expires_at = ? WHERE id = ? AND lease_token = ? AND status = 'running'`,
      now + leaseMs,
      lease.runId,
      lease.token,
    );
  }
}

/** Makes a waiting run runnable; asks a running one to replay once it suspends. */
export function wakeRun(db: Database, runId: string, now: number): boolean {
  const woke = db.run(
    `UPDATE runs SET status = 'pending', available_at = ?, updated_at = ? WHERE id = ? AND status = 'waiting'`,
    now,
    now,
    runId,
  );
  if (woke) return true;
  return db.run(`UPDATE runs SET wake_requested = 1 WHERE id = ? AND status = 'running'`, runId) === 1;
}

/**
 * Ends a suspended run (`waiting`: no execution holds it) with `output`, as its own completion
 * would: no lease to fence with, the status is the fence. The caller appends its `run.succeeded`
 * event, removes its waits and wakes its parents. False (nothing written) when it is not waiting.
 */
export function succeedSuspended(db: Database, runId: string, output: string, now: number): boolean {
  return (
    db.run(
      `UPDATE runs SET status = 'succeeded', output = ?, error = NULL, failed_seq = NULL, wake_requested = 0,
              updated_at = ? WHERE id = ? AND status = 'waiting'`,
      output,
      now,
      runId,
    ) === 1
  );
}

/** Ends an execution that waits. Fenced. */
export function suspendRun(db: Database, lease: Lease, now: number): 'waiting' | 'pending' {
  const row = db.get<{ status: 'waiting' | 'pending' }>(
    `UPDATE runs SET status = CASE WHEN wake_requested = 1 THEN 'pending' ELSE 'waiting' END,
            available_at = ?, wake_requested = 0, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
     WHERE id = ? AND lease_token = ? AND status = 'running'
     RETURNING status`,
    now,
    now,
    lease.runId,
    lease.token,
  );
  if (!row) throw new LeaseLostError(lease.runId);
  return row.status;
}

/** Gives a run back to the pool. Fenced. */
export function releaseRun(db: Database, lease: Lease, now: number): void {
  const changed = db.run(
    `UPDATE runs SET status = 'pending', available_at = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
     WHERE id = ? AND lease_token = ? AND status = 'running'`,
    now,
    now,
    lease.runId,
    lease.token,
  );
  if (!changed) throw new LeaseLostError(lease.runId);
}

/** Records the run's end. Fenced. */
export function finishRun(db: Database, lease: Lease, completion: Completion, now: number): void {
  const isSuccess = 'output' in completion;
  const changed = db.run(
    `UPDATE runs SET status = ?, output = ?, error = ?, failed_seq = ?, lease_owner = NULL,
            lease_expires_at = NULL, wake_requested = 0, updated_at = ?
     WHERE id = ? AND lease_token = ? AND status = 'running'`,
    isSuccess ? 'succeeded' : 'failed',
    isSuccess ? completion.output : null,
    isSuccess ? null : completion.error,
    isSuccess ? null : completion.failedSeq,
    now,
    lease.runId,
    lease.token,
  );
  if (!changed) throw new LeaseLostError(lease.runId);
}

/** Marks the run blocked (its replay diverged), keeping its waits. Fenced. */
export function blockRun(db: Database, lease: Lease, error: string, now: number): void {
  const changed = db.run(
    `UPDATE runs SET status = 'blocked', error = ?, lease_owner = NULL, lease_expires_at = NULL, wake_requested = 0,
            updated_at = ? WHERE id = ? AND lease_token = ? AND status = 'running'`,
    error,
    now,
    lease.runId,
    lease.token,
  );
  if (!changed) throw new LeaseLostError(lease.runId);
}

/** Puts a run on another workflow name (another version of its workflow). */
export function setWorkflow(db: Database, id: string, workflow: string): void {
  db.run('UPDATE runs SET workflow = ? WHERE id = ?', workflow, id);
}

/**
 * The run and all its descendants that have not ended, deepest last. CROSS JOIN fixes the join
 * order (tree first, then an index seek into runs): left to itself, SQLite scans every run.
 */
export function selectLiveTree(db: Database, id: string): string[] {
  return db
    .all<{ id: string }>(
      `WITH RECURSIVE tree(id) AS (
         SELECT ? UNION ALL SELECT runs.id FROM tree CROSS JOIN runs ON runs.parent_id = tree.id
       )
       SELECT runs.id FROM tree CROSS JOIN runs ON runs.id = tree.id
       WHERE runs.status NOT IN ('succeeded', 'failed', 'cancelled')`,
      id,
    )
    .map((r) => r.id);
}

export function markCancelled(db: Database, id: string, now: number): void {
  db.run(
    `UPDATE runs SET status = 'cancelled', lease_owner = NULL, lease_expires_at = NULL, wake_requested = 0,
            updated_at = ? WHERE id = ?`,
    now,
    id,
  );
}

/** Makes a failed, cancelled or blocked run pending again. */
export function markResumed(db: Database, id: string, now: number): void {
  db.run(
    `UPDATE runs SET status = 'pending', output = NULL, error = NULL, failed_seq = NULL, recoveries = 0,
            available_at = ?, updated_at = ? WHERE id = ?`,
    now,
    now,
    id,
  );
}

/** One page of runs, newest first. */
export function listRuns(db: Database, query: RunQuery): Page<ReturnType<typeof toRun>> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const add = (clause: string, value: string | number) => {
    where.push(clause);
    params.push(value);
  };
  if (query.status) add('status = ?', query.status);
  // Any version of the workflow: `name` or `name@N` (see engine/versions.ts).
  if (query.workflow) {
    add(
      "(CASE WHEN instr(workflow, '@') > 0 THEN substr(workflow, 1, instr(workflow, '@') - 1) ELSE workflow END) = ?",
      query.workflow,
    );
  }
  if (query.parentId) add('parent_id = ?', query.parentId);
  if (query.initiator) add('initiator = ?', query.initiator);
  if (query.excludeWorkflows?.length) {
    add('workflow NOT IN (SELECT value FROM json_each(?))', JSON.stringify(query.excludeWorkflows));
  }
  if (query.waitingOn) add('id IN (SELECT run_id FROM waits WHERE kind = ?)', query.waitingOn);
  const page = newestFirst<RunRow>(db, {
    from: 'runs',
    columns: RUN_COLUMNS,
    where,
    params,
    cursor: query.cursor,
    limit: pageLimit(query.limit),
  });
  return { items: page.rows.map(toRun), nextCursor: page.nextCursor };
}
