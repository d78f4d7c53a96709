import { dataMatches, type EventMatch, keyForData, matchShape } from '../event-match.ts';
import type { EventRow } from '../rows.ts';
import type { Database } from './database.ts';

export function insertEvent(db: Database, name: string, data: string | null, now: number): number {
  return (
    db.get<{ id: number }>('INSERT INTO events (name, data, created_at) VALUES (?, ?, ?) RETURNING id', name, data, now)
      ?.id ?? 0
  );
}

export function selectEvent(db: Database, id: number): EventRow | undefined {
  return db.get<EventRow>('SELECT id, name, data, created_at FROM events WHERE id = ?', id);
}

/** Remembers that waits on `eventName` use this match shape, so emits know which keys to compute. */
export function registerShape(db: Database, eventName: string, match: EventMatch): void {
  db.run(
    'INSERT INTO event_shapes (event_name, shape) VALUES (?, ?) ON CONFLICT DO NOTHING',
    eventName,
    matchShape(match),
  );
}

/**
 * Attaches the event to every open wait it matches, through the `(event_name, match_key)` index,
 * and returns the runs to wake.
 */
export function matchWaits(db: Database, eventId: number, name: string, data: unknown): string[] {
  const shapes = db.all<{ shape: string }>('SELECT shape FROM event_shapes WHERE event_name = ?', name);
  const runIds: string[] = [];
  for (const { shape } of shapes) {
    const key = keyForData(shape, data);
    if (key === undefined) continue;
    const rows = db.all<{ run_id: string }>(
      `UPDATE waits SET event_id = ?, fired = 1
       WHERE kind = 'event' AND event_name = ? AND match_key = ? AND event_id IS NULL
       RETURNING run_id`,
      eventId,
      name,
      key,
    );
    for (const row of rows) runIds.push(row.run_id);
  }
  return runIds;
}

/**
 * The oldest event named `name` since `since` whose data matches (the `lookback` window), leaving
 * out events this run already received at another position.
 */
export function findRecentEvent(
  db: Database,
  runId: string,
  name: string,
  match: EventMatch,
  since: number,
): EventRow | undefined {
  for (const row of db.all<EventRow>(
    `SELECT id, name, data, created_at FROM events
     WHERE name = ? AND created_at >= ?
       AND id NOT IN (
         SELECT json_extract(output, '$.id') FROM operations
         WHERE run_id = ? AND kind = 'event' AND output IS NOT NULL AND output <> 'null')
     ORDER BY created_at, id`,
    name,
    since,
    runId,
  )) {
    if (dataMatches(row.data === null ? undefined : JSON.parse(row.data), match)) return row;
  }
  return undefined;
}
