/**
 * The storage contract. Everything Heed persists goes through this interface, at the level of
 * the domain (runs, recorded operations, waits, messages, events, statuses), never SQL. It is
 * asynchronous so that a networked database can implement it. Every implementation must pass the
 * shared contract suite in `test/store/contract.ts`.
 *
 * Values cross this boundary as JSON text (`JsonText`), already validated by the engine.
 *
 * Methods taking a {@link Lease} are *fenced*: they write only if the run is still `running`
 * under that exact lease, and otherwise throw `LeaseLostError` having written nothing. Every
 * method is atomic: it commits all of its effects or none.
 */
import type { Changes } from './changes.ts';
import type { EventMatch } from './event-match.ts';
import type { DeliveryStore } from './delivery-store.ts';
import type { TaskStore } from './task-store.ts';

/** JSON text; `null` stands for `undefined`. */
export type JsonText = string | null;

export type RunStatus = 'pending' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled';
export const TERMINAL_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

export type WaitKind = 'sleep' | 'recv' | 'event' | 'child';
export type OperationKind = 'step' | 'sleep' | 'recv' | 'event' | 'child' | 'start' | 'status' | 'value';

/** A run: one execution of a workflow. */
export interface Run {
  id: string;
  workflow: string;
  status: RunStatus;
  input: JsonText;
  output: JsonText;
  /** Error JSON (see `encodeError`) when `failed`. */
  error: string | null;
  parentId: string | null;
  /** The principal that started the run (or its root ancestor), or `null` when unknown. */
  initiator: string | null;
  /** How many times a worker has claimed this run (first execution, replays, recoveries). */
  attempts: number;
  /** How many of those claims took the run from a worker whose lease expired (crashed or stalled). */
  recoveries: number;
  createdAt: number;
  updatedAt: number;
}

/** One recorded result in a run's history, at its position `seq`. */
export interface Operation {
  /** Position in call order. */
  seq: number;
  /** Position in the order results were recorded (1, 2, …): the order a replay delivers them in. */
  ord: number;
  kind: OperationKind;
  name: string;
  output: JsonText;
  /** Error JSON when the operation failed (a step that exhausted its retries). */
  error: string | null;
  createdAt: number;
}

/** What a suspended run waits on. */
export interface Wait {
  runId: string;
  seq: number;
  kind: WaitKind;
  /** Epoch ms after which the wait times out (or, for `sleep`, ends). */
  deadline: number | null;
  topic: string | null;
  eventName: string | null;
  childId: string | null;
  createdAt: number;
}

/** Proof that a worker holds a run. Writes under a stale lease fail with `LeaseLostError`. */
export interface Lease {
  runId: string;
  token: number;
}

/** A run handed to a worker, with the history it replays from. */
export interface Claim {
  run: Run;
  lease: Lease;
  history: Operation[];
}

export interface ClaimRequest {
  owner: string;
  workflows: readonly string[];
  limit: number;
  now: number;
  leaseMs: number;
  maxRecoveries: number;
  /** Runs this owner is executing right now: never taken back from itself. */
  active: readonly string[];
}

export interface NewRun {
  id: string;
  workflow: string;
  input: JsonText;
  parentId?: string | null;
  /** Who starts the run. Default: the parent's initiator (children act for the same principal). */
  initiator?: string | null;
  /**
   * Created suspended (`waiting`) with nothing to wait on, instead of `pending`: no worker executes
   * it unless it is resumed. For runs whose end is written from outside (a human task's lifecycle
   * with no timers and no channels to notify: see `TaskUpdate.endRun`). Default false.
   */
  suspended?: boolean;
}

/** A wait the engine asks the store to resolve now or register durably. */
export type WaitRequest =
  | { kind: 'sleep'; seq: number; name: string; durationMs: number }
  | { kind: 'recv'; seq: number; name: string; topic: string; timeoutMs: number | null }
  | {
      kind: 'event';
      seq: number;
      name: string;
      eventName: string;
      match: EventMatch;
      timeoutMs: number | null;
      lookbackMs: number;
    }
  | { kind: 'child'; seq: number; name: string; childId: string };

/**
 * `ready`: the wait was satisfied (or timed out) and its result is now recorded as `operation`.
 * `waiting`: it is registered durably; `deadline` is when it times out, if ever.
 */
export type WaitOutcome = { state: 'ready'; operation: Operation } | { state: 'waiting'; deadline: number | null };

export interface RunQuery {
  status?: RunStatus | undefined;
  workflow?: string | undefined;
  /** Only runs with an open wait of this kind. */
  waitingOn?: WaitKind | undefined;
  parentId?: string | undefined;
  /** Only runs started by this principal. */
  initiator?: string | undefined;
  /** Leave out runs of these workflows (e.g. Heed's internal ones). */
  excludeWorkflows?: readonly string[] | undefined;
  limit?: number | undefined;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string | undefined;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** One entry of a run's event feed: status values, the run's end, its tasks' lifecycle. */
export interface RunEvent {
  id: number;
  runId: string;
  /** `status`, `progress`, `run.succeeded`, `run.failed`, `run.cancelled`, `task.created`, `task.escalated`, `task.ended`. */
  type: string;
  data: unknown;
  at: number;
}

/** One published status value; `id` orders the global change feed. */
export interface StatusEntry {
  id: number;
  runId: string;
  key: string;
  value: JsonText;
  createdAt: number;
}

export interface NewMessage {
  runId: string;
  topic: string;
  body: JsonText;
  idempotencyKey?: string | undefined;
}

/** How a run ends. `failedSeq`: the history position whose error failed the run, if any. */
export type Completion = { output: JsonText } | { error: string; failedSeq: number | null };

/**
 * What a store announces to `onWake` listeners: a run became runnable (`run`), a timer was
 * registered (`timer`), a run's event feed grew (`feed`, with the run id), a task changed (`task`), or the announcement
 * channel reconnected and announcements may have been missed (`reconnected`).
 */
export type StoreWake =
  | { kind: 'run' }
  | { kind: 'timer' }
  | { kind: 'feed'; runId: string }
  | { kind: 'task'; taskId: string }
  | { kind: 'reconnected' };
export type StoreWakeListener = (wake: StoreWake) => void;

export interface Store extends TaskStore, DeliveryStore {
  /**
   * Announces committed changes (run events, tasks) to live feeds: at least in this process,
   * across processes where the implementation can (see `changes.ts`).
   */
  readonly changes: Changes;
  /** Opens the store and applies pending migrations. Idempotent. */
  init(): Promise<void>;
  /** Releases connections. Further calls throw `ClosedError`. */
  close(): Promise<void>;
  /**
   * Pushed wake-ups for stores shared by several processes (PostgreSQL's LISTEN/NOTIFY): the
   * engine claims, re-arms its timer and wakes feeds on them, polling only as a fallback. A store
   * written by one process only (SQLite) need not offer it. Returns an unsubscribe function.
   */
  onWake?(listener: StoreWakeListener): () => void;

  // ── runs ────────────────────────────────────────────────────────────────────────────────────
  /** Creates a `pending` run, or returns the existing run with that id (`created: false`). */
  createRun(run: NewRun, now: number): Promise<{ run: Run; created: boolean }>;
  getRun(id: string): Promise<Run | undefined>;
  listRuns(query: RunQuery): Promise<Page<Run>>;
  /** The run's recorded history in `seq` order. */
  loadHistory(runId: string): Promise<Operation[]>;
  /** The run's open waits. */
  listWaits(runId: string): Promise<Wait[]>;

  /**
   * Claims up to `limit` runnable runs of the given workflows for `owner`: pending runs, and
   * running runs whose lease expired (a recovery) unless `owner` is executing them (`active`). Each claim
   * bumps the lease token, so the previous holder's writes are fenced off. A run whose lease
   * expired after `maxRecoveries` recoveries is failed (`TOO_MANY_RECOVERIES`) instead: it
   * probably kills or stalls whatever worker runs it.
   */
  claimRuns(request: ClaimRequest): Promise<Claim[]>;
  /** Distinct owners of the leases of running runs. */
  leaseOwners(): Promise<string[]>;
  /** Ends every lease `owner` holds now (its process is known to be dead): the runs are recovered. */
  expireLeases(owner: string, now: number): Promise<number>;
  /** Extends the given leases (those still held; others are ignored). */
  renewLeases(leases: readonly Lease[], now: number, leaseMs: number): Promise<void>;
  /**
   * Worker heartbeats, for stores shared across machines (PostgreSQL): records that `owner` is
   * alive (on the database's clock) and extends its leases, in one call. Stores without it get
   * `renewLeases` and same-host pid checks instead.
   */
  heartbeat?(owner: string, leases: readonly Lease[], now: number, leaseMs: number): Promise<void>;
  /**
   * Ends the leases of workers whose last heartbeat is older than `staleMs` (they died: their runs
   * are recovered at once, not at lease expiry) and forgets them. Returns how many workers.
   */
  reapDeadWorkers?(staleMs: number, now: number): Promise<number>;
  /** Forgets a worker that stopped gracefully. */
  retireWorker?(owner: string): Promise<void>;
  /** Gives a run back (graceful shutdown): it becomes `pending` for any worker. Fenced. */
  releaseRun(lease: Lease, now: number): Promise<void>;

  // ── executing a run (fenced) ──────────────────────────────────────────────────────────────
  /** Records one operation's result. Fails with `LeaseLostError` if `seq` is already recorded. */
  recordOperation(lease: Lease, operation: Omit<Operation, 'createdAt' | 'ord'>, now: number): Promise<void>;
  /** Records the `status` operation and appends the value to the run's status history. */
  publishStatus(lease: Lease, seq: number, key: string, value: JsonText, now: number): Promise<StatusEntry>;
  /** Records the `start` operation and creates the child run (idempotently), atomically. */
  startChild(lease: Lease, seq: number, name: string, child: NewRun, now: number): Promise<Run>;
  /** Resolves a wait if it can be (recording the result), else registers it durably. */
  awaitWait(lease: Lease, request: WaitRequest, now: number): Promise<WaitOutcome>;
  /**
   * Ends the current execution of a run that waits: `waiting`, or `pending` again when something
   * woke it while it ran. Returns the new status.
   */
  suspendRun(lease: Lease, now: number): Promise<'waiting' | 'pending'>;
  /** Ends the run, removes its open waits and wakes parents waiting on it. */
  completeRun(lease: Lease, completion: Completion, now: number): Promise<void>;

  // ── from outside ──────────────────────────────────────────────────────────────────────────
  /**
   * Appends to the run's mailbox for `topic` and wakes it if it waits there. A second message
   * with the same idempotency key for the same run is dropped (`duplicate: true`).
   * @throws RunNotFoundError
   */
  sendMessage(message: NewMessage, now: number): Promise<{ duplicate: boolean; woke: boolean }>;
  /** Stores an event and wakes every run whose event wait matches it. Returns how many woke. */
  emitEvent(name: string, data: JsonText, now: number): Promise<{ eventId: number; woken: number }>;
  /** Marks up to `limit` due timers fired and wakes their runs. Returns how many timers fired. */
  fireDueTimers(now: number, limit: number): Promise<number>;
  /** The earliest deadline of an unfired timer, if any. */
  nextTimerDue(): Promise<number | null>;
  /**
   * Cancels the run and its descendants that have not ended; their waits are removed. Pending
   * tasks whose lifecycle runs are cancelled become `cancelled` in the same transaction (version
   * bumped, no result, no audit entry: the human layer records the cancellation afterwards).
   * Returns the ids cancelled (empty when the run had already ended).
   * @throws RunNotFoundError
   */
  cancelRun(id: string, now: number): Promise<string[]>;
  /**
   * Makes a failed or cancelled run runnable again. For a run failed by a step's error, that
   * step's recorded failure is removed so that it runs again.
   * @throws RunNotFoundError, RunStateError
   */
  resumeRun(id: string, now: number): Promise<Run>;

  // ── status ────────────────────────────────────────────────────────────────────────────────
  getStatus(runId: string, key: string): Promise<StatusEntry | undefined>;
  statusHistory(runId: string, key?: string): Promise<StatusEntry[]>;
  /** The change feed: entries with `id > after` in order, optionally of one run. */
  statusChanges(after: number, limit: number, runId?: string): Promise<StatusEntry[]>;
  /** A small durable setting (e.g. a feed cursor), or `undefined`. */
  getSetting(key: string): Promise<string | undefined>;
  setSetting(key: string, value: string): Promise<void>;
  /** The id of the newest run event (0 when there is none). */
  lastRunEventId(): Promise<number>;
  /** The run event feed: events with `id > after` in order, of one run or of all. */
  runEvents(after: number, limit: number, runId?: string): Promise<RunEvent[]>;
  /**
   * Appends a transient `progress` event to the run's feed (a step's streamed output, e.g. a
   * model's text deltas). Not part of the run's history: nothing replays it, and a step that
   * runs twice appends twice. Writes nothing once the lease is lost (fenced; returns false).
   */
  appendProgress(lease: Lease, data: JsonText, now: number): Promise<boolean>;
}
