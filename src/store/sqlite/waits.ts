import { OPERATION_COLUMNS, type OperationRow, toOperation, toWait, WAIT_COLUMNS, type WaitRow } from '../rows.ts';
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
import type { Database } from './database.ts';
import { findRecentEvent, registerShape, selectEvent } from './events.ts';
import { takeMessage } from './mailbox.ts';
import { insertOperation } from './operations.ts';
import { selectRun } from './runs.ts';

export function selectWaits(db: Database, runId: string): Wait[] {
  return db.all<WaitRow>(`SELECT ${WAIT_COLUMNS} FROM waits WHERE run_id = ? ORDER BY seq`, runId).map(toWait);
}

/**
 * Resolves a wait if its condition holds now (the rule is `wait-rules.ts`), recording the result
 * and dropping the wait row; otherwise registers the wait (once: a replay finds the row and keeps
 * its original deadline). Must run inside a write that has checked the lease: SQLite has one
 * writer at a time, so nothing can satisfy the wait between this check and the registration.
 */
export function resolveOrRegister(db: Database, lease: Lease, request: WaitRequest, now: number): WaitOutcome {
  const { runId } = lease;
  const existing = db.get<WaitRow>(
    `SELECT ${WAIT_COLUMNS} FROM waits WHERE run_id = ? AND seq = ?`,
    runId,
    request.seq,
  );
  if (existing) {
    const mismatch = waitMismatch(runId, request, existing);
    if (mismatch) throw mismatch;
  } else {
    // Resolved by the claim already (`resolveHeldWaits`): the record is the answer.
    const recorded = db.get<OperationRow>(
      `SELECT ${OPERATION_COLUMNS} FROM operations WHERE run_id = ? AND seq = ?`,
      runId,
      request.seq,
    );
    if (recorded) {
      const mismatch = recordMismatch(runId, request, recorded);
      if (mismatch) throw mismatch;
      return { state: 'ready', operation: toOperation(recorded) };
    }
  }
  const deadline = existing ? existing.deadline : deadlineOf(request, now);
  const found = lookUp(db, runId, request.seq, waitLookup(request, existing, now));
  const result = waitResult(request.kind, found, { deadline, fired: existing?.fired === 1 }, now);
  if (!result.ready) {
    if (!existing) insertWait(db, runId, request, deadline, now);
    return { state: 'waiting', deadline };
  }
  if (existing) db.run('DELETE FROM waits WHERE run_id = ? AND seq = ?', runId, request.seq);
  const operation = insertOperation(
    db,
    lease,
    { seq: request.seq, kind: request.kind, name: request.name, output: result.output, error: null },
    now,
  );
  return { state: 'ready', operation };
}

/**
 * Resolves, at claim, the waits of a just-claimed run that hold already (in position order), each
 * recorded as a replay's `awaitWait` would record it (PostgreSQL's `heed_claim` does the same):
 * the woken run's execution finds the results in the history it is claimed with, and its resume
 * costs no commit of its own before the workflow code goes on. Waits that do not hold stay.
 */
export function resolveHeldWaits(db: Database, runId: string, now: number): void {
  const rows = db.all<WaitRow>(`SELECT ${WAIT_COLUMNS} FROM waits WHERE run_id = ? ORDER BY seq`, runId);
  for (const row of rows) {
    const found = lookUp(db, runId, row.seq, lookupOfRow(row));
    const result = waitResult(
      row.kind as WaitRequest['kind'],
      found,
      { deadline: row.deadline, fired: row.fired === 1 },
      now,
    );
    if (!result.ready) continue;
    db.run('DELETE FROM waits WHERE run_id = ? AND seq = ?', runId, row.seq);
    const name =
      row.kind === 'recv'
        ? row.topic
        : row.kind === 'event'
          ? row.event_name
          : row.kind === 'child'
            ? row.child_id
            : 'sleep';
    db.run(
      `INSERT INTO operations (run_id, seq, ord, kind, name, output, error, created_at)
       VALUES (?, ?, (SELECT COALESCE(MAX(ord), 0) + 1 FROM operations WHERE run_id = ?), ?, ?, ?, NULL, ?)
       ON CONFLICT DO NOTHING`,
      runId,
      row.seq,
      runId,
      row.kind,
      name,
      result.output,
      now,
    );
  }
}

/** What a registered wait's rule looks up (a registered event wait: only the event an emit attached). */
function lookupOfRow(row: WaitRow): WaitLookup {
  switch (row.kind) {
    case 'recv':
      return { kind: 'message', topic: row.topic as string };
    case 'event':
      return row.event_id != null ? { kind: 'event', eventId: row.event_id } : { kind: 'none' };
    case 'child':
      return { kind: 'child', childId: row.child_id as string };
    default:
      return { kind: 'none' };
  }
}

/** Looks up what the wait rule asks for; a message found is taken (read by position `seq`). */
function lookUp(db: Database, runId: string, seq: number, lookup: WaitLookup): WaitFound | undefined {
  switch (lookup.kind) {
    case 'message': {
      const message = takeMessage(db, runId, lookup.topic, seq);
      return message && { message };
    }
    case 'event': {
      const event = selectEvent(db, lookup.eventId);
      return event && { event };
    }
    case 'recentEvent': {
      const event = findRecentEvent(db, runId, lookup.eventName, lookup.match, lookup.since);
      return event && { event };
    }
    case 'child': {
      const child = selectRun(db, lookup.childId);
      return child && { child };
    }
    case 'none':
      return undefined;
  }
}

function insertWait(db: Database, runId: string, request: WaitRequest, deadline: number | null, now: number): void {
  const shape = shapeOf(request);
  if (request.kind === 'event') registerShape(db, request.eventName, request.match);
  db.run(
    `INSERT INTO waits (run_id, seq, kind, deadline, topic, event_name, match_key, child_id, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    runId,
    request.seq,
    request.kind,
    deadline,
    shape.topic,
    shape.event_name,
    shape.match_key,
    shape.child_id,
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
