import type { EventMatch } from '../store/event-match.ts';
import type { Duration } from '../time/duration.ts';
import type { BackoffOptions } from './retry.ts';
import type { WorkflowRef } from './workflow.ts';

/** What a step function receives. */
export interface StepContext {
  /** Aborted when the step times out, the run is cancelled, or the worker shuts down. */
  signal: AbortSignal;
  /** 1 on the first try, 2 on the first retry, … */
  attempt: number;
  /**
   * `runId:seq`, stable across retries and replays of this step: pass it to external systems
   * (payments, email) so that a step that runs twice has its effect once.
   */
  idempotencyKey: string;
  /**
   * Streams a piece of this try's output to the run's event feed (a `progress` event with
   * `{step, seq, try, data}`), e.g. a model's text as it is generated. Transient: it is not the
   * step's result and is never replayed; a step that runs twice streams twice (`try` tells the
   * tries apart). Resolves `false`, writing nothing, once the run is no longer this worker's.
   */
  progress(data: unknown): Promise<boolean>;
}

export interface StepOptions {
  /** Retries after the first failure (default 3). `TerminalError` is never retried. */
  retries?: number;
  /** Delay between tries: exponential from `initial` (default 100 ms) by `factor` (2) up to `max` (30 s). */
  backoff?: BackoffOptions;
  /** Per-try limit; a try that exceeds it fails with `StepTimeoutError` and its signal aborts. */
  timeout?: Duration;
}

export interface RecvOptions {
  /** Give up after this long and return `null`. Default: wait forever. */
  timeout?: Duration;
}

export interface WaitForEventOptions {
  /** Dotted paths into the event's `data` and the values they must equal, e.g. `{ticketId: 'T-1'}`. */
  match?: EventMatch;
  /** Give up after this long and return `null`. Default: wait forever. */
  timeout?: Duration;
  /** Also accept a matching event emitted up to this long *before* the wait began. Default 0. */
  lookback?: Duration;
}

/** An event as `waitForEvent` returns it. */
export interface ReceivedEvent<T = unknown> {
  id: number;
  name: string;
  data: T;
  /** Epoch ms at which it was emitted. */
  at: number;
}

/** A child run started with `ctx.start`. */
export interface ChildRun<O> {
  readonly id: string;
  /**
   * Durably waits for the child to end. Resolves with its output; rejects with `RunFailedError`
   * or `RunCancelledError`. Like every wait, the parent is suspended, not held in memory.
   */
  result(): Promise<O>;
}

/**
 * The durable context a workflow receives. Every method is an *operation*: it takes the next
 * position (`seq`) in the run's history, in call order, and its result is recorded there. When the
 * run is replayed (after a wait, a crash or a restart), recorded results are returned without
 * running anything again. Calling a different operation (kind or name) at a recorded position
 * fails the run with `NonDeterminismError`: workflow code must make the same calls in the same
 * order given the same recorded results. Use `ctx.now()`, `ctx.uuid()` and `ctx.random()`
 * instead of `Date.now()`, `crypto.randomUUID()` and `Math.random()`.
 *
 * Awaiting other things between operations (a timer, I/O, a first dynamic `import()`) is fine: a
 * replay waits for them as the first execution did. (Their results are not recorded: anything
 * whose result must be the same on replay belongs in a `step`.) A replay hands recorded results
 * back in the order they were first recorded, so that `Promise.race` and `Promise.all` see them
 * arrive as they did the first time. It *stalls*, failing with `NonDeterminismError`, when the
 * code awaits a result held back that way (one recorded earlier has not been asked for yet), or a
 * new operation while recorded results remain undelivered, and none of its operations is in
 * flight: the code can no longer ask for what is missing, so it changed. Code that races an
 * operation against something that is not one (`Promise.race` with `setTimeout`) is not
 * deterministic, and its replay can stall that way: use `ctx.sleep` or the `timeout` options. A
 * replay that ends before reaching a recorded position fails too.
 *
 * Durations (`Duration`) are whole milliseconds (fractions are rounded), at most 10 years; a
 * negative, NaN, infinite or longer one is refused with `InvalidArgumentError` before anything is
 * written.
 */
export interface CoreContext {
  readonly runId: string;
  readonly workflow: string;
  /**
   * The principal that started this run (or its root ancestor: children inherit it), `null` when
   * started without one. Recorded with the run, so a replay sees the same value.
   */
  readonly initiator: string | null;

  /**
   * Runs `fn` and records its result; on replay returns the recorded result without running it.
   *
   * Failure semantics: `fn` runs *at least once*. It can run twice if the process dies after
   * `fn` returned and before its result committed (a window of one SQLite transaction), or if
   * the worker lost its lease while `fn` ran; use `idempotencyKey` for external effects. A failing
   * `fn` is retried per `options`; when retries run out, or on `TerminalError`, the failure is
   * recorded and this rejects with `StepFailedError` (also on every replay). The result must be
   * plain JSON; what is returned is the decoded JSON, identical on first run and replay.
   */
  step<T>(name: string, fn: (step: StepContext) => Promise<T> | T, options?: StepOptions): Promise<T>;

  /**
   * Whether this run takes the path of code patched with `id`: true where the run reaches this
   * point for the first time under code that has the patch, false where its recorded history was
   * made without it (an earlier execution already went past this point), so old runs keep the old
   * path and new runs take the new one:
   *
   * ```ts
   * if (ctx.patched('fraud-check')) await ctx.step('fraud-check', check);
   * ```
   *
   * Synchronous, and recorded: where it returns true a marker takes this position in the history
   * (written with the run's next writes, never after a later position's record), so every replay
   * returns the same; where it returns false nothing is recorded and no position is taken.
   * Failure semantics: none of its own (it never throws for a run's state); a marker that is
   * found where the code no longer asks (the patch removed without `deprecatePatch`) is a
   * divergence like any other: the run is blocked.
   */
  patched(id: string): boolean;

  /**
   * For when no run made before the patch `id` remains: the code keeps only the new path and says
   * so here, at the point where `patched(id)` was. A marker recorded there by `patched` is
   * accepted and skipped; nothing is recorded.
   */
  deprecatePatch(id: string): void;

  /** Durably sleeps. The run is suspended; a timer row in the store wakes it. */
  sleep(duration: Duration): Promise<void>;

  /**
   * Takes the next message sent to this run on `topic` (FIFO). Messages sent before the call are
   * kept and returned in order. Suspends until one arrives; returns `null` on timeout.
   * Each message is delivered to exactly one `recv`, once.
   */
  recv<T = unknown>(topic: string, options?: RecvOptions): Promise<T | null>;

  /**
   * Waits for an event emitted with `heed.emit(name, data)` whose data matches. One event can
   * resume many runs. Returns `null` on timeout. The first matching event wins.
   */
  waitForEvent<T = unknown>(name: string, options?: WaitForEventOptions): Promise<ReceivedEvent<T> | null>;

  /** Publishes a status value (history kept); read with `heed.getStatus(runId, key)`. Once per call position. */
  setStatus(key: string, value: unknown): Promise<void>;

  /** Starts a child run (idempotently: its id defaults to `${runId}:${seq}`). Cancelling this run cancels it. */
  start<I, O>(workflow: WorkflowRef<I, O>, input: I, options?: { id?: string }): Promise<ChildRun<O>>;

  /** The current time in epoch ms, recorded on first run. */
  now(): Promise<number>;
  /** A random UUID, recorded on first run. */
  uuid(): Promise<string>;
  /** A random number in [0, 1), recorded on first run. */
  random(): Promise<number>;
}

/**
 * The context a workflow receives: the engine's operations ({@link CoreContext}) plus members
 * that upper layers add (human tasks add `ask`, by declaration merging and `extendContext`).
 */
export interface WorkflowContext extends CoreContext {}
