import type { Operation, Run, RunStatus, Wait } from '../store/store.ts';
import { decode, type ErrorData } from './serialization.ts';
import { parseVersioned } from './versions.ts';

/** A run as the public API shows it: values decoded. */
export interface RunInfo<O = unknown> {
  id: string;
  workflow: string;
  /** The version of the workflow's code the run started on and replays on (1: unversioned). */
  version: number;
  status: RunStatus;
  input: unknown;
  output: O | undefined;
  error: ErrorData | undefined;
  parentId: string | null;
  /** The principal that started the run (children inherit it), or `null`. */
  initiator: string | null;
  attempts: number;
  recoveries: number;
  createdAt: number;
  updatedAt: number;
}

/** A run with what it waits on and its recorded history. */
export interface RunDetail<O = unknown> extends RunInfo<O> {
  waitingOn: WaitInfo[];
  history: HistoryEntry[];
}

export interface WaitInfo {
  seq: number;
  kind: Wait['kind'];
  deadline: number | null;
  topic?: string;
  event?: string;
  childId?: string;
}

export interface HistoryEntry {
  seq: number;
  kind: Operation['kind'];
  name: string;
  failed: boolean;
  at: number;
}

export function toRunInfo<O>(run: Run): RunInfo<O> {
  const { workflow, version } = parseVersioned(run.workflow);
  return {
    id: run.id,
    workflow,
    version,
    status: run.status,
    input: decode(run.input),
    output: decode<O | undefined>(run.output),
    error: run.error === null ? undefined : (JSON.parse(run.error) as ErrorData),
    parentId: run.parentId,
    initiator: run.initiator,
    attempts: run.attempts,
    recoveries: run.recoveries,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
  };
}

export function toWaitInfo(wait: Wait): WaitInfo {
  const info: WaitInfo = { seq: wait.seq, kind: wait.kind, deadline: wait.deadline };
  if (wait.topic !== null) info.topic = wait.topic;
  if (wait.eventName !== null) info.event = wait.eventName;
  if (wait.childId !== null) info.childId = wait.childId;
  return info;
}

export function toHistoryEntry(op: Operation): HistoryEntry {
  return { seq: op.seq, kind: op.kind, name: op.name, failed: op.error !== null, at: op.createdAt };
}
