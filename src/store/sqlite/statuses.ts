import type { StatusEntry } from '../store.ts';
import type { Database } from './database.ts';
import { STATUS_COLUMNS as COLUMNS, type StatusRow, toStatus } from '../rows.ts';

export function insertStatus(db: Database, runId: string, key: string, value: string | null, now: number): StatusEntry {
  const row = db.get<StatusRow>(
    `INSERT INTO statuses (run_id, key, value, created_at) VALUES (?, ?, ?, ?) RETURNING ${COLUMNS}`,
    runId,
    key,
    value,
    now,
  ) as StatusRow;
  return toStatus(row);
}

export function latestStatus(db: Database, runId: string, key: string): StatusEntry | undefined {
  const row = db.get<StatusRow>(
    `SELECT ${COLUMNS} FROM statuses WHERE run_id = ? AND key = ? ORDER BY id DESC LIMIT 1`,
    runId,
    key,
  );
  return row && toStatus(row);
}

export function statusHistory(db: Database, runId: string, key?: string): StatusEntry[] {
  const rows =
    key === undefined
      ? db.all<StatusRow>(`SELECT ${COLUMNS} FROM statuses WHERE run_id = ? ORDER BY id`, runId)
      : db.all<StatusRow>(`SELECT ${COLUMNS} FROM statuses WHERE run_id = ? AND key = ? ORDER BY id`, runId, key);
  return rows.map(toStatus);
}

export function statusChanges(db: Database, after: number, limit: number, runId?: string): StatusEntry[] {
  const rows =
    runId === undefined
      ? db.all<StatusRow>(`SELECT ${COLUMNS} FROM statuses WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
      : db.all<StatusRow>(
          `SELECT ${COLUMNS} FROM statuses WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?`,
          runId,
          after,
          limit,
        );
  return rows.map(toStatus);
}
