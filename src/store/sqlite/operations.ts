import { LeaseLostError } from '../../errors.ts';
import type { Lease, Operation } from '../store.ts';
import type { Database } from './database.ts';
import { type OperationRow, toOperation } from './rows.ts';

export function selectHistory(db: Database, runId: string): Operation[] {
  return db
    .all<OperationRow>(
      'SELECT seq, kind, name, output, error, created_at FROM operations WHERE run_id = ? ORDER BY seq',
      runId,
    )
    .map(toOperation);
}

/** Inserts one history record. A record already at `seq` means another execution got there first. */
export function insertOperation(db: Database, lease: Lease, op: Omit<Operation, 'createdAt'>, now: number): Operation {
  const inserted = db.run(
    `INSERT INTO operations (run_id, seq, kind, name, output, error, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    lease.runId,
    op.seq,
    op.kind,
    op.name,
    op.output,
    op.error,
    now,
  );
  if (!inserted) throw new LeaseLostError(lease.runId);
  return { ...op, createdAt: now };
}

/** Removes the record at `seq` and everything after it (used when resuming a failed run). */
export function deleteOperationsFrom(db: Database, runId: string, seq: number): void {
  db.run('DELETE FROM operations WHERE run_id = ? AND seq >= ?', runId, seq);
}
