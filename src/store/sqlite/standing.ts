/** Standing approvals on SQLite (see `standing-store.ts` for the contract). */
import {
  STANDING_COLUMNS,
  type StandingApprovalQuery,
  type StandingApprovalRecord,
  type StandingRow,
  standingFromRow,
  standingParams,
  standingWhere,
} from '../standing-store.ts';
import type { Database } from './database.ts';

export function insert(db: Database, record: StandingApprovalRecord): void {
  db.run(
    `INSERT INTO standing_approvals (${STANDING_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ...(standingParams(record) as never[]),
  );
}

export function get(db: Database, id: string): StandingApprovalRecord | undefined {
  const row = db.get<StandingRow>(`SELECT ${STANDING_COLUMNS} FROM standing_approvals WHERE id = ?`, id);
  return row && standingFromRow(row);
}

export function list(db: Database, query: StandingApprovalQuery): StandingApprovalRecord[] {
  const { where, params } = standingWhere(query, () => '?');
  return db
    .all<StandingRow>(`SELECT ${STANDING_COLUMNS} FROM standing_approvals ${where}`, ...(params as never[]))
    .map(standingFromRow);
}

export function revoke(db: Database, id: string, by: string, at: number): boolean {
  return (
    db.run(
      'UPDATE standing_approvals SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL',
      at,
      by,
      id,
    ) > 0
  );
}
