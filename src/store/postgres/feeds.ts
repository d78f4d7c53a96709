import { STATUS_COLUMNS, type StatusRow, toStatus } from '../rows.ts';
import type { RunEvent, StatusEntry } from '../store.ts';
import type { Sql } from './sql.ts';

/**
 * The channel on which the store announces new run events (`r:<runId>`) and task changes
 * (`t:<taskId>`), delivered on commit to every process (see `notifications.ts`).
 */
export const FEED_CHANNEL = 'heed_feed';

/**
 * Statuses are numbered in commit order: a writer takes this lock (held to its commit) before
 * inserting, so an id is never handed out before a smaller one has committed, and `id > after`
 * never skips a late commit. Status publications are rare next to steps; the lock is cheap.
 */
const STATUS_FEED_LOCK = 7_414_653_002;
/** Serializes the sequencers of the run event feed (see {@link sequenceRunEvents}). */
const RUN_EVENT_FEED_LOCK = 7_414_653_003;

/** Takes the status feed's order lock for the rest of the transaction (before any run lock). */
export async function lockStatusFeed(sql: Sql): Promise<void> {
  await sql.run('SELECT pg_advisory_xact_lock($1)', [STATUS_FEED_LOCK]);
}

export async function insertStatus(
  sql: Sql,
  runId: string,
  key: string,
  value: string | null,
  now: number,
): Promise<StatusEntry> {
  const row = await sql.one<StatusRow>(
    `INSERT INTO statuses (run_id, key, value, created_at) VALUES ($1, $2, $3, $4) RETURNING ${STATUS_COLUMNS}`,
    [runId, key, value, now],
  );
  return toStatus(row as StatusRow);
}

export async function latestStatus(sql: Sql, runId: string, key: string): Promise<StatusEntry | undefined> {
  const row = await sql.one<StatusRow>(
    `SELECT ${STATUS_COLUMNS} FROM statuses WHERE run_id = $1 AND key = $2 ORDER BY id DESC LIMIT 1`,
    [runId, key],
  );
  return row && toStatus(row);
}

export async function statusHistory(sql: Sql, runId: string, key?: string): Promise<StatusEntry[]> {
  const rows =
    key === undefined
      ? await sql.rows<StatusRow>(`SELECT ${STATUS_COLUMNS} FROM statuses WHERE run_id = $1 ORDER BY id`, [runId])
      : await sql.rows<StatusRow>(`SELECT ${STATUS_COLUMNS} FROM statuses WHERE run_id = $1 AND key = $2 ORDER BY id`, [
          runId,
          key,
        ]);
  return rows.map(toStatus);
}

export async function statusChanges(sql: Sql, after: number, limit: number, runId?: string): Promise<StatusEntry[]> {
  const rows =
    runId === undefined
      ? await sql.rows<StatusRow>(`SELECT ${STATUS_COLUMNS} FROM statuses WHERE id > $1 ORDER BY id LIMIT $2`, [
          after,
          limit,
        ])
      : await sql.rows<StatusRow>(
          `SELECT ${STATUS_COLUMNS} FROM statuses WHERE run_id = $3 AND id > $1 ORDER BY id LIMIT $2`,
          [after, limit, runId],
        );
  return rows.map(toStatus);
}

/** Appends to a run's event feed and announces it (delivered on commit). */
export async function appendRunEvent(sql: Sql, runId: string, type: string, data: unknown, now: number): Promise<void> {
  await sql.run(
    `WITH ins AS (INSERT INTO run_events (run_id, type, data, created_at) VALUES ($1, $2, $3, $4) RETURNING run_id)
     SELECT pg_notify('${FEED_CHANNEL}_' || current_schema(), 'r:' || run_id) FROM ins`,
    [runId, type, data === undefined ? null : JSON.stringify(data), now],
  );
  sql.announce({ kind: 'run-event', runId });
}

/**
 * Gives committed run events their feed position (`pos`), in one transaction under a lock:
 * positions are handed out only to rows already committed, and only by one sequencer at a time,
 * so a row that commits late gets a position after every position handed out before it: readers
 * going by `pos > after` never skip it. (A claimed outbox, claimed by whoever reads the feed.)
 * A sequencer busy in another process is not waited for: its positions appear when it commits.
 */
export async function sequenceRunEvents(sql: Sql): Promise<void> {
  const got = await sql.one<{ got: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS got', [RUN_EVENT_FEED_LOCK]);
  if (!got?.got) return;
  await sql.run(
    `UPDATE run_events r SET pos = s.pos
     FROM (SELECT id, nextval('run_event_pos') AS pos
           FROM (SELECT id FROM run_events WHERE pos IS NULL ORDER BY id LIMIT 10000) unsequenced) s
     WHERE r.id = s.id`,
  );
}

interface RunEventRow {
  pos: number;
  run_id: string;
  type: string;
  data: string | null;
  created_at: number;
}

/** Sequenced events after position `after`, of one run or of all, in order. */
export async function selectRunEvents(sql: Sql, after: number, limit: number, runId?: string): Promise<RunEvent[]> {
  const rows =
    runId === undefined
      ? await sql.rows<RunEventRow>(
          'SELECT pos, run_id, type, data, created_at FROM run_events WHERE pos > $1 ORDER BY pos LIMIT $2',
          [after, limit],
        )
      : await sql.rows<RunEventRow>(
          'SELECT pos, run_id, type, data, created_at FROM run_events WHERE run_id = $3 AND pos > $1 ORDER BY pos LIMIT $2',
          [after, limit, runId],
        );
  return rows.map((r) => ({
    id: r.pos,
    runId: r.run_id,
    type: r.type,
    data: r.data === null ? null : (JSON.parse(r.data) as unknown),
    at: r.created_at,
  }));
}

export async function lastRunEventPos(sql: Sql): Promise<number> {
  return (await sql.one<{ pos: number | null }>('SELECT max(pos) AS pos FROM run_events'))?.pos ?? 0;
}

/** Announces that a task was created or changed (delivered on commit). */
export async function announceTask(sql: Sql, taskId: string): Promise<void> {
  await sql.run(`SELECT pg_notify('${FEED_CHANNEL}_' || current_schema(), 't:' || $1::text)`, [taskId]);
  sql.announce({ kind: 'task', taskId });
}
