import type {
  Claim,
  ClaimRequest,
  Completion,
  JsonText,
  Lease,
  NewMessage,
  NewRun,
  Operation,
  Page,
  Run,
  RunQuery,
  StatusEntry,
  StoreWakeListener,
  Wait,
  WaitOutcome,
  WaitRequest,
} from './store.ts';

/**
 * What the engine needs of the store: runs, claims and leases, executing a run (fenced), messages,
 * events and timers, statuses, cancellation and resumption.
 */
/** How `resumeRun` takes a run further. */
export interface ResumeOptions {
  /** The workflow name to replay on from now on (another version: `name@N`, see engine/versions.ts). */
  workflow?: string;
  /** Who resumed it (recorded with the `run.resumed` event on the run's feed). */
  by?: string;
}

/**
 * What a store's integrity check found (`GET /v1/health` reports it as `integrity`):
 * - `checking`: the check runs in the background (the store already serves);
 * - `ok`: the file passed `PRAGMA quick_check`;
 * - `damaged`: it did not; `problems` says where (restore the file from a backup);
 * - `failed`: the check itself could not run (`problems` says why): nothing was verified.
 */
export interface IntegrityReport {
  state: 'checking' | 'ok' | 'damaged' | 'failed';
  /** What `PRAGMA quick_check` reported (at most 5 lines), or why the check could not run. */
  problems: string[];
  /** `open`: checked before the store served; `background`: checked while it serves. */
  mode: 'open' | 'background';
}

export interface EngineStore {
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
  /**
   * What the store's integrity check of its data found, for health reports (the SQLite store
   * checks its file; see `IntegrityReport`). A store that has no such check need not offer it.
   */
  integrity?(): IntegrityReport | undefined;

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
  // The writes below that record an operation number it (`ord`) in the order they are *made*,
  // also when several of one run are in flight at once: a replay hands results back in `ord`
  // order, and the first execution handed them to its code in the order it made the writes
  // (`engine/live-order.ts`). A store that sends one run's writes over several connections must
  // keep them in that order (PostgreSQL: one batch or transaction of a run in flight at a time).
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
   * Returns the ids cancelled (empty when the run had already ended). Atomic against child
   * starts: a child whose start commits is cancelled with its parent, or its start fails with
   * `LeaseLostError` (the parent ended first); none is left running under a cancelled parent.
   * @throws RunNotFoundError
   */
  cancelRun(id: string, now: number): Promise<string[]>;
  /**
   * Makes a failed or cancelled run runnable again. For a run failed by a step's error, that
   * step's recorded failure is removed so that it runs again.
   * @throws RunNotFoundError, RunStateError
   */
  /** Makes a failed, cancelled or blocked run `pending` again; a `run.resumed` event on its feed says who, from what status, and onto which workflow name. */
  resumeRun(id: string, now: number, options?: ResumeOptions): Promise<Run>;
  /**
   * Marks the run `blocked` with `error` (a replay that diverged from its history): not failed,
   * nothing of it undone, its waits kept (a task it waits on stays answerable, and a wait that
   * comes true meanwhile is found true when it replays again). Only `resumeRun` (after a deploy,
   * or onto another version) or `cancelRun` take it further. Fenced.
   * @throws LeaseLostError
   */
  blockRun(lease: Lease, error: string, now: number): Promise<void>;

  // ── status ────────────────────────────────────────────────────────────────────────────────
  getStatus(runId: string, key: string): Promise<StatusEntry | undefined>;
  statusHistory(runId: string, key?: string): Promise<StatusEntry[]>;
  /**
   * Appends a transient `progress` event to the run's feed (a step's streamed output, e.g. a
   * model's text deltas). Not part of the run's history: nothing replays it, and a step that
   * runs twice appends twice. Writes nothing once the lease is lost (fenced; returns false).
   */
  appendProgress(lease: Lease, data: JsonText, now: number): Promise<boolean>;
}
