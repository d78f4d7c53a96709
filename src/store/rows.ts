/**
 * Row mapping, once for both stores: the rows of runs, operations, waits, statuses and events as
 * both SQLite and PostgreSQL return them (snake_case columns; PostgreSQL's bigints parsed to
 * numbers), and the domain objects the store hands out. The rows never leave `store/`.
 *
 * PostgreSQL builds some rows as JSON inside its functions (`heed_run_json` for a run,
 * `heed_claim` for a claimed run with its history): with these same column names, so the same
 * mapping applies.
 */
import type { Claim, Operation, OperationKind, Run, RunStatus, StatusEntry, Wait, WaitKind } from './store.ts';

export interface RunRow {
  id: string;
  workflow: string;
  status: string;
  input: string | null;
  output: string | null;
  error: string | null;
  failed_seq: number | null;
  parent_id: string | null;
  initiator: string | null;
  attempts: number;
  recoveries: number;
  lease_token: number;
  created_at: number;
  updated_at: number;
}

/** The columns of {@link RunRow}, for `SELECT`s and `RETURNING`s. */
export const RUN_COLUMNS =
  'id, workflow, status, input, output, error, failed_seq, parent_id, initiator, attempts, recoveries, lease_token, created_at, updated_at';

export interface OperationRow {
  seq: number;
  ord: number;
  kind: string;
  name: string;
  output: string | null;
  error: string | null;
  created_at: number;
}

/** The columns of {@link OperationRow}. */
export const OPERATION_COLUMNS = 'seq, ord, kind, name, output, error, created_at';

export interface WaitRow {
  run_id: string;
  seq: number;
  kind: string;
  deadline: number | null;
  /** PostgreSQL: a boolean; SQLite: 0 or 1. */
  fired: boolean | number;
  topic: string | null;
  event_name: string | null;
  match_key: string | null;
  event_id: number | null;
  child_id: string | null;
  created_at: number;
}

/** The columns of {@link WaitRow}. */
export const WAIT_COLUMNS =
  'run_id, seq, kind, deadline, fired, topic, event_name, match_key, event_id, child_id, created_at';

export interface StatusRow {
  id: number;
  run_id: string;
  key: string;
  value: string | null;
  created_at: number;
}

/** The columns of {@link StatusRow}. */
export const STATUS_COLUMNS = 'id, run_id, key, value, created_at';

export interface EventRow {
  id: number;
  name: string;
  data: string | null;
  created_at: number;
}

export function toRun(row: RunRow): Run {
  return {
    id: row.id,
    workflow: row.workflow,
    status: row.status as RunStatus,
    input: row.input,
    output: row.output,
    error: row.error,
    parentId: row.parent_id,
    initiator: row.initiator,
    attempts: row.attempts,
    recoveries: row.recoveries,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toOperation(row: OperationRow): Operation {
  return {
    seq: row.seq,
    ord: row.ord,
    kind: row.kind as OperationKind,
    name: row.name,
    output: row.output,
    error: row.error,
    createdAt: row.created_at,
  };
}

export function toWait(row: WaitRow): Wait {
  return {
    runId: row.run_id,
    seq: row.seq,
    kind: row.kind as WaitKind,
    deadline: row.deadline,
    topic: row.topic,
    eventName: row.event_name,
    childId: row.child_id,
    createdAt: row.created_at,
  };
}

export function toStatus(row: StatusRow): StatusEntry {
  return { id: row.id, runId: row.run_id, key: row.key, value: row.value, createdAt: row.created_at };
}

/**
 * What a claim returns, on every store: each claimed run (now `running`) with its lease (the
 * token the claim bumped) and the history its execution replays from, oldest run first (by
 * creation, then id), so runs started first start first.
 */
export function toClaims(
  claimed: readonly { row: RunRow; history: readonly OperationRow[]; lastWaitSeq: number | null }[],
): Claim[] {
  return [...claimed]
    .sort((a, b) => a.row.created_at - b.row.created_at || (a.row.id < b.row.id ? -1 : a.row.id > b.row.id ? 1 : 0))
    .map(({ row, history, lastWaitSeq }) => ({
      run: toRun(row),
      lease: { runId: row.id, token: row.lease_token },
      history: history.map(toOperation),
      lastWaitSeq,
    }));
}
