import { LeaseLostError } from '../../errors.ts';
import { type OperationRow, RUN_COLUMNS, type RunRow, toClaims, toRun } from '../rows.ts';
import type { Claim, ClaimRequest, Lease, NewRun, Page, Run, RunQuery } from '../store.ts';
import { newestFirst } from './pages.ts';
import type { Sql } from './sql.ts';

// Run rows are mapped as on every store (`store/rows.ts`).
export { RUN_COLUMNS, type RunRow, toRun } from '../rows.ts';

/** The channel on which the store announces runnable runs and new timers (LISTEN/NOTIFY). */
export const WAKE_CHANNEL = 'heed_wake';

/**
 * Lease times are on the database's clock unless the store was told to use the engine's (`now`),
 * which tests with a virtual clock do: `leaseNow` is `null` for the database's clock.
 */
const LEASE_NOW = (param: string) => `COALESCE(${param}::bigint, heed_now_ms())`;

/**
 * Inserts a pending run (announced) or a suspended one (`run.suspended`) unless the id exists.
 * Returns whether it was inserted.
 */
export async function insertRun(sql: Sql, run: NewRun, now: number): Promise<boolean> {
  const row = await sql.one<{ id: string }>(
    `WITH ins AS (
       INSERT INTO runs (id, workflow, status, input, parent_id, initiator, available_at, created_at, updated_at)
       VALUES ($1, $2, $7, $3, $4, COALESCE($6, (SELECT initiator FROM runs WHERE id = $4)), $5, $5, $5)
       ON CONFLICT (id) DO NOTHING RETURNING id, status)
     SELECT id, CASE WHEN status = 'pending' THEN pg_notify('${WAKE_CHANNEL}_' || current_schema(), 'run') END FROM ins`,
    [
      run.id,
      run.workflow,
      run.input,
      run.parentId ?? null,
      now,
      run.initiator ?? null,
      run.suspended ? 'waiting' : 'pending',
    ],
  );
  return row !== undefined;
}

export async function selectRun(sql: Sql, id: string): Promise<RunRow | undefined> {
  return sql.one<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1`, [id]);
}

/**
 * Locks the run's row until the transaction ends: every write about one run (recording, waits,
 * messages, wake-ups, suspension) takes this lock first, so they are serialized per run.
 */
export async function lockRun(sql: Sql, id: string): Promise<RunRow | undefined> {
  return sql.one<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1 FOR UPDATE`, [id]);
}

/** Locks the run's row and throws `LeaseLostError` unless it is running under this exact lease. */
export async function lockLease(sql: Sql, lease: Lease): Promise<void> {
  const held = await sql.one(
    `SELECT 1 AS held FROM runs WHERE id = $1 AND lease_token = $2 AND status = 'running' FOR UPDATE`,
    [lease.runId, lease.token],
  );
  if (!held) throw new LeaseLostError(lease.runId);
}

/** A row of `heed_claim`: a claimed run's row with its history rows, or a run it failed. */
type ClaimedRow = (RunRow & { history: OperationRow[] | null; last_wait_seq: number | null }) | { failed: string };

/**
 * Claims runnable runs in one statement (`heed_claim`, see `sql/heed_claim.sql`): runs out of
 * recoveries fail first; then pending runs by availability, then running ones whose lease expired
 * (by the lease clock) under another owner. Rows other claimers hold are skipped (`SKIP LOCKED`),
 * so many workers claim at once without waiting on each other. Waits of the claimed runs that
 * hold already are resolved and recorded in the same transaction (the rule is `wait-rules.ts`,
 * in SQL `heed_wait_result`). The claims are what a claim returns on every store (`toClaims`);
 * `failed` names the runs failed for too many recoveries (their `run.failed` events written).
 */
export async function claimRuns(
  sql: Sql,
  request: ClaimRequest,
  leaseNow: number | null,
): Promise<{ claims: Claim[]; failed: string[] }> {
  const { owner, workflows, limit, now, leaseMs, maxRecoveries, active } = request;
  // The claim's commit does not wait for its WAL flush (synchronous_commit off for this one
  // statement's transaction): a claim lost in a server crash only hands the run back as it was
  // (waits unresolved, message unread), and every later write of the execution commits
  // synchronously, which flushes the claim first (the WAL is one sequence). A resume saves a
  // flush; nothing acknowledged to anyone can be lost.
  const rows = await sql.rows<{ claimed: ClaimedRow }>(
    `WITH async_commit AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true))
     SELECT heed_claim($1::text, $2::text[], $3::int, $4::bigint, $5::text[], $6::int, $7::bigint, $8::bigint) AS claimed
       FROM async_commit`,
    [owner, workflows, limit, leaseNow, active, maxRecoveries, leaseMs, now],
  );
  const claimed: { row: RunRow; history: OperationRow[]; lastWaitSeq: number | null }[] = [];
  const failed: string[] = [];
  for (const { claimed: row } of rows) {
    if ('failed' in row) failed.push(row.failed);
    else claimed.push({ row, history: row.history ?? [], lastWaitSeq: row.last_wait_seq ?? null });
  }
  return { claims: toClaims(claimed), failed };
}

/** Extends exactly the given leases, in one statement. */
export async function renewLeases(
  sql: Sql,
  leases: readonly Lease[],
  leaseNow: number | null,
  leaseMs: number,
): Promise<void> {
  await sql.run(
    // Rows locked in id order (like every multi-run writer), so two renewals never deadlock.
    `WITH held AS (
       SELECT runs.id FROM runs JOIN unnest($1::text[], $2::bigint[]) AS l(id, token)
         ON runs.id = l.id AND runs.lease_token = l.token AND runs.status = 'running'
       ORDER BY runs.id FOR UPDATE OF runs)
     UPDATE runs SET lease_expires_at = ${LEASE_NOW('$3')} + $4 FROM held WHERE runs.id = held.id`,
    [leases.map((l) => l.runId), leases.map((l) => l.token), leaseNow, leaseMs],
  );
}

/** Distinct owners of the leases of running runs. */
export async function leaseOwners(sql: Sql): Promise<string[]> {
  const rows = await sql.rows<{ owner: string }>(
    "SELECT DISTINCT lease_owner AS owner FROM runs WHERE status = 'running' AND lease_owner IS NOT NULL ORDER BY 1",
  );
  return rows.map((r) => r.owner);
}

/** Ends the leases `owner` holds (it is known to be dead). */
export async function expireLeases(sql: Sql, owner: string, leaseNow: number | null): Promise<number> {
  return sql.run(
    `UPDATE runs SET lease_expires_at = ${LEASE_NOW('$2')} - 1
     WHERE lease_owner = $1 AND status = 'running' AND lease_expires_at >= ${LEASE_NOW('$2')}`,
    [owner, leaseNow],
  );
}

/**
 * Makes a waiting run runnable (announcing it); asks a running one to replay once it suspends.
 * Returns whether it did either. Takes the run's row lock.
 */
export async function wakeRun(sql: Sql, runId: string, now: number): Promise<boolean> {
  const row = await sql.one<{ status: string }>(
    `WITH u AS (
       UPDATE runs SET status = CASE WHEN status = 'waiting' THEN 'pending' ELSE status END,
              available_at = CASE WHEN status = 'waiting' THEN $2 ELSE available_at END,
              updated_at = CASE WHEN status = 'waiting' THEN $2 ELSE updated_at END,
              wake_requested = (status = 'running')
       WHERE id = $1 AND status IN ('waiting', 'running') RETURNING status)
     SELECT status, CASE WHEN status = 'pending' THEN pg_notify('${WAKE_CHANNEL}_' || current_schema(), 'run') END FROM u`,
    [runId, now],
  );
  return row !== undefined;
}

/** Wakes several runs (one statement); returns how many woke. */
export async function wakeRuns(sql: Sql, runIds: readonly string[], now: number): Promise<number> {
  if (runIds.length === 0) return 0;
  const rows = await sql.rows<{ status: string }>(
    `WITH u AS (
       UPDATE runs SET status = CASE WHEN status = 'waiting' THEN 'pending' ELSE status END,
              available_at = CASE WHEN status = 'waiting' THEN $2 ELSE available_at END,
              updated_at = CASE WHEN status = 'waiting' THEN $2 ELSE updated_at END,
              wake_requested = (status = 'running')
       WHERE id = ANY($1::text[]) AND status IN ('waiting', 'running') RETURNING status)
     SELECT status, CASE WHEN status = 'pending' THEN pg_notify('${WAKE_CHANNEL}_' || current_schema(), 'run') END FROM u`,
    [[...new Set(runIds)], now],
  );
  return rows.length;
}

/**
 * Ends a suspended run (`waiting`: no execution holds it) with `output`, as its own completion
 * would: no lease to fence with, the status is the fence (the row is locked by the update). The
 * caller appends its `run.succeeded` event, removes its waits and wakes its parents. False
 * (nothing written) when it is not waiting.
 */
export async function succeedSuspended(sql: Sql, runId: string, output: string, now: number): Promise<boolean> {
  const changed = await sql.run(
    `UPDATE runs SET status = 'succeeded', output = $1, error = NULL, failed_seq = NULL, wake_requested = false,
            updated_at = $2 WHERE id = $3 AND status = 'waiting'`,
    [output, now, runId],
  );
  return changed > 0;
}

/**
 * Locks the run and all its descendants in the store's lock order, children before parents
 * (deepest first, then by id), and returns those that have not ended; `'not-found'` when there is
 * no such run; `'grew'` when a child was started between reading the tree and locking it (the
 * caller must end its transaction, releasing these locks, and start over).
 *
 * Why the re-read: every start of a child locks its parent first (`startChild` holds it `FOR
 * UPDATE`, `createTask` `FOR SHARE`), so a child committed before the parent's lock was granted
 * here, and none can be added while it is held. The tree read *after* locking is therefore
 * complete; if it differs from the tree that was locked, locking the newcomer now would take a
 * child after its parent, against the order (a child's end locks the child, then wakes the parent).
 */
export async function lockLiveTree(sql: Sql, id: string): Promise<string[] | 'not-found' | 'grew'> {
  const tree = await selectTree(sql, id);
  const locked = await sql.rows<{ id: string; status: string }>(
    `SELECT r.id, r.status FROM runs r JOIN unnest($1::text[]) WITH ORDINALITY AS t(id, n) ON r.id = t.id
     ORDER BY t.n FOR UPDATE OF r`,
    [tree],
  );
  if (!locked.some((row) => row.id === id)) return 'not-found';
  const again = await selectTree(sql, id);
  const held = new Set(locked.map((row) => row.id));
  if (again.some((runId) => !held.has(runId))) return 'grew';
  return locked.filter((row) => !['succeeded', 'failed', 'cancelled'].includes(row.status)).map((row) => row.id);
}

/** The ids of the run and its descendants (as this statement sees them), deepest first, then by id. */
async function selectTree(sql: Sql, id: string): Promise<string[]> {
  const rows = await sql.rows<{ id: string }>(
    `WITH RECURSIVE tree(id, depth) AS (
       SELECT $1::text COLLATE "C", 0 UNION ALL SELECT runs.id, tree.depth + 1 FROM runs JOIN tree ON runs.parent_id = tree.id
     )
     SELECT id FROM tree ORDER BY depth DESC, id`,
    [id],
  );
  return rows.map((row) => row.id);
}

export async function markCancelled(sql: Sql, ids: readonly string[], now: number): Promise<void> {
  await sql.run(
    `UPDATE runs SET status = 'cancelled', lease_owner = NULL, lease_expires_at = NULL, wake_requested = false,
            updated_at = $2 WHERE id = ANY($1::text[])`,
    [ids, now],
  );
}

/** Makes a failed or cancelled run pending again, announcing it. */
/** Marks the run blocked (its replay diverged), keeping its waits; false when the lease is lost. */
export async function blockRun(sql: Sql, lease: Lease, error: string, now: number): Promise<boolean> {
  const row = await sql.one<{ id: string }>(
    `UPDATE runs SET status = 'blocked', error = $3, lease_owner = NULL, lease_expires_at = NULL,
            wake_requested = false, updated_at = $4
      WHERE id = $1 AND lease_token = $2 AND status = 'running' RETURNING id`,
    [lease.runId, lease.token, error, now],
  );
  return row !== undefined;
}

/** Puts a run on another workflow name (another version of its workflow). */
export async function setWorkflow(sql: Sql, id: string, workflow: string): Promise<void> {
  await sql.run('UPDATE runs SET workflow = $2 WHERE id = $1', [id, workflow]);
}

export async function markResumed(sql: Sql, id: string, now: number): Promise<void> {
  await sql.one(
    `WITH u AS (
       UPDATE runs SET status = 'pending', output = NULL, error = NULL, failed_seq = NULL, recoveries = 0,
              available_at = $2, updated_at = $2 WHERE id = $1 RETURNING id)
     SELECT id, pg_notify('${WAKE_CHANNEL}_' || current_schema(), 'run') FROM u`,
    [id, now],
  );
}

/** One page of runs, newest first. */
export async function listRuns(sql: Sql, query: RunQuery, limit: number): Promise<Page<Run>> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (query.status) add((p) => `status = ${p}`, query.status);
  // Any version of the workflow: `name` or `name@N` (see engine/versions.ts).
  if (query.workflow) add((p) => `split_part(workflow, '@', 1) = ${p}`, query.workflow);
  if (query.parentId) add((p) => `parent_id = ${p}`, query.parentId);
  if (query.waitingOn) add((p) => `id IN (SELECT run_id FROM waits WHERE kind = ${p})`, query.waitingOn);
  if (query.initiator) add((p) => `initiator = ${p}`, query.initiator);
  if (query.excludeWorkflows?.length) add((p) => `NOT (workflow = ANY(${p}::text[]))`, [...query.excludeWorkflows]);
  const page = await newestFirst<RunRow>(sql, {
    from: 'runs',
    columns: RUN_COLUMNS,
    where,
    params,
    cursor: query.cursor,
    limit,
  });
  return { items: page.rows.map(toRun), nextCursor: page.nextCursor };
}

/** Records that `owner` is alive now (database clock). */
export async function beat(sql: Sql, owner: string, leaseNow: number | null): Promise<void> {
  await sql.run(
    `INSERT INTO workers (id, started_at, heartbeat_at) VALUES ($1, ${LEASE_NOW('$2')}, ${LEASE_NOW('$2')})
     ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
    [owner, leaseNow],
  );
}

/** Expires the leases of workers silent for `staleMs` and forgets them; returns how many. */
export async function reapDeadWorkers(sql: Sql, staleMs: number, leaseNow: number | null): Promise<number> {
  const dead = await sql.rows<{ id: string }>(
    `DELETE FROM workers WHERE heartbeat_at < ${LEASE_NOW('$1')} - $2 RETURNING id`,
    [leaseNow, staleMs],
  );
  if (dead.length === 0) return 0;
  await sql.run(
    `UPDATE runs SET lease_expires_at = ${LEASE_NOW('$2')} - 1
     WHERE lease_owner = ANY($1::text[]) AND status = 'running' AND lease_expires_at >= ${LEASE_NOW('$2')}`,
    [dead.map((d) => d.id), leaseNow],
  );
  return dead.length;
}
