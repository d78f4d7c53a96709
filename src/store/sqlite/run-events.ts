import type { RunEvent } from '../store.ts';
import type { Database } from './database.ts';

interface RunEventRow {
  id: number;
  run_id: string;
  type: string;
  data: string | null;
  created_at: number;
}

/**
 * Appends to a run's event feed (what `GET /v1/runs/{id}/events` streams) and announces the event
 * itself with the id of the run's previous event (`prevId`, read in the same transaction): live
 * feeds that already have the run's events up to `prevId` append it without reading the store.
 */
export function appendRunEvent(db: Database, runId: string, type: string, data: unknown, now: number): void {
  const prevId =
    db.get<{ id: number }>('SELECT id FROM run_events WHERE run_id = ? ORDER BY id DESC LIMIT 1', runId)?.id ?? 0;
  const text = data === undefined ? null : JSON.stringify(data);
  const id = db.insert(
    'INSERT INTO run_events (run_id, type, data, created_at) VALUES (?, ?, ?, ?)',
    runId,
    type,
    text,
    now,
  );
  db.notify({
    kind: 'run-event',
    runId,
    prevId,
    event: { id, runId, type, data: text === null ? null : (JSON.parse(text) as unknown), at: now },
  });
}

/** Events after `after` (an event id), of one run or of all, in order. */
export function selectRunEvents(db: Database, after: number, limit: number, runId?: string): RunEvent[] {
  const rows =
    runId === undefined
      ? db.all<RunEventRow>(
          'SELECT id, run_id, type, data, created_at FROM run_events WHERE id > ? ORDER BY id LIMIT ?',
          after,
          limit,
        )
      : db.all<RunEventRow>(
          'SELECT id, run_id, type, data, created_at FROM run_events WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?',
          runId,
          after,
          limit,
        );
  return rows.map((r) => ({
    id: r.id,
    runId: r.run_id,
    type: r.type,
    data: r.data === null ? null : (JSON.parse(r.data) as unknown),
    at: r.created_at,
  }));
}
