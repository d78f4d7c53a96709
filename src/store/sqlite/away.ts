/** Who is away (`away`) and the log of changes (`away_log`) in SQLite: see `../away-store.ts`. */
import {
  type AwayLogEntry,
  type AwayLogRow,
  type AwayRecord,
  type AwayRow,
  toAwayLogEntry,
  toAwayRecord,
} from '../away-store.ts';
import type { Database } from './database.ts';

export function putAway(db: Database, record: AwayRecord): void {
  db.run(
    `INSERT INTO away (principal, delegate, starts_at, until, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (principal) DO UPDATE SET delegate = excluded.delegate, starts_at = excluded.starts_at,
       until = excluded.until, set_by = excluded.set_by, set_at = excluded.set_at`,
    record.principal,
    record.delegate,
    record.from,
    record.until,
    record.setBy,
    record.setAt,
  );
  log(db, record.principal, 'set', record.setBy, record.setAt, record);
}

export function getAway(db: Database, principal: string): AwayRecord | undefined {
  const row = db.get<AwayRow>(
    'SELECT principal, delegate, starts_at, until, set_by, set_at FROM away WHERE principal = ?',
    principal,
  );
  return row && toAwayRecord(row);
}

export function clearAway(db: Database, principal: string, actor: string, now: number): AwayRecord | undefined {
  const found = getAway(db, principal);
  if (!found) return undefined;
  db.run('DELETE FROM away WHERE principal = ?', principal);
  log(db, principal, 'cleared', actor, now, found);
  return found;
}

export function awayLog(db: Database, principal: string, limit: number): AwayLogEntry[] {
  return db
    .all<AwayLogRow>(
      'SELECT principal, action, actor, at, detail FROM away_log WHERE principal = ? ORDER BY id DESC LIMIT ?',
      principal,
      limit,
    )
    .map(toAwayLogEntry);
}

function log(db: Database, principal: string, action: string, actor: string, at: number, detail: unknown): void {
  db.run(
    'INSERT INTO away_log (principal, action, actor, at, detail) VALUES (?, ?, ?, ?, ?)',
    principal,
    action,
    actor,
    at,
    JSON.stringify(detail),
  );
}
