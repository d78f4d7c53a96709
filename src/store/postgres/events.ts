import { dataMatches, type EventMatch, keyForData, matchShape } from '../event-match.ts';
import type { EventRow } from '../rows.ts';
import type { Sql } from './sql.ts';

/**
 * Serializes emits of an event name against the registration of waits on it: an emit takes it
 * exclusively, a wait shared, each before any run lock. So an event is either seen by the wait's
 * lookback, or sees the wait's row; never neither.
 */
export async function lockEventName(sql: Sql, name: string, mode: 'emit' | 'wait'): Promise<void> {
  await sql.run(
    mode === 'emit'
      ? "SELECT pg_advisory_xact_lock(hashtext('heed-event:' || $1))"
      : "SELECT pg_advisory_xact_lock_shared(hashtext('heed-event:' || $1))",
    [name],
  );
}

export async function insertEvent(sql: Sql, name: string, data: string | null, now: number): Promise<number> {
  const row = await sql.one<{ id: number }>(
    'INSERT INTO events (name, data, created_at) VALUES ($1, $2, $3) RETURNING id',
    [name, data, now],
  );
  return row?.id ?? 0;
}

export async function selectEvent(sql: Sql, id: number): Promise<EventRow | undefined> {
  return sql.one<EventRow>('SELECT id, name, data, created_at FROM events WHERE id = $1', [id]);
}

/** Remembers that waits on `eventName` use this match shape, so emits know which keys to compute. */
export async function registerShape(sql: Sql, eventName: string, match: EventMatch): Promise<void> {
  await sql.run('INSERT INTO event_shapes (event_name, shape) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
    eventName,
    matchShape(match),
  ]);
}

/** The lookup keys the event's data has under every shape waits on `name` use. */
export async function keysForEvent(sql: Sql, name: string, data: unknown): Promise<string[]> {
  const shapes = await sql.rows<{ shape: string }>('SELECT shape FROM event_shapes WHERE event_name = $1', [name]);
  const keys: string[] = [];
  for (const { shape } of shapes) {
    const key = keyForData(shape, data);
    if (key !== undefined) keys.push(key);
  }
  return keys;
}

/** Runs with an open wait matching one of `keys` (an indexed lookup). */
export async function runsMatching(sql: Sql, name: string, keys: readonly string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const rows = await sql.rows<{ run_id: string }>(
    `SELECT DISTINCT run_id FROM waits
     WHERE kind = 'event' AND event_name = $1 AND match_key = ANY($2::text[]) AND event_id IS NULL ORDER BY run_id`,
    [name, keys],
  );
  return rows.map((r) => r.run_id);
}

/** Attaches the event to the matching open waits (their runs locked by the caller). */
export async function attachEvent(sql: Sql, eventId: number, name: string, keys: readonly string[]): Promise<string[]> {
  const rows = await sql.rows<{ run_id: string }>(
    `UPDATE waits SET event_id = $1, fired = true
     WHERE kind = 'event' AND event_name = $2 AND match_key = ANY($3::text[]) AND event_id IS NULL
     RETURNING run_id`,
    [eventId, name, keys],
  );
  return rows.map((r) => r.run_id);
}

/**
 * The oldest event named `name` since `since` whose data matches (the `lookback` window), leaving
 * out events this run already received at another position.
 */
export async function findRecentEvent(
  sql: Sql,
  runId: string,
  name: string,
  match: EventMatch,
  since: number,
): Promise<EventRow | undefined> {
  const rows = await sql.rows<EventRow>(
    `SELECT id, name, data, created_at FROM events
     WHERE name = $1 AND created_at >= $2
       AND id NOT IN (
         SELECT (output::json->>'id')::bigint FROM operations
         WHERE run_id = $3 AND kind = 'event' AND output IS NOT NULL AND output <> 'null')
     ORDER BY created_at, id`,
    [name, since, runId],
  );
  return rows.find((row) => dataMatches(row.data === null ? undefined : JSON.parse(row.data), match));
}
