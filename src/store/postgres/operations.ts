import { LeaseLostError } from '../../errors.ts';
import { OPERATION_COLUMNS, type OperationRow, toOperation } from '../rows.ts';
import type { Lease, Operation } from '../store.ts';
import type { Sql } from './sql.ts';

export async function selectHistory(sql: Sql, runId: string): Promise<Operation[]> {
  const rows = await sql.rows<OperationRow>(
    `SELECT ${OPERATION_COLUMNS} FROM operations WHERE run_id = $1 ORDER BY seq`,
    [runId],
  );
  return rows.map(toOperation);
}

/** The record at position `seq` of the run, if there is one. */
export async function selectOperation(sql: Sql, runId: string, seq: number): Promise<Operation | undefined> {
  const row = await sql.one<OperationRow>(
    `SELECT ${OPERATION_COLUMNS} FROM operations WHERE run_id = $1 AND seq = $2`,
    [runId, seq],
  );
  return row && toOperation(row);
}

/**
 * Records one result, fenced, in one statement: the run's row is updated only under the exact
 * lease (which locks it), and its `last_ord` counter numbers the record, so two records of one
 * run made at once (parallel steps) never get the same `ord`. A record already at `seq` means
 * another execution got there first: `LeaseLostError`, nothing written by the caller's
 * transaction survives.
 */
export async function insertOperation(
  sql: Sql,
  lease: Lease,
  op: Omit<Operation, 'createdAt' | 'ord'>,
  now: number,
): Promise<Operation> {
  const row = await sql.one<{ ord: number }>(
    `WITH r AS (
       UPDATE runs SET last_ord = last_ord + 1 WHERE id = $1 AND lease_token = $2 AND status = 'running'
       RETURNING last_ord)
     INSERT INTO operations (run_id, seq, ord, kind, name, output, error, created_at)
     SELECT $1, $3, r.last_ord, $4, $5, $6, $7, $8 FROM r
     ON CONFLICT (run_id, seq) DO NOTHING RETURNING ord`,
    [lease.runId, lease.token, op.seq, op.kind, op.name, op.output, op.error, now],
  );
  if (!row) throw new LeaseLostError(lease.runId);
  return { ...op, ord: row.ord, createdAt: now };
}

/** Removes the record at `seq` and everything after it (resuming a failed run). */
export async function deleteOperationsFrom(sql: Sql, runId: string, seq: number): Promise<void> {
  await sql.run('DELETE FROM operations WHERE run_id = $1 AND seq >= $2', [runId, seq]);
}
