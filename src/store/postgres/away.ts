/** Who is away (`away`) and the log of changes (`away_log`) in PostgreSQL: see `../away-store.ts`. */
import {
  type AwayLogEntry,
  type AwayLogRow,
  type AwayRecord,
  type AwayRow,
  toAwayLogEntry,
  toAwayRecord,
} from '../away-store.ts';
import type { Sql } from './sql.ts';

export async function putAway(sql: Sql, record: AwayRecord): Promise<void> {
  await sql.run(
    `INSERT INTO away (principal, delegate, starts_at, until, set_by, set_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (principal) DO UPDATE SET delegate = excluded.delegate, starts_at = excluded.starts_at,
       until = excluded.until, set_by = excluded.set_by, set_at = excluded.set_at`,
    [record.principal, record.delegate, record.from, record.until, record.setBy, record.setAt],
  );
  await log(sql, record.principal, 'set', record.setBy, record.setAt, record);
}

export async function getAway(sql: Sql, principal: string): Promise<AwayRecord | undefined> {
  const row = await sql.one<AwayRow>(
    'SELECT principal, delegate, starts_at, until, set_by, set_at FROM away WHERE principal = $1',
    [principal],
  );
  return row && toAwayRecord(row);
}

export async function clearAway(
  sql: Sql,
  principal: string,
  actor: string,
  now: number,
): Promise<AwayRecord | undefined> {
  const row = await sql.one<AwayRow>(
    'DELETE FROM away WHERE principal = $1 RETURNING principal, delegate, starts_at, until, set_by, set_at',
    [principal],
  );
  if (!row) return undefined;
  const found = toAwayRecord(row);
  await log(sql, principal, 'cleared', actor, now, found);
  return found;
}

export async function awayLog(sql: Sql, principal: string, limit: number): Promise<AwayLogEntry[]> {
  const rows = await sql.rows<AwayLogRow>(
    'SELECT principal, action, actor, at, detail FROM away_log WHERE principal = $1 ORDER BY id DESC LIMIT $2',
    [principal, limit],
  );
  return rows.map(toAwayLogEntry);
}

async function log(sql: Sql, principal: string, action: string, actor: string, at: number, detail: unknown) {
  await sql.run('INSERT INTO away_log (principal, action, actor, at, detail) VALUES ($1, $2, $3, $4, $5)', [
    principal,
    action,
    actor,
    at,
    JSON.stringify(detail),
  ]);
}
