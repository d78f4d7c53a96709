/**
 * Every write the engine and the human-task layer make through the store, in one list: a union
 * discriminated by `kind`, one member per write, each saying what it writes, what it answers
 * ({@link WriteResults}) and how it fails. Both stores apply this union:
 *
 * - SQLite: `sqlite/apply-write.ts`, one `applyWrite(db, write)` dispatch that every `SqliteStore`
 *   write method goes through, in the group-commit savepoint of `Database.write`.
 * - PostgreSQL: the hot writes ({@link BatchedWriteKind}) travel as these very objects, as JSON,
 *   in one `heed_apply(batch)` statement for many runs (`postgres/batch.ts`;
 *   `postgres/sql/heed_apply.sql` hands each kind to its SQL function, which reads the fields named
 *   here). The others are applied in a transaction of their own by `PostgresStore`.
 *
 * Fenced writes (those with a `lease`) write only while the run is `running` under that exact
 * lease, and otherwise fail with `LeaseLostError` having written nothing. Every write is atomic.
 *
 * Not here: claims and lease upkeep (`claimRuns`, `renewLeases`, `heartbeat`, …), which hand runs
 * out rather than change what a run did, and the bookkeeping of the layers above (settings,
 * one-click links, deliveries, the outbox), each a single row written by its owner.
 */
import type {
  Completion,
  JsonText,
  Lease,
  NewMessage,
  NewRun,
  Operation,
  Run,
  StatusEntry,
  WaitOutcome,
  WaitRequest,
} from './store.ts';
import type { AuditEntry, NewTask, TaskRecord, TaskUpdate } from './task-store.ts';

/**
 * Starts a run: inserted `pending` (announced to workers), or `waiting` when `run.suspended`,
 * unless a run with that id exists: then that run is the answer, `created: false`, and nothing is
 * written (idempotent start). A run without an initiator inherits its parent's. Not fenced.
 */
export interface CreateRun {
  kind: 'createRun';
  run: NewRun;
  now: number;
}

/**
 * Records one operation's result at its position `operation.seq`, numbered (`ord`) after every
 * record of the run so far, in the order the writes are made (see `EngineStore`). Fenced; a record already at `seq` means another execution got there
 * first: `LeaseLostError`.
 */
export interface RecordOperation {
  kind: 'recordOperation';
  lease: Lease;
  operation: Omit<Operation, 'createdAt' | 'ord'>;
  now: number;
}

/**
 * Records the `status` operation at `seq` and appends `value` to the run's status history and
 * event feed. Fenced.
 */
export interface PublishStatus {
  kind: 'publishStatus';
  lease: Lease;
  seq: number;
  key: string;
  value: JsonText;
  now: number;
}

/**
 * Records the `start` operation at `seq` and creates the child run (idempotently: an existing
 * child of this run with that id and workflow is the answer), atomically. Fenced.
 * @throws RunStateError when the id belongs to another workflow's run or to no child of this run
 */
export interface StartChild {
  kind: 'startChild';
  lease: Lease;
  seq: number;
  name: string;
  child: NewRun;
  now: number;
}

/**
 * Resolves a wait if its condition holds now, recording its result (`ready`), or registers it
 * durably, once (`waiting`: a replay finds it and keeps its deadline). How a wait resolves is
 * `wait-rules.ts`. Fenced.
 * @throws NonDeterminismError when the position holds another wait or another record
 */
export interface AwaitWait {
  kind: 'awaitWait';
  lease: Lease;
  request: WaitRequest;
  now: number;
}

/**
 * Ends the execution of a run that waits: `waiting`, or `pending` again when something woke it
 * while it ran (then announced to workers). Fenced.
 */
export interface SuspendRun {
  kind: 'suspendRun';
  lease: Lease;
  now: number;
}

/**
 * Ends the run (`succeeded` with `completion.output`, or `failed` with its error), appends its
 * `run.succeeded`/`run.failed` event (`run-end-event.ts`), removes its open waits and wakes the
 * parents waiting on it. Fenced.
 */
export interface CompleteRun {
  kind: 'completeRun';
  lease: Lease;
  completion: Completion;
  now: number;
}

/** Gives a run back (graceful shutdown): `pending` for any worker, announced. Fenced. */
export interface ReleaseRun {
  kind: 'releaseRun';
  lease: Lease;
  now: number;
}

/**
 * Appends a transient `progress` entry to the run's feed. Fenced, but answers `false` instead of
 * throwing when the lease is lost (a step that streams must not fail for it).
 */
export interface AppendProgress {
  kind: 'appendProgress';
  lease: Lease;
  data: JsonText;
  now: number;
}

/**
 * Appends to the run's mailbox for `message.topic` and wakes the run if it waits there (a waiting
 * run becomes pending; a running one replays once it suspends). A second message with the same
 * idempotency key for the same run writes nothing (`duplicate: true`).
 * @throws RunNotFoundError
 */
export interface SendMessage {
  kind: 'sendMessage';
  message: NewMessage;
  now: number;
}

/** Stores an event and wakes every run whose registered event wait matches it (an indexed lookup). */
export interface EmitEvent {
  kind: 'emitEvent';
  name: string;
  data: JsonText;
  now: number;
}

/** Marks up to `limit` due timers fired and wakes their runs; answers how many fired. */
export interface FireDueTimers {
  kind: 'fireDueTimers';
  now: number;
  limit: number;
}

/**
 * Cancels the run and its descendants that have not ended, removes their waits, wakes parents
 * waiting on them and cancels their pending tasks; answers the ids cancelled.
 * @throws RunNotFoundError
 */
export interface CancelRun {
  kind: 'cancelRun';
  runId: string;
  now: number;
}

/**
 * Makes a failed, cancelled or blocked run pending again; a run failed by a step loses that
 * step's record (and the messages taken from there on are put back), so that the step runs again.
 * With `workflow`, the run replays on that name from now on (another version of its workflow). A
 * `run.resumed` event records who (`by`), from what status, and onto which name.
 * @throws RunNotFoundError, RunStateError
 */
export interface ResumeRun {
  kind: 'resumeRun';
  runId: string;
  now: number;
  workflow?: string;
  by?: string;
}

/**
 * Marks the run `blocked` with `error` (its replay diverged from its history): nothing undone,
 * its waits kept, its lease ended; a `run.blocked` event on its feed. Fenced.
 * @throws LeaseLostError
 */
export interface BlockRun {
  kind: 'blockRun';
  lease: Lease;
  error: string;
  now: number;
}

/**
 * Creates a human task (version 1) with its lifecycle run, its first audit entries, the
 * deliveries it names and its `task.created` feed entries; an existing task with the same id or
 * idempotency key is the answer instead (`created: false`, nothing written). See `TaskStore`.
 */
export interface CreateTask {
  kind: 'createTask';
  task: NewTask;
  run: NewRun;
  audit: readonly AuditEntry[];
  now: number;
}

/**
 * A decision of the human layer about a task, written by compare-and-set: only while the task is
 * at `expectedVersion` (answers `false` otherwise, nothing written), with the lifecycle run's end
 * or message in the same transaction. See `TaskStore.applyTaskUpdate`.
 * @throws TaskNotFoundError
 */
export interface UpdateTask {
  kind: 'updateTask';
  taskId: string;
  expectedVersion: number;
  update: TaskUpdate;
  now: number;
}

/**
 * `ctx.ask` in one write (a fused child, see `engine/fused-child.ts`): records `records[0]`
 * (`value uuid`), creates the task with its lifecycle run `run` (a child of the asking run) as
 * {@link CreateTask} does, records `records[1]` (the `step` giving the task id) and `records[2]`
 * (the `start` of the lifecycle run), then resolves or registers `wait`, the asking run's wait for
 * the lifecycle run, as {@link AwaitWait} does. Fenced, atomic: what the four operations
 * `ctx.uuid()`, `ctx.step`, `ctx.start` and `.result()` write one after the other.
 * @throws RunStateError when the task's id is taken by another task or run (nothing written)
 */
export interface AskTask {
  kind: 'askTask';
  lease: Lease;
  records: readonly Omit<Operation, 'createdAt' | 'ord'>[];
  wait: Extract<WaitRequest, { kind: 'child' }>;
  task: NewTask;
  run: NewRun;
  audit: readonly AuditEntry[];
  now: number;
}

/** Every write of the engine and the task layer. */
export type Write =
  | CreateRun
  | RecordOperation
  | PublishStatus
  | StartChild
  | AwaitWait
  | SuspendRun
  | CompleteRun
  | ReleaseRun
  | AppendProgress
  | SendMessage
  | EmitEvent
  | FireDueTimers
  | CancelRun
  | ResumeRun
  | BlockRun
  | CreateTask
  | AskTask
  | UpdateTask;

/** What each write answers once it committed. */
export interface WriteResults {
  createRun: { run: Run; created: boolean };
  recordOperation: undefined;
  publishStatus: StatusEntry;
  startChild: Run;
  awaitWait: WaitOutcome;
  suspendRun: 'waiting' | 'pending';
  completeRun: undefined;
  releaseRun: undefined;
  appendProgress: boolean;
  sendMessage: { duplicate: boolean; woke: boolean };
  emitEvent: { eventId: number; woken: number };
  fireDueTimers: number;
  cancelRun: string[];
  resumeRun: Run;
  blockRun: undefined;
  createTask: { task: TaskRecord; created: boolean };
  askTask: WaitOutcome;
  updateTask: boolean;
}

/** The answer of write `W`. */
export type WriteResult<W extends Write> = WriteResults[W['kind']];

/**
 * The writes PostgreSQL applies in SQL, many runs' at once, in one `heed_apply` statement: those
 * a busy worker and its clients make all the time. (`awaitWait` only for `recv` and `sleep`:
 * event and child waits take other locks first, see `PostgresStore.awaitWait`.)
 */
export type BatchedWriteKind =
  | 'createRun'
  | 'recordOperation'
  | 'awaitWait'
  | 'suspendRun'
  | 'completeRun'
  | 'releaseRun'
  | 'sendMessage';
