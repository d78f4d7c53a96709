import { NonDeterminismError } from '../../errors.ts';
import { matchKey } from '../event-match.ts';
import type { Lease, Operation, Wait, WaitOutcome, WaitRequest } from '../store.ts';
import type { Database } from './database.ts';
import { eventOutput, findRecentEvent, registerShape, selectEvent } from './events.ts';
import { takeMessage } from './mailbox.ts';
import { insertOperation } from './operations.ts';
import { type RunRow, toWait, type WaitRow } from './rows.ts';
import { selectRun } from './runs.ts';

const WAIT_COLUMNS = 'run_id, seq, kind, deadline, fired, topic, event_name, match_key, event_id, child_id, created_at';

export function selectWaits(db: Database, runId: string): Wait[] {
  return db.all<WaitRow>(`SELECT ${WAIT_COLUMNS} FROM waits WHERE run_id = ? ORDER BY seq`, runId).map(toWait);
}

/**
 * Resolves a wait if its condition holds now, recording the result and dropping the wait row;
 * otherwise registers the wait (once: a replay finds the row and keeps its original deadline).
 * Must run inside a transaction that has checked the lease.
 */
export function resolveOrRegister(db: Database, lease: Lease, request: WaitRequest, now: number): WaitOutcome {
  const { runId } = lease;
  const existing = db.get<WaitRow>(
    `SELECT ${WAIT_COLUMNS} FROM waits WHERE run_id = ? AND seq = ?`,
    runId,
    request.seq,
  );
  if (existing) assertSameWait(existing, request);
  const deadline = existing ? existing.deadline : deadlineOf(request, now);

  const ready = (output: string | null, error: string | null = null): WaitOutcome => {
    if (existing) db.run('DELETE FROM waits WHERE run_id = ? AND seq = ?', runId, request.seq);
    const operation: Operation = insertOperation(
      db,
      lease,
      { seq: request.seq, kind: request.kind, name: request.name, output, error },
      now,
    );
    return { state: 'ready', operation };
  };

  switch (request.kind) {
    case 'recv': {
      const message = takeMessage(db, runId, request.topic, request.seq);
      if (message) return ready(JSON.stringify({ message: message.body === null ? null : JSON.parse(message.body) }));
      break;
    }
    case 'event': {
      const eventId = existing?.event_id;
      const event =
        eventId != null
          ? selectEvent(db, eventId)
          : !existing && request.lookbackMs > 0
            ? findRecentEvent(db, runId, request.eventName, request.match, now - request.lookbackMs)
            : undefined;
      if (event) return ready(eventOutput(event));
      break;
    }
    case 'child': {
      const child = selectRun(db, request.childId) as RunRow | undefined;
      if (child && (child.status === 'succeeded' || child.status === 'failed' || child.status === 'cancelled')) {
        return ready(JSON.stringify({ status: child.status, output: child.output, error: child.error }));
      }
      break;
    }
    case 'sleep':
      break;
  }
  // Due by this worker's clock, or already fired by another whose clock runs ahead.
  const due = (deadline !== null && deadline <= now) || (existing?.fired === 1 && request.kind !== 'child');
  if (due) return ready(request.kind === 'sleep' ? null : 'null');
  if (!existing) insertWait(db, runId, request, deadline, now);
  return { state: 'waiting', deadline };
}

/** A replay must ask for the same wait that was registered at its position. */
function assertSameWait(existing: WaitRow, request: WaitRequest): void {
  const wanted = {
    kind: request.kind,
    topic: request.kind === 'recv' ? request.topic : null,
    event_name: request.kind === 'event' ? request.eventName : null,
    match_key: request.kind === 'event' ? matchKey(request.match) : null,
    child_id: request.kind === 'child' ? request.childId : null,
  };
  const registered = {
    kind: existing.kind,
    topic: existing.topic,
    event_name: existing.event_name,
    match_key: existing.match_key,
    child_id: existing.child_id,
  };
  if (JSON.stringify(wanted) !== JSON.stringify(registered)) {
    throw new NonDeterminismError(
      `Run "${existing.run_id}": position ${request.seq} asks for ${describeWait(wanted)} but the run registered ${describeWait(registered)} there; the workflow code changed or is not deterministic`,
    );
  }
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

function insertWait(db: Database, runId: string, request: WaitRequest, deadline: number | null, now: number): void {
  const topic = request.kind === 'recv' ? request.topic : null;
  const eventName = request.kind === 'event' ? request.eventName : null;
  const key = request.kind === 'event' ? matchKey(request.match) : null;
  const childId = request.kind === 'child' ? request.childId : null;
  if (request.kind === 'event') registerShape(db, request.eventName, request.match);
  db.run(
    `INSERT INTO waits (run_id, seq, kind, deadline, topic, event_name, match_key, child_id, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    runId,
    request.seq,
    request.kind,
    deadline,
    topic,
    eventName,
    key,
    childId,
    now,
  );
}

/** Marks up to `limit` due timers fired; returns their runs. */
export function fireDue(db: Database, now: number, limit: number): string[] {
  return db
    .all<{ run_id: string }>(
      `UPDATE waits SET fired = 1
       WHERE (run_id, seq) IN (
         SELECT run_id, seq FROM waits WHERE deadline <= ? AND fired = 0 AND deadline IS NOT NULL ORDER BY deadline LIMIT ?)
       RETURNING run_id`,
      now,
      limit,
    )
    .map((r) => r.run_id);
}

export function nextDeadline(db: Database): number | null {
  return (
    db.get<{ deadline: number | null }>(
      'SELECT deadline FROM waits WHERE deadline IS NOT NULL AND fired = 0 ORDER BY deadline LIMIT 1',
    )?.deadline ?? null
  );
}

export function deleteWaits(db: Database, runId: string): void {
  db.run('DELETE FROM waits WHERE run_id = ?', runId);
}

/** Marks parents' waits on this child fired; returns the parents to wake. */
export function fireChildWaits(db: Database, childId: string): string[] {
  return db
    .all<{ run_id: string }>(
      `UPDATE waits INDEXED BY waits_child SET fired = 1 WHERE kind = 'child' AND child_id = ? RETURNING run_id`,
      childId,
    )
    .map((r) => r.run_id);
}
