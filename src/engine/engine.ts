import type { Telemetry } from '../observability/telemetry.ts';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import {
  DuplicateWorkflowError,
  InvalidArgumentError,
  RunCancelledError,
  RunNotFoundError,
  RunStateError,
  UnknownWorkflowError,
} from '../errors.ts';
import type { EngineStore, IntegrityReport } from '../store/engine-store.ts';
import type { FeedStore } from '../store/feed-store.ts';
import { type RetentionOptions, retentionPlan } from '../retention/options.ts';
import { type PruneReport, RetentionSweeper } from '../retention/sweeper.ts';
import type { Page, RunQuery, StatusEntry, Store, StoreWake } from '../store/store.ts';
import { type Clock, SystemClock } from '../time/clock.ts';
import { type Duration, toMs } from '../time/duration.ts';
import { RunHandle, type RunSource } from './run-handle.ts';
import { type RunDetail, type RunInfo, toHistoryEntry, toRunInfo, toWaitInfo } from './run-info.ts';
import { decode, encode } from './serialization.ts';
import { TimerScheduler } from './timer-scheduler.ts';
import { Worker } from './worker.ts';
import { Execution } from './execution.ts';
import { checkVersion, parseVersioned, versionedName } from './versions.ts';
import { type ExportedHistory, type ReplayVerdict, replayRecorded } from './replayer.ts';
import type { WorkflowContext } from './context.ts';
import type { A2AWorkflowInfo, StartOptions, Workflow, WorkflowFn, WorkflowOptions, WorkflowRef } from './workflow.ts';

export interface EngineOptions {
  /** Where everything is kept. The engine uses its {@link EngineStore} part only (and keeps it private). */
  store: Store;
  /** Default: the system clock. Tests pass a `VirtualClock`. */
  clock?: Clock;
  /**
   * Runs whose workflow code this process's worker executes at once (default 64). A run whose
   * code is done frees its slot while its end is being written, so the next claim overlaps it.
   */
  concurrency?: number;
  /** How long a claimed run stays owned without a heartbeat before another worker may take it (default 30 s). */
  lease?: Duration;
  /**
   * A run taken over this many times from workers that died or stalled while executing it is
   * failed with `TOO_MANY_RECOVERIES` instead of crashing the next worker too (default 20).
   */
  maxRecoveries?: number;
  /** Fallback check for work made runnable by *other* processes sharing the store (default 1 s). */
  pollInterval?: Duration;
  /** Names this process's worker in leases (a random suffix is always added). Default: host and pid. */
  workerId?: string;
  /** Background failures (store errors in the worker or scheduler). Default: `console.error`. */
  onError?: (error: unknown) => void;
  /**
   * How long finished runs, their streamed progress, deliveries and ended tasks are kept before
   * a background sweep prunes them (see {@link RetentionOptions}; defaults: runs 30 days,
   * progress 7 days, deliveries 30 days, tasks forever). `false`: keep everything forever.
   */
  retention?: RetentionOptions | false;
  /** Where executions and steps are reported, for metrics (`Heed` passes its metrics). */
  telemetry?: Telemetry;
}

/** A published status value, decoded. */
export interface StatusValue<T = unknown> {
  id: number;
  runId: string;
  key: string;
  value: T;
  at: number;
}

/** Events of this process's engine, for live feeds (SSE) in the same process. */
/** The run events that end a run (see `store/sqlite/run-end.ts`, `heed_complete_runs`). */
const RUN_END_EVENTS = new Set(['run.succeeded', 'run.failed', 'run.cancelled']);

interface EngineEvents {
  status: [StatusValue];
}

/**
 * The engine: register workflows, start runs, send messages, emit events, read statuses, and
 * (after `start()`) execute runs. One instance per process and store; no global state.
 */
export class Engine {
  /** The engine's port of the store (and the status feed its `statusChanges` reads). */
  readonly #store: EngineStore & Pick<FeedStore, 'statusChanges' | 'changes'>;
  /** The store's class name, for health reports (`SqliteStore`, `PostgresStore`). */
  readonly storeName: string;
  /**
   * What the store's integrity check found (SQLite: `PRAGMA quick_check`, at open or in the
   * background), for health reports; `undefined` for a store without one or before `ready()`.
   */
  storeIntegrity(): IntegrityReport | undefined {
    return this.#store.integrity?.();
  }
  readonly clock: Clock;
  readonly #workflows = new Map<string, WorkflowFn<unknown, unknown>>();
  readonly #internal = new Set<string>();
  /** Workflows offered as A2A skills, by name. */
  readonly #a2a = new Map<string, A2AWorkflowInfo>();
  /** The newest registered version of each workflow (what new runs start on). */
  readonly #latest = new Map<string, number>();
  readonly #extensions = new Map<string, (ctx: WorkflowContext) => unknown>();
  readonly #events = new EventEmitter<EngineEvents>();
  readonly #worker: Worker;
  readonly #timers: TimerScheduler;
  readonly #pollMs: number;
  readonly #onError: (error: unknown) => void;
  #ready: Promise<void> | undefined;
  #started = false;
  #cancelPoll: (() => void) | undefined;
  #unsubscribeWake: (() => void) | undefined;
  #rearmScheduled = false;
  /**
   * `result()` callers waiting for a run to end, by run id: woken when a worker of this process
   * ends it, or when the store announces news of the run on its change port (another process's
   * worker ended it, where the port carries that across processes, e.g. PostgreSQL).
   */
  readonly #endWaiters = new Map<string, Set<() => void>>();
  /** The change-port subscription that wakes `result()` callers, while there are any. */
  #unsubscribeEnds: (() => void) | undefined;
  readonly #cancelListeners = new Set<(runIds: readonly string[]) => Promise<void>>();
  readonly #retention: RetentionSweeper;

  constructor(options: EngineOptions) {
    this.#store = options.store;
    this.storeName = options.store.constructor.name;
    this.clock = options.clock ?? new SystemClock();
    this.#pollMs = toMs(options.pollInterval ?? 1_000, 'pollInterval');
    this.#onError = options.onError ?? ((error) => console.error('[heed]', error));
    this.#events.setMaxListeners(0);
    const concurrency = options.concurrency ?? 64;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new InvalidArgumentError(`concurrency must be a positive integer, got ${options.concurrency}`);
    }
    this.#retention = new RetentionSweeper({
      store: options.store,
      clock: this.clock,
      plan: retentionPlan(options.retention),
      onError: this.#onError,
    });
    this.#timers = new TimerScheduler({
      store: this.#store,
      clock: this.clock,
      onWoken: () => this.#worker.poke(),
      onError: this.#onError,
    });
    this.#worker = new Worker({
      store: this.#store,
      clock: this.clock,
      // Unique per process even with a configured id: a restarted process must not inherit the
      // leases of the one that crashed (it could neither reclaim nor let others reclaim them).
      owner: leaseOwner(options.workerId ?? 'worker'),
      workflows: this.#workflows,
      concurrency,
      leaseMs: toMs(options.lease ?? 30_000, 'lease'),
      maxRecoveries: options.maxRecoveries ?? 20,
      onDeadline: (deadline) => this.#timers.noteDeadline(deadline),
      onStatus: (entry) => this.#events.emit('status', toStatusValue(entry)),
      extensions: this.#extensions,
      ...(options.telemetry ? { telemetry: options.telemetry } : {}),
      onExecutionEnd: (runId, outcome) => {
        if (outcome === 'completed') this.#runEnded(runId);
      },
      onError: this.#onError,
    });
  }

  /**
   * Registers a workflow under `name`. Register every workflow before `start()`; a worker only
   * claims runs of workflows it has registered. `internal: true` marks Heed's own machinery (task
   * lifecycles, webhook deliveries): its runs are never reachable from outside (see `isInternal`).
   * @throws DuplicateWorkflowError, InvalidArgumentError
   */
  workflow<I = unknown, O = unknown>(
    name: string,
    fn: WorkflowFn<I, O>,
    options: WorkflowOptions = {},
  ): Workflow<I, O> {
    if (typeof name !== 'string' || name.length === 0)
      throw new InvalidArgumentError('workflow name must be a non-empty string');
    if (typeof fn !== 'function') throw new InvalidArgumentError(`workflow "${name}" needs a function`);
    if (name.includes('@')) throw new InvalidArgumentError(`workflow name "${name}" must not contain "@"`);
    const version = checkVersion(name, options.version);
    const stored = versionedName(name, version);
    if (this.#workflows.has(stored)) {
      throw new DuplicateWorkflowError(version === 1 ? name : `${name}" version "${version}`);
    }
    this.#workflows.set(stored, fn as WorkflowFn<unknown, unknown>);
    if (version >= (this.#latest.get(name) ?? 0)) this.#latest.set(name, version);
    if (options.internal) this.#internal.add(name);
    else if (options.a2a) {
      const description = typeof options.a2a === 'object' ? options.a2a.description : undefined;
      this.#a2a.set(name, { name, description: description ?? this.#a2a.get(name)?.description });
    }
    return {
      name,
      start: (input, options) => this.#startRun<O>(name, input, options),
      handle: (runId) => this.handle<O>(runId),
      replay: (history) => this.replayHistory(name, history),
    };
  }

  /**
   * Replays an exported history (`heed history export`, {@link exportHistory}) against the code
   * registered now for `workflow` (see `replayer.ts`): runs nothing, writes nothing.
   * @returns `{ok: true}` when the code replays the whole history, else the first divergence
   *   (which call, recorded vs now).
   * @throws UnknownWorkflowError
   */
  async replayHistory(workflow: string, history: ExportedHistory): Promise<ReplayVerdict> {
    // The version the history was recorded on, unless the caller names another one (`name@N`).
    const recorded = parseVersioned(history.workflow);
    const stored = workflow.includes('@') || recorded.workflow !== workflow ? workflow : history.workflow;
    const fn = this.#workflows.get(stored) ?? (stored === history.workflow ? undefined : this.#workflows.get(workflow));
    if (!fn) throw new UnknownWorkflowError(stored);
    return replayRecorded(fn, { ...history, workflow: stored }, this.#extensions);
  }

  /**
   * A run's recorded history, to keep beside the tests (`replayHistory`) before changing its
   * workflow's code: the run, its input and every recorded operation.
   * @throws RunNotFoundError
   */
  async exportHistory(runId: string): Promise<ExportedHistory> {
    await this.#init();
    const run = await this.#store.getRun(runId);
    if (!run) throw new RunNotFoundError(runId);
    return {
      format: 'heed.history/1',
      runId: run.id,
      workflow: run.workflow,
      input: run.input,
      initiator: run.initiator,
      status: run.status,
      history: await this.#store.loadHistory(runId),
      lastWaitSeq: Math.max(0, ...(await this.#store.listWaits(runId)).map((w) => w.seq)) || null,
    };
  }

  /** Whether a workflow of that name is registered in this engine (any version). */
  hasWorkflow(name: string): boolean {
    return this.#latest.has(name);
  }

  /** The versions of `name` registered in this engine, oldest first (`[]`: none). */
  workflowVersions(name: string): number[] {
    return [...this.#workflows.keys()]
      .map(parseVersioned)
      .filter((v) => v.workflow === name)
      .map((v) => v.version)
      .sort((a, b) => a - b);
  }

  /**
   * Adds a member to every workflow context, built per execution by `make` (how upper layers
   * offer `ctx.ask`). The engine knows nothing of what it does.
   * @throws InvalidArgumentError when the name is taken.
   */
  protected extendContext(name: string, make: (ctx: WorkflowContext) => unknown): void {
    if (this.#extensions.has(name) || name in Execution.prototype) {
      throw new InvalidArgumentError(`The workflow context already has a member named "${name}"`);
    }
    this.#extensions.set(name, make);
  }

  /** Something may have become runnable (a message written straight to the store): claim now. */
  wake(): void {
    this.#worker.poke();
  }

  /**
   * Starts a run of a registered workflow by name (what `POST /v1/runs` calls).
   * @throws UnknownWorkflowError, SerializationError, RunStateError
   */
  startWorkflow<O = unknown>(name: string, input: unknown, options?: StartOptions): Promise<RunHandle<O>> {
    if (!this.#latest.has(name)) return Promise.reject(new UnknownWorkflowError(name));
    return this.#startRun<O>(name, input, options);
  }

  /** Whether `name` was registered with `internal: true` (Heed's own runs, never exposed). */
  isInternal(name: string): boolean {
    return this.#internal.has(name);
  }

  /** The workflows registered with `a2a` (offered as skills of the A2A agent), by name. */
  a2aWorkflows(): A2AWorkflowInfo[] {
    return [...this.#a2a.values()];
  }

  /** The names registered with `internal: true`. */
  internalWorkflows(): string[] {
    return [...this.#internal];
  }

  /** A handle on any run by id. */
  handle<O = unknown>(runId: string): RunHandle<O> {
    return new RunHandle<O>(runId, this.#runSource);
  }

  /** Opens the store, starts the worker, the timer scheduler and the fallback poll. */
  async start(): Promise<void> {
    await this.#init();
    if (this.#started) return;
    this.#started = true;
    this.#worker.start();
    await this.#timers.start();
    // Runs blocked on a divergence get another replay on the code this process brings (a deploy
    // that registers the old code again, or a fix): in the background, never delaying the start.
    void this.#retryBlocked().catch(this.#onError);
    this.#unsubscribeWake = this.#store.onWake?.((wake) => this.#onStoreWake(wake));
    this.#schedulePoll();
    this.#retention.start();
  }

  /** A pushed wake-up from a store shared with other processes: claim, or re-read the next timer. */
  #onStoreWake(wake: StoreWake): void {
    if (!this.#started) return;
    if (wake.kind === 'run' || wake.kind === 'reconnected') this.#worker.poke();
    if ((wake.kind === 'timer' || wake.kind === 'reconnected') && !this.#rearmScheduled) {
      this.#rearmScheduled = true;
      setImmediate(() => {
        this.#rearmScheduled = false;
        void this.#timers.rearm();
      });
    }
  }

  /**
   * Stops gracefully: no new claims; running executions get `grace` (default 10 s) to reach a
   * durable point, then are handed back to the store for the next worker. Closes the store.
   */
  async stop(options: { grace?: Duration } = {}): Promise<void> {
    this.#started = false;
    this.#cancelPoll?.();
    this.#unsubscribeWake?.();
    this.#timers.stop();
    await this.#timers.settled();
    await this.#retention.stop();
    await this.#worker.stop(toMs(options.grace ?? 10_000, 'grace'));
    await this.#store.close();
  }

  /**
   * Prunes now what the `retention` option says is old enough (the background sweep does it on a
   * schedule once `start()`ed), in batches, and reports what went. Safe while workers run and
   * while other processes sweep. With `retention: false`, prunes nothing.
   * @throws the store's error; batches already committed stay pruned.
   */
  async prune(): Promise<PruneReport> {
    await this.#init();
    return this.#retention.sweep();
  }

  /** Resolves when this process has nothing running and nothing runnable (for tests and demos). */
  async idle(): Promise<void> {
    // Two passes: an execution ending can make another run (its parent) runnable.
    await this.#timers.settled();
    await this.#worker.idle();
    await new Promise((resolve) => setImmediate(resolve));
    await this.#worker.idle();
  }

  /**
   * Sends `message` to the run's mailbox for `topic`. Delivered once, in order, to a `recv` of
   * that topic, whether it is already waiting or calls later. With `idempotencyKey`, repeating
   * the send is harmless: the duplicate is dropped and `{duplicate: true}` returned.
   * @throws RunNotFoundError, SerializationError, InvalidArgumentError
   */
  async send(
    runId: string,
    topic: string,
    message: unknown,
    options: { idempotencyKey?: string } = {},
  ): Promise<{ duplicate: boolean }> {
    if (typeof topic !== 'string' || topic.length === 0)
      throw new InvalidArgumentError('topic must be a non-empty string');
    const body = encode(message, 'message');
    await this.#init();
    const result = await this.#store.sendMessage(
      { runId, topic, body, idempotencyKey: options.idempotencyKey },
      this.clock.now(),
    );
    if (result.woke) this.#worker.poke();
    return { duplicate: result.duplicate };
  }

  /**
   * Emits an event: stored, and every run whose `waitForEvent` matches it resumes.
   * @throws SerializationError, InvalidArgumentError
   */
  async emit(name: string, data?: unknown): Promise<{ eventId: number; woken: number }> {
    if (typeof name !== 'string' || name.length === 0)
      throw new InvalidArgumentError('event name must be a non-empty string');
    const encoded = encode(data, 'event data');
    await this.#init();
    const result = await this.#store.emitEvent(name, encoded, this.clock.now());
    if (result.woken > 0) this.#worker.poke();
    return result;
  }

  /** The latest value published under `key` by the run, or `undefined`. */
  async getStatus<T = unknown>(runId: string, key: string): Promise<T | undefined> {
    await this.#init();
    const entry = await this.#store.getStatus(runId, key);
    return entry && decode<T>(entry.value);
  }

  /** Every value the run published (under `key`, or all keys), oldest first. */
  async statusHistory(runId: string, key?: string): Promise<StatusValue[]> {
    await this.#init();
    return (await this.#store.statusHistory(runId, key)).map(toStatusValue);
  }

  /** The durable change feed: statuses published after `after` (an entry id), in order. */
  async statusChanges(options: { after?: number; runId?: string; limit?: number } = {}): Promise<StatusValue[]> {
    await this.#init();
    return (await this.#store.statusChanges(options.after ?? 0, options.limit ?? 100, options.runId)).map(
      toStatusValue,
    );
  }

  /**
   * Live statuses published by runs executing in this process. Combine with `statusChanges`
   * (from the last seen id) to never miss one. Returns an unsubscribe function.
   */
  onStatus(listener: (status: StatusValue) => void): () => void {
    this.#events.on('status', listener);
    return () => this.#events.off('status', listener);
  }

  /**
   * Calls `listener` with the ids of the runs `runs.cancel` cancelled in this process, after the
   * cancellation committed and before `runs.cancel` returns: upper layers record there what it
   * means for them (the human layer audits the tasks it ended). A listener that fails is reported
   * to `onError`; the cancellation stands. Returns the unsubscribe function.
   */
  onRunsCancelled(listener: (runIds: readonly string[]) => Promise<void>): () => void {
    this.#cancelListeners.add(listener);
    return () => this.#cancelListeners.delete(listener);
  }

  /** Inspecting and controlling runs. */
  readonly runs = {
    /** The run with its open waits and history, or `undefined`. */
    get: async (id: string): Promise<RunDetail | undefined> => {
      await this.#init();
      const run = await this.#store.getRun(id);
      if (!run) return undefined;
      const [waits, history] = await Promise.all([this.#store.listWaits(id), this.#store.loadHistory(id)]);
      return { ...toRunInfo(run), waitingOn: waits.map(toWaitInfo), history: history.map(toHistoryEntry) };
    },
    /** The run without its waits and history (one read), or `undefined`. */
    info: async (id: string): Promise<RunInfo | undefined> => {
      await this.#init();
      const run = await this.#store.getRun(id);
      return run && toRunInfo(run);
    },
    /** Runs newest first, filtered by status, workflow, or the kind of wait they are blocked on. */
    list: async (query: RunQuery = {}): Promise<Page<RunInfo>> => {
      await this.#init();
      const page = await this.#store.listRuns(query);
      return { items: page.items.map((run) => toRunInfo(run)), nextCursor: page.nextCursor };
    },
    /**
     * Cancels the run and its unfinished children: they stop waiting, their timers are dropped,
     * a step in flight here gets its signal aborted and its result is discarded.
     * Returns the ids cancelled (empty if the run had already ended).
     * @throws RunNotFoundError
     */
    cancel: async (id: string): Promise<string[]> => {
      await this.#init();
      const ids = await this.#store.cancelRun(id, this.clock.now());
      for (const runId of ids) {
        this.#worker.abandon(runId, new RunCancelledError(runId));
        this.#runEnded(runId);
      }
      if (ids.length > 0) this.#worker.poke(); // parents waiting on cancelled children
      if (ids.length > 0) {
        for (const listener of this.#cancelListeners) await listener(ids).catch(this.#onError);
      }
      return ids;
    },
    /**
     * Makes a failed, cancelled or blocked run runnable again. A run failed by a step is resumed
     * at that step, which runs again; earlier recorded steps are not re-run. A blocked run (its
     * replay diverged) replays again, e.g. once the code that made its history is deployed again;
     * with `version`, it replays on that registered version of its workflow from now on.
     * @throws RunNotFoundError, RunStateError (not failed, cancelled or blocked), UnknownWorkflowError
     *   (`version` is not registered in this process)
     */
    resume: async (id: string, options: { version?: number; by?: string } = {}): Promise<RunInfo> => {
      await this.#init();
      let workflow: string | undefined;
      if (options.version !== undefined) {
        const run = await this.#store.getRun(id);
        if (!run) throw new RunNotFoundError(id);
        const base = parseVersioned(run.workflow).workflow;
        workflow = versionedName(base, checkVersion(base, options.version));
        if (!this.#workflows.has(workflow)) throw new UnknownWorkflowError(`${base}" version "${options.version}`);
      }
      const run = await this.#store.resumeRun(id, this.clock.now(), {
        ...(workflow === undefined ? {} : { workflow }),
        ...(options.by === undefined ? {} : { by: options.by }),
      });
      this.#worker.poke();
      return toRunInfo(run);
    },
  };

  /**
   * Resumes the blocked runs of the workflows (and versions) this process registers: each
   * replays again and is blocked again if it still diverges. Paged; safe with many processes (a
   * run already resumed by another is skipped).
   */
  async #retryBlocked(): Promise<number> {
    let cursor: string | undefined;
    let resumed = 0;
    do {
      const page = await this.#store.listRuns({ status: 'blocked', limit: 200, ...(cursor ? { cursor } : {}) });
      for (const run of page.items) {
        if (!this.#workflows.has(run.workflow)) continue;
        try {
          await this.#store.resumeRun(run.id, this.clock.now());
          resumed++;
        } catch (error) {
          if (!(error instanceof RunStateError)) throw error;
        }
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    if (resumed > 0) this.#worker.poke();
    return resumed;
  }

  async #startRun<O>(name: string, input: unknown, options: StartOptions = {}): Promise<RunHandle<O>> {
    const id = options.id ?? crypto.randomUUID();
    if (typeof id !== 'string' || id.length === 0) throw new InvalidArgumentError('run id must be a non-empty string');
    const encoded = encode(input, `The input of workflow "${name}"`);
    await this.#init();
    const initiator = options.initiator ?? null;
    if (initiator !== null && (typeof initiator !== 'string' || initiator.length === 0)) {
      throw new InvalidArgumentError('initiator must be a non-empty string');
    }
    // A new run starts on the newest registered version and keeps it for every replay.
    const { run, created } = await this.#store.createRun(
      { id, workflow: versionedName(name, this.#latest.get(name) ?? 1), input: encoded, initiator },
      this.clock.now(),
    );
    if (!created && parseVersioned(run.workflow).workflow !== name) {
      throw new RunStateError(`Run "${id}" already exists for workflow "${run.workflow}", not "${name}"`);
    }
    if (created) this.#worker.poke();
    return this.handle<O>(id);
  }

  readonly #runSource: RunSource = {
    getRun: async (id) => {
      await this.#init();
      return this.#store.getRun(id);
    },
    fallbackMs: () => this.#pollMs,
    watchEnd: (id) => {
      const set = this.#endWaiters.get(id) ?? new Set<() => void>();
      this.#endWaiters.set(id, set);
      // Runs can also end outside any execution (a suspended run ended by a write, a run ended in
      // another process): their end events on the change port wake the waiters too.
      this.#unsubscribeEnds ??= this.#store.changes.subscribe((change) => {
        if (change.kind !== 'run-event') return;
        // An event announced with itself that does not end the run (a status, a task) needs no
        // read by the waiters; an end, or an announcement with ids only, wakes them.
        if (change.event && !RUN_END_EVENTS.has(change.event.type)) return;
        this.#runEnded(change.runId);
      });
      let wake: () => void = () => {};
      let ended = false;
      const notify = () => {
        ended = true;
        wake();
      };
      set.add(notify);
      return {
        wait: (ms) =>
          new Promise<void>((resolve) => {
            if (ended) return resolve();
            const timer = setTimeout(resolve, ms);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          }),
        dispose: () => {
          set.delete(notify);
          if (set.size === 0 && this.#endWaiters.get(id) === set) this.#endWaiters.delete(id);
          if (this.#endWaiters.size === 0) {
            this.#unsubscribeEnds?.();
            this.#unsubscribeEnds = undefined;
          }
        },
      };
    },
    info: async (id) => {
      await this.#init();
      const run = await this.#store.getRun(id);
      return run && toRunInfo(run);
    },
    cancel: (id) => this.runs.cancel(id),
  };

  #runEnded(runId: string): void {
    for (const notify of this.#endWaiters.get(runId) ?? []) notify();
  }

  #init(): Promise<void> {
    this.#ready ??= this.#store.init();
    return this.#ready;
  }

  /**
   * Opens the store (once; later calls return the same promise). Called by every method that
   * touches the store; upper layers call it before using their own port of the same store.
   * @throws StoreCorruptError, StoreLockedError, StoreVersionError
   */
  ready(): Promise<void> {
    return this.#init();
  }

  /** The fallback poll runs on real time: it looks for work written by other processes. */
  #schedulePoll(): void {
    const handle = setTimeout(() => {
      if (!this.#started) return;
      void this.#worker.reclaimFromDeadProcesses();
      this.#worker.poke();
      void this.#timers.rearm();
      this.#schedulePoll();
    }, this.#pollMs);
    this.#cancelPoll = () => clearTimeout(handle);
  }
}

function toStatusValue(entry: StatusEntry): StatusValue {
  return { id: entry.id, runId: entry.runId, key: entry.key, value: decode(entry.value), at: entry.createdAt };
}

export type { WorkflowRef };

/**
 * A worker's name in leases: `name@host#pid:random`. Unique per process even with a configured
 * name, so a restarted process never inherits a crashed one's leases; host and pid let a worker
 * on the same host see that a lease holder died (see `Worker`).
 */
function leaseOwner(name: string): string {
  return `${name}@${hostname()}#${process.pid}:${crypto.randomUUID().slice(0, 8)}`;
}
