import type { Operation, OperationKind, Run, RunStatus, StatusEntry, Wait, WaitKind } from '../store.ts';

/** Row shapes as SQLite returns them. They never leave `store/sqlite`. */
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

export interface OperationRow {
  seq: number;
  ord: number;
  kind: string;
  name: string;
  output: string | null;
  error: string | null;
  created_at: number;
}

export interface WaitRow {
  run_id: string;
  seq: number;
  kind: string;
  deadline: number | null;
  fired: number;
  topic: string | null;
  event_name: string | null;
  match_key: string | null;
  event_id: number | null;
  child_id: string | null;
  created_at: number;
}

export interface StatusRow {
  id: number;
  run_id: string;
  key: string;
  value: string | null;
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
