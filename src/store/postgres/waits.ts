import { NonDeterminismError } from '../../errors.ts';
import { matchKey } from '../event-match.ts';
import type { Lease, Wait, WaitKind, WaitOutcome, WaitRequest } from '../store.ts';
import { eventOutput, findRecentEvent, registerShape, selectEvent } from './events.ts';
import { takeMessage } from './mailbox.ts';
import { insertOperation, selectOperation } from './operations.ts';
import { selectRun, wakeRuns } from './runs.ts';
import type { Sql } from './sql.ts';

interface WaitRow {
  run_id: string;
  seq: number;
  kind: string;
  deadline: number | null;
  fired: boolean;
  topic: string | null;
  event_name: string | null;
  match_key: string | null;
  event_id: number | null;
  child_id: string | null;
  created_at: number;
}

const WAIT_COLUMNS = 'run_id, seq, kind, deadline, fired, topic, event_name, match_key, event_id, child_id, created_at';

function toWait(row: WaitRow): Wait {
  return {
    runId: row.run_id,
    seq: row.seq,
    kind: row.kind as WaitKind,
    deadline: row.deadline,
    topic: row.topic,
    eventName: row.event_name,
    childId: row.child_id,
    createdAt: row.created_at,
  };
}

export async function selectWaits(sql: Sql, runId: string): Promise<Wait[]> {
  const rows = await sql.rows<WaitRow>(`SELECT ${WAIT_COLUMNS} FROM waits WHERE run_id = $1 ORDER BY seq`, [runId]);
  return rows.map(toWait);
}

/**
 * Resolves a wait if its condition holds now, recording the result and dropping the wait row;
 * otherwise registers the wait (once: a replay finds the row and keeps its original deadline).
 * The caller's transaction holds the run's lock (and, for events, the event name's lock; for a
 * child, a share lock on the child's row), so nothing that would satisfy the wait can commit
 * between this check and the registration.
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
  if (existing) assertSameWait(existing, request);
  else {
    // Resolved already (by the claim that handed the run out, see `heed_claim`): its record answers.
    const recorded = await selectOperation(sql, runId, request.seq);
    if (recorded) {
      if (recorded.kind !== request.kind || recorded.name !== request.name) {
        throw new NonDeterminismError(
          `Run "${runId}": position ${request.seq} asks for ${request.kind} "${request.name}" but the run recorded ${recorded.kind} "${recorded.name}" there; the workflow code changed or is not deterministic`,
        );
      }
      return { state: 'ready', operation: recorded };
    }
  }
  const deadline = existing ? existing.deadline : deadlineOf(request, now);

  const ready = async (output: string | null): Promise<WaitOutcome> => {
    if (existing) await sql.run('DELETE FROM waits WHERE run_id = $1 AND seq = $2', [runId, request.seq]);
    const operation = await insertOperation(
      sql,
      lease,
      { seq: request.seq, kind: request.kind, name: request.name, output, error: null },
      now,
    );
    return { state: 'ready', operation };
  };

  switch (request.kind) {
    case 'recv': {
      const message = await takeMessage(sql, runId, request.topic, request.seq);
      if (message) return ready(JSON.stringify({ message: message.body === null ? null : JSON.parse(message.body) }));
      break;
    }
    case 'event': {
      const eventId = existing?.event_id;
      const event =
        eventId != null
          ? await selectEvent(sql, eventId)
          : !existing && request.lookbackMs > 0
            ? await findRecentEvent(sql, runId, request.eventName, request.match, now - request.lookbackMs)
            : undefined;
      if (event) return ready(eventOutput(event));
      break;
    }
    case 'child': {
      const child = await selectRun(sql, request.childId);
      if (child && (child.status === 'succeeded' || child.status === 'failed' || child.status === 'cancelled')) {
        return ready(JSON.stringify({ status: child.status, output: child.output, error: child.error }));
      }
      break;
    }
    case 'sleep':
      break;
  }
  // Due by this worker's clock, or already fired by another whose clock runs ahead.
  const due = (deadline !== null && deadline <= now) || (existing?.fired === true && request.kind !== 'child');
  if (due) return ready(request.kind === 'sleep' ? null : 'null');
  if (!existing) await insertWait(sql, runId, request, deadline, now);
  return { state: 'waiting', deadline };
}

/** The fields that tell two waits apart. */
export interface WaitShape {
  kind: string;
  topic: string | null;
  event_name: string | null;
  match_key: string | null;
  child_id: string | null;
}

/** A replay must ask for the same wait that was registered at its position. */
function assertSameWait(existing: WaitRow, request: WaitRequest): void {
  const registered = {
    kind: existing.kind,
    topic: existing.topic,
    event_name: existing.event_name,
    match_key: existing.match_key,
    child_id: existing.child_id,
  };
  const error = waitMismatch(existing.run_id, request, registered);
  if (error) throw error;
}

/** The `NonDeterminismError` when `request` is not the wait registered at its position, if it is not. */
export function waitMismatch(
  runId: string,
  request: WaitRequest,
  registered: WaitShape,
): NonDeterminismError | undefined {
  const wanted = {
    kind: request.kind,
    topic: request.kind === 'recv' ? request.topic : null,
    event_name: request.kind === 'event' ? request.eventName : null,
    match_key: request.kind === 'event' ? matchKey(request.match) : null,
    child_id: request.kind === 'child' ? request.childId : null,
  };
  if (JSON.stringify(wanted) === JSON.stringify(registered)) return undefined;
  return new NonDeterminismError(
    `Run "${runId}": position ${request.seq} asks for ${describeWait(wanted)} but the run registered ${describeWait(registered)} there; the workflow code changed or is not deterministic`,
  );
}

function describeWait(wait: {
  kind: string;
  topic: string | null;
  event_name: string | null;
  match_key: string | null;
  child_id: string | null;
}): string {
  switch (wait.kind) {
    case 'recv':
      return `recv("${wait.topic}")`;
    case 'event':
      return `waitForEvent("${wait.event_name}", match ${wait.match_key})`;
    case 'child':
      return `the child run "${wait.child_id}"`;
    default:
      return 'sleep';
  }
}

function deadlineOf(request: WaitRequest, now: number): number | null {
  switch (request.kind) {
    case 'sleep':
      return now + request.durationMs;
    case 'recv':
    case 'event':
      return request.timeoutMs === null ? null : now + request.timeoutMs;
    case 'child':
      return null;
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
  await sql.run(
    `INSERT INTO waits (run_id, seq, kind, deadline, topic, event_name, match_key, child_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      runId,
      request.seq,
      request.kind,
      deadline,
      request.kind === 'recv' ? request.topic : null,
      request.kind === 'event' ? request.eventName : null,
      request.kind === 'event' ? matchKey(request.match) : null,
      request.kind === 'child' ? request.childId : null,
      now,
    ],
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
