import { LeaseLostError } from '../../errors.ts';
import type { Lease, Operation } from '../store.ts';
import type { Database } from './database.ts';
import { OPERATION_COLUMNS, type OperationRow, toOperation } from '../rows.ts';

export function selectHistory(db: Database, runId: string): Operation[] {
  return selectHistoryRows(db, runId).map(toOperation);
}

/** The run's history as rows (a claim maps them, see `toClaims`). */
export function selectHistoryRows(db: Database, runId: string): OperationRow[] {
  return db.all<OperationRow>(`SELECT ${OPERATION_COLUMNS} FROM operations WHERE run_id = ? ORDER BY seq`, runId);
}

/**
 * Inserts one history record, numbered `ord` after every record of the run so far: the order in
 * which results were recorded, which replays reproduce. A record already at `seq` means another
 * execution got there first.
 */
export function insertOperation(
  db: Database,
  lease: Lease,
  op: Omit<Operation, 'createdAt' | 'ord'>,
  now: number,
): Operation {
  const row = db.get<{ ord: number }>(
    `INSERT INTO operations (run_id, seq, ord, kind, name, output, error, created_at)
     VALUES (?, ?, (SELECT COALESCE(MAX(ord), 0) + 1 FROM operations WHERE run_id = ?), ?, ?, ?, ?, ?)
     ON CONFLICT DO NOTHING RETURNING ord`,
    lease.runId,
    op.seq,
    lease.runId,
    op.kind,
    op.name,
    op.output,
    op.error,
    now,
  );
  if (!row) throw new LeaseLostError(lease.runId);
  return { ...op, ord: row.ord, createdAt: now };
}

/**
 * {@link insertOperation} fenced by the lease in the same statement: nothing is written, and
 * `LeaseLostError` thrown, unless the run is running under this exact lease.
 */
export function insertHeldOperation(
  db: Database,
  lease: Lease,
  op: Omit<Operation, 'createdAt' | 'ord'>,
  now: number,
): void {
  const row = db.get<{ ord: number }>(
    `INSERT INTO operations (run_id, seq, ord, kind, name, output, error, created_at)
     SELECT ?, ?, (SELECT COALESCE(MAX(ord), 0) + 1 FROM operations WHERE run_id = ?), ?, ?, ?, ?, ?
     WHERE EXISTS (SELECT 1 FROM runs WHERE id = ? AND lease_token = ? AND status = 'running')
     ON CONFLICT DO NOTHING RETURNING ord`,
    lease.runId,
    op.seq,
    lease.runId,
    op.kind,
    op.name,
    op.output,
    op.error,
    now,
    lease.runId,
    lease.token,
  );
  if (!row) throw new LeaseLostError(lease.runId);
}

/** Removes the record at `seq` and everything after it (used when resuming a failed run). */
export function deleteOperationsFrom(db: Database, runId: string, seq: number): void {
  db.run('DELETE FROM operations WHERE run_id = ? AND seq >= ?', runId, seq);
}
