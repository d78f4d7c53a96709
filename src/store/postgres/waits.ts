import { toWait, WAIT_COLUMNS, type WaitRow } from '../rows.ts';
import type { Lease, Wait, WaitOutcome, WaitRequest } from '../store.ts';
import {
  deadlineOf,
  recordMismatch,
  shapeOf,
  type WaitFound,
  type WaitLookup,
  waitLookup,
  waitMismatch,
  waitResult,
} from '../wait-rules.ts';
import { findRecentEvent, registerShape, selectEvent } from './events.ts';
import { takeMessage } from './mailbox.ts';
import { insertOperation, selectOperation } from './operations.ts';
import { selectRun, wakeRuns } from './runs.ts';
import type { Sql } from './sql.ts';

export async function selectWaits(sql: Sql, runId: string): Promise<Wait[]> {
  const rows = await sql.rows<WaitRow>(`SELECT ${WAIT_COLUMNS} FROM waits WHERE run_id = $1 ORDER BY seq`, [runId]);
  return rows.map(toWait);
}

/**
 * Resolves a wait if its condition holds now (the rule is `wait-rules.ts`), recording the result
 * and dropping the wait row; otherwise registers the wait (once: a replay finds the row and keeps
 * its original deadline). The caller's transaction holds the run's lock (and, for events, the
 * event name's lock; for a child, a share lock on the child's row), so nothing that would satisfy
 * the wait can commit between this check and the registration.
 *
 * Event and child waits come here; `recv` and `sleep` are batched and resolved in SQL by
 * `sql/heed_await_waits.sql`, which follows the same steps.
 */
export async function resolveOrRegister(
  sql: Sql,
  lease: Lease,
  request: WaitRequest,
  now: number,
): Promise<WaitOutcome> {
  const { runId } = lease;
  const existing = await sql.one<WaitRow>(`SELECT ${WAIT_COLUMNS} FROM waits WHERE run_id = $1 AND seq = $2`, [
    runId,
    request.seq,
  ]);
  if (existing) {
    const mismatch = waitMismatch(runId, request, existing);
    if (mismatch) throw mismatch;
  } else {
    // Resolved already (by the claim that handed the run out, see `heed_claim`): its record answers.
    const recorded = await selectOperation(sql, runId, request.seq);
    if (recorded) {
      const mismatch = recordMismatch(runId, request, recorded);
      if (mismatch) throw mismatch;
      return { state: 'ready', operation: recorded };
    }
  }
  const deadline = existing ? existing.deadline : deadlineOf(request, now);
  const found = await lookUp(sql, runId, request.seq, waitLookup(request, existing, now));
  const result = waitResult(request.kind, found, { deadline, fired: existing?.fired === true }, now);
  if (!result.ready) {
    if (!existing) await insertWait(sql, runId, request, deadline, now);
    return { state: 'waiting', deadline };
  }
  if (existing) await sql.run('DELETE FROM waits WHERE run_id = $1 AND seq = $2', [runId, request.seq]);
  const operation = await insertOperation(
    sql,
    lease,
    { seq: request.seq, kind: request.kind, name: request.name, output: result.output, error: null },
    now,
  );
  return { state: 'ready', operation };
}

/** Looks up what the wait rule asks for; a message found is taken (read by position `seq`). */
async function lookUp(sql: Sql, runId: string, seq: number, lookup: WaitLookup): Promise<WaitFound | undefined> {
  switch (lookup.kind) {
    case 'message': {
      const message = await takeMessage(sql, runId, lookup.topic, seq);
      return message && { message };
    }
    case 'event': {
      const event = await selectEvent(sql, lookup.eventId);
      return event && { event };
    }
    case 'recentEvent': {
      const event = await findRecentEvent(sql, runId, lookup.eventName, lookup.match, lookup.since);
      return event && { event };
    }
    case 'child': {
      const child = await selectRun(sql, lookup.childId);
      return child && { child };
    }
    case 'none':
      return undefined;
  }
}

async function insertWait(
  sql: Sql,
  runId: string,
  request: WaitRequest,
  deadline: number | null,
  now: number,
): Promise<void> {
  if (request.kind === 'event') await registerShape(sql, request.eventName, request.match);
  const shape = shapeOf(request);
  await sql.run(
    `INSERT INTO waits (run_id, seq, kind, deadline, topic, event_name, match_key, child_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [runId, request.seq, request.kind, deadline, shape.topic, shape.event_name, shape.match_key, shape.child_id, now],
  );
  // Other processes' timer schedulers learn of a new earliest deadline.
  if (deadline !== null) await sql.run("SELECT pg_notify('heed_wake_' || current_schema(), 'timer')");
}

/** Locks runs (sorted by id, so two lockers never deadlock): runs before their waits, always. */
export async function lockRuns(sql: Sql, runIds: readonly string[]): Promise<void> {
  if (runIds.length === 0) return;
  await sql.run('SELECT 1 FROM runs WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [[...new Set(runIds)].sort()]);
}

/**
 * Marks up to `limit` due timers fired and wakes their runs; returns how many fired. Runs are
 * locked before their wait rows (the order every writer follows); a timer another process is
 * firing right now is found already fired and skipped.
 */
export async function fireDue(sql: Sql, now: number, limit: number): Promise<number> {
  const due = await sql.rows<{ run_id: string; seq: number }>(
    'SELECT run_id, seq FROM waits WHERE deadline <= $1 AND NOT fired AND deadline IS NOT NULL ORDER BY deadline LIMIT $2',
    [now, limit],
  );
  if (due.length === 0) return 0;
  await lockRuns(
    sql,
    due.map((d) => d.run_id),
  );
  const fired = await sql.rows<{ run_id: string }>(
    `UPDATE waits w SET fired = true FROM unnest($1::text[], $2::int[]) AS d(run_id, seq)
     WHERE w.run_id = d.run_id AND w.seq = d.seq AND NOT w.fired RETURNING w.run_id`,
    [due.map((d) => d.run_id), due.map((d) => d.seq)],
  );
  await wakeRuns(
    sql,
    fired.map((f) => f.run_id),
    now,
  );
  return fired.length;
}

export async function nextDeadline(sql: Sql): Promise<number | null> {
  const row = await sql.one<{ deadline: number }>(
    'SELECT deadline FROM waits WHERE deadline IS NOT NULL AND NOT fired ORDER BY deadline LIMIT 1',
  );
  return row?.deadline ?? null;
}

export async function deleteWaits(sql: Sql, runIds: readonly string[]): Promise<void> {
  await sql.run('DELETE FROM waits WHERE run_id = ANY($1::text[])', [runIds]);
}

/**
 * A child ended (its row is locked by the caller): its parents' waits on it fire and the parents
 * wake. Parents are locked first, then their waits.
 */
export async function fireChildWaits(sql: Sql, childId: string, now: number): Promise<void> {
  const parents = await sql.rows<{ run_id: string }>(
    `SELECT run_id FROM waits WHERE kind = 'child' AND child_id = $1`,
    [childId],
  );
  if (parents.length === 0) return;
  await lockRuns(
    sql,
    parents.map((p) => p.run_id),
  );
  const fired = await sql.rows<{ run_id: string }>(
    `UPDATE waits SET fired = true WHERE kind = 'child' AND child_id = $1 RETURNING run_id`,
    [childId],
  );
  await wakeRuns(
    sql,
    fired.map((f) => f.run_id),
    now,
  );
}
