/** Standing approvals on PostgreSQL (see `standing-store.ts` for the contract). */
import {
  STANDING_COLUMNS,
  type StandingApprovalQuery,
  type StandingApprovalRecord,
  type StandingRow,
  standingFromRow,
  standingParams,
  standingWhere,
} from '../standing-store.ts';
import type { Sql } from './sql.ts';

export async function insert(sql: Sql, record: StandingApprovalRecord): Promise<void> {
  await sql.run(
    `INSERT INTO standing_approvals (${STANDING_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    standingParams(record),
  );
}

export async function get(sql: Sql, id: string): Promise<StandingApprovalRecord | undefined> {
  const row = await sql.one<StandingRow>(`SELECT ${STANDING_COLUMNS} FROM standing_approvals WHERE id = $1`, [id]);
  return row && standingFromRow(row);
}

export async function list(sql: Sql, query: StandingApprovalQuery): Promise<StandingApprovalRecord[]> {
  const { where, params } = standingWhere(query, (n) => `$${n}`);
  return (await sql.rows<StandingRow>(`SELECT ${STANDING_COLUMNS} FROM standing_approvals ${where}`, params)).map(
    standingFromRow,
  );
}

export async function revoke(sql: Sql, id: string, by: string, at: number): Promise<boolean> {
  return (
    (await sql.run(
      'UPDATE standing_approvals SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL',
      [at, by, id],
    )) > 0
  );
}
