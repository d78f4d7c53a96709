import {
  HeedError,
  InvalidArgumentError,
  LeaseLostError,
  NonDeterminismError,
  NonErrorThrownError,
  RunCancelledError,
  RunFailedError,
  StepFailedError,
  TerminalError,
  RetryableError,
} from '../errors.ts';
import type { EngineStore } from '../store/engine-store.ts';
import type {
  Claim,
  Completion,
  Operation,
  OperationKind,
  StatusEntry,
  WaitOutcome,
  WaitRequest,
} from '../store/store.ts';
import type { Clock } from '../time/clock.ts';
import { type Duration, toMs } from '../time/duration.ts';
import type {
  ChildRun,
  ReceivedEvent,
  RecvOptions,
  StepContext,
  StepOptions,
  WaitForEventOptions,
  WorkflowContext,
  CoreContext,
} from './context.ts';
import { awaited } from './awaited.ts';
import { FUSED_CHILD, type FusedChildHost, type FusedChildPlan, type FusedRecords } from './fused-child.ts';
import { never } from './never.ts';
import { dataMatches, matchKey } from '../store/event-match.ts';
import { checkMatch, checkName } from './arguments.ts';
import { LiveOrder } from './live-order.ts';
import { ReplayOrder } from './replay-order.ts';
import { parseVersioned } from './versions.ts';
import { delayAfter, retryPolicy } from './retry.ts';
import { abortableDelay, type AttemptOptions, attemptStep } from './step-attempt.ts';
import { decode, decodeError, encode, encodeError, type ErrorData } from './serialization.ts';
import type { Span } from '@opentelemetry/api';
import type { Telemetry } from '../observability/telemetry.ts';
import { endSpan, spanTime, startSpan, traceKeyOf, traceParentOf } from '../observability/tracing.ts';
import { performance } from 'node:perf_hooks';
import type { WorkflowFn, WorkflowRef } from './workflow.ts';

export interface ExecutionDeps {
  store: EngineStore;
  clock: Clock;
  /** Called when a wait with a deadline is registered, so the timer scheduler can re-arm. */
  onDeadline(deadline: number): void;
  /** Called after a status value is durably published. */
  onStatus(entry: StatusEntry): void;
  /**
   * Called once the workflow code is done for this execution (it returned, threw, or waits),
   * before the run's end or suspension is written: the worker may claim the next run meanwhile.
   */
  onSettled?(): void;
  /** Extra context members provided by upper layers (e.g. `ask` from human tasks). */
  extensions: ReadonlyMap<string, (ctx: WorkflowContext) => unknown>;
  /** Where steps and executions are reported (metrics). */
  telemetry?: Telemetry;
  /**
   * A replay that must write nothing (`replayHistory`): a fused child's write would go to the
   * upper layer's store, not through `store`, so none is made; the four calls are, and `store`
   * stops the replay at the first.
   */
  writeless?: boolean;
}

/**
 * How an execution ended: the run finished, suspended on a wait, was given up (someone else
 * owns it now: cancelled, lease lost, shutdown), or must be handed back (`released`: a store
 * failure that may pass interrupted it; the worker returns it to `pending`, after a backoff, so
 * any worker retries it). Failures that would not pass (see `FAILS_THE_RUN`) fail the run instead.
 */
export type ExecutionOutcome = 'completed' | 'waiting' | 'pending' | 'abandoned' | 'released' | 'blocked';

/** The abort reason steps still running see when their execution has ended. */
const EXECUTION_ENDED = new HeedError('EXECUTION_ENDED', 'The execution ended');

/** Thrown inside an operation's live part when the execution ended meanwhile. */
const ENDED = Symbol('execution ended');

type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Errors that end the execution itself rather than being seen by workflow code. */
/** `block`: the replay diverged from the history (the code changed): the run is blocked, not failed. */
type Fatal = { kind: 'fail' | 'abandon' | 'release' | 'block'; error: Error };

/**
 * Errors that fail the run instead of being retried: the workflow code's fault, or data the store
 * refused (`STORE_DATA_ERROR`). Writing the same again would fail the same way, so handing the run
 * back would only replay it into the same wall, forever.
 */
const FAILS_THE_RUN = new Set([
  'NOT_SERIALIZABLE',
  'NON_DETERMINISM',
  'RUN_STATE_CONFLICT',
  'INVALID_ARGUMENT',
  'STORE_DATA_ERROR',
]);

function failsTheRun(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && FAILS_THE_RUN.has(code);
}

/**
 * One execution (first run or replay) of a claimed run: the `WorkflowContext` implementation.
 *
 * The workflow function runs until it returns, throws, or is *quiescent*: no operation in flight
 * and at least one wait registered. Then the run is suspended and this object is dropped; pending
 * waits return never-settling promises, so the function's frames become garbage.
 */
export class Execution implements CoreContext, FusedChildHost {
  readonly runId: string;
  readonly workflow: string;
  readonly initiator: string | null;
  readonly #claim: Claim;
  readonly #deps: ExecutionDeps;
  readonly #history = new Map<number, Operation>();
  readonly #lastRecordedSeq: number;
  readonly #reachedSeq: number;
  /** `workflow "refund" version 2`, for errors. */
  readonly #label: string;
  readonly #abort = new AbortController();
  readonly #stepErrors = new WeakMap<object, number>();
  readonly #replay: ReplayOrder;
  /** Answers of this execution's writes, delivered in the order the writes were made (see LiveOrder). */
  readonly #liveOrder = new LiveOrder();
  /** Waits on a mailbox topic or event key that are open in this execution, by key. */
  readonly #openWaits = new Map<string, number>();
  /** Positions of the operations the workflow code has awaited (see {@link awaited}). */
  readonly #awaited = new Set<number>();
  /** Positions of new operations waiting for the replay to reach its frontier (see `#live`). */
  readonly #beyondFrontier = new Set<number>();
  #seq = 0;
  #inFlight = 0;
  #waits = 0;
  #fatal: Fatal | undefined;
  #ended = false;
  #wake: (() => void) | undefined;
  /** The workflow's name without its version, for metrics and spans. */
  readonly #workflowName: string;
  /** This execution's span (`heed.run.execute`), parent of its steps' spans. */
  #span: Span | undefined;

  constructor(claim: Claim, deps: ExecutionDeps) {
    this.#claim = claim;
    this.#deps = deps;
    this.runId = claim.run.id;
    this.workflow = claim.run.workflow;
    this.initiator = claim.run.initiator;
    for (const op of claim.history) this.#history.set(op.seq, op);
    this.#lastRecordedSeq = claim.history.at(-1)?.seq ?? 0;
    const { workflow, version } = parseVersioned(claim.run.workflow);
    this.#workflowName = workflow;
    this.#label = `workflow "${workflow}" version ${version}`;
    // The furthest position an earlier execution reached: its last record, or a wait it registered.
    this.#reachedSeq = Math.max(this.#lastRecordedSeq, claim.lastWaitSeq ?? 0);
    // Patch markers are decisions, not results: `patched` reads them at once, outside the order.
    this.#replay = new ReplayOrder(
      claim.history.filter((op) => op.kind !== 'patch'),
      () => this.#poke(),
    );
    for (const [name, make] of deps.extensions) {
      Object.defineProperty(this, name, { value: make(this as unknown as WorkflowContext) });
    }
  }

  /** Stops this execution without writing anything more (cancellation, shutdown, lost lease). */
  abandon(reason: Error): void {
    this.#setFatal({ kind: 'abandon', error: reason });
  }

  get lease() {
    return this.#claim.lease;
  }

  /** Why the execution ended early, if it did (reported when the run is handed back). */
  get interruption(): Error | undefined {
    return this.#fatal?.error;
  }

  /**
   * Runs the workflow function to completion or suspension and records the outcome, in a span
   * `heed.run.execute` of the run's trace (see `observability/tracing.ts`).
   * Never rejects: store failures abandon the execution, leaving the run recoverable by lease
   * expiry.
   */
  async run(fn: WorkflowFn<unknown, unknown>): Promise<ExecutionOutcome> {
    const { workflow, version } = parseVersioned(this.workflow);
    this.#span = startSpan(
      'heed.run.execute',
      traceParentOf(traceKeyOf(this.runId)),
      {
        'heed.run.id': this.runId,
        'heed.workflow': workflow,
        'heed.workflow.version': version,
        'heed.run.attempt': this.#claim.run.attempts,
        'heed.replayed_operations': this.#claim.history.length,
      },
      { startTime: spanTime(this.#deps.clock) },
    );
    let outcome: ExecutionOutcome | 'error' = 'error';
    let failure: unknown;
    try {
      outcome = await this.#execute(fn);
      return outcome;
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      this.#span.setAttribute('heed.execution.outcome', outcome);
      const error = failure ?? (this.#fatal?.kind === 'fail' ? this.#fatal.error : undefined);
      endSpan(this.#span, error, spanTime(this.#deps.clock));
      this.#deps.telemetry?.executionEnded(workflow, outcome);
    }
  }

  /** One try of a step body (see `attemptStep`), as a span `heed.step`, reported to telemetry. */
  async #attempt<T>(seq: number, fn: (step: StepContext) => Promise<T> | T, options: AttemptOptions): Promise<T> {
    const span = startSpan(
      `heed.step ${options.name}`,
      this.#span ?? traceParentOf(traceKeyOf(this.runId)),
      {
        'heed.run.id': this.runId,
        'heed.step.name': options.name,
        'heed.step.seq': seq,
        'heed.step.attempt': options.attempt,
      },
      { startTime: spanTime(this.#deps.clock) },
    );
    const start = performance.now();
    try {
      const value = await attemptStep(fn, options);
      endSpan(span, undefined, spanTime(this.#deps.clock));
      this.#deps.telemetry?.stepRan(this.#workflowName, 'ok', (performance.now() - start) / 1_000);
      return value;
    } catch (error) {
      endSpan(span, error, spanTime(this.#deps.clock));
      this.#deps.telemetry?.stepRan(this.#workflowName, 'error', (performance.now() - start) / 1_000);
      throw error;
    }
  }

  async #execute(fn: WorkflowFn<unknown, unknown>): Promise<ExecutionOutcome> {
    // A holder object, not a `let`: the body's closure assigns it while this method awaits.
    const state: { settled?: Settled } = {};
    const body = (async () => {
      try {
        state.settled = {
          ok: true,
          value: await fn(this as unknown as WorkflowContext, decode(this.#claim.run.input)),
        };
      } catch (error) {
        state.settled = { ok: false, error };
      }
      this.#poke();
    })();
    void body;
    // Wait until the body settles, the execution is quiescent on waits, the replay stalls, or a
    // fatal error. While the code awaits anything else (a timer, I/O, an import) nothing is
    // decided: the loop sleeps until an operation, a delivery or the body's end pokes it.
    const idle = () => this.#inFlight === 0 && !this.#replay.busy && !state.settled && !this.#fatal;
    for (;;) {
      if ((state.settled || this.#fatal) && this.#inFlight === 0) break;
      if (idle() && (this.#waits > 0 || this.#replayStuck())) {
        // Let pending microtasks and I/O callbacks run: code after a settled operation may start
        // another one. Decide only if nothing started and nothing else happened meanwhile.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (idle() && this.#replayStuck()) this.#stalled();
        else if (idle() && this.#waits > 0 && this.#replay.atFrontier) break; // suspended on its waits
        continue;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
    this.#ended = true;
    this.#replay.stop();
    this.#deps.onSettled?.();
    const fatal = this.#fatal as Fatal | undefined;
    try {
      if (fatal?.kind === 'abandon') return 'abandoned';
      if (fatal?.kind === 'release') return 'released';
      const now = this.#deps.clock.now();
      if (fatal?.kind === 'block') {
        // Nothing runs twice and nothing is undone: the run waits for code that replays it.
        await this.#deps.store.blockRun(this.lease, encodeError(fatal.error), now);
        return 'blocked';
      }
      if (fatal) {
        await this.#deps.store.completeRun(this.lease, { error: encodeError(fatal.error), failedSeq: null }, now);
        return 'completed';
      }
      if (state.settled) {
        const completion = this.#completion(state.settled);
        if (completion.diverged && 'error' in completion) {
          await this.#deps.store.blockRun(this.lease, completion.error, now);
          return 'blocked';
        }
        await this.#deps.store.completeRun(this.lease, completion, now);
        return 'completed';
      }
      return await this.#deps.store.suspendRun(this.lease, now);
    } catch (error) {
      if (error instanceof LeaseLostError) return 'abandoned';
      // The store refused the run's end or suspension as data (e.g. an output PostgreSQL cannot
      // hold): fail the run with that error rather than hand it back to hit the same refusal on
      // every replay. If even that is refused, the worker hands the run back (with backoff).
      if (failsTheRun(error)) {
        try {
          const failure = { error: encodeError(error), failedSeq: null };
          await this.#deps.store.completeRun(this.lease, failure, this.#deps.clock.now());
          return 'completed';
        } catch (again) {
          if (again instanceof LeaseLostError) return 'abandoned';
        }
      }
      throw error; // the worker reports it and hands the run back
    } finally {
      this.#abort.abort(EXECUTION_ENDED);
    }
  }

  #completion(settled: Settled): Completion & { diverged?: true } {
    if (!settled.ok) {
      const failedSeq =
        typeof settled.error === 'object' && settled.error !== null ? this.#stepErrors.get(settled.error) : undefined;
      return { error: encodeError(settled.error), failedSeq: failedSeq ?? null };
    }
    if (this.#seq < this.#lastRecordedSeq) {
      const next = this.#history.get(this.#seq + 1);
      const error = new NonDeterminismError(
        `Run "${this.runId}" (${this.#label}) finished without reaching recorded position ${this.#seq + 1}${next ? ` (${next.kind} "${next.name}")` : ''}; the workflow code changed or is not deterministic`,
      );
      return { error: encodeError(error), failedSeq: null, diverged: true };
    }
    try {
      return { output: encode(settled.value, `The output of workflow "${this.workflow}"`) };
    } catch (error) {
      return { error: encodeError(error), failedSeq: null };
    }
  }

  /**
   * The replay's stall rule. The code awaits an operation that the replay holds back, a recorded
   * result that came after one the code has not asked for yet (see `ReplayOrder`), or a new
   * operation waiting for every recorded result to be delivered, and nothing else is in flight.
   * Then (once the event loop has turned, see `run`) the code can no longer ask for the missing
   * result: it changed, or is not deterministic.
   *
   * Why only operations the code *awaits*: code may start an operation, await something that is
   * not a `ctx` call (a timer, I/O, a first `import()`), and only then make the call the replay
   * waits for; and sequential code between two `ctx` calls awaits nothing the replay holds at all.
   * Neither is a stall: the replay waits as long as the first execution did. The rule fires while
   * the code could still go on only if it races an awaited, held operation against something that
   * is not a `ctx` call (`Promise.race` with `setTimeout`), which is not deterministic anyway.
   */
  #replayStuck(): boolean {
    if (this.#replay.atFrontier) return false;
    for (const seq of this.#replay.heldPositions()) if (this.#awaited.has(seq)) return true;
    for (const seq of this.#beyondFrontier) if (this.#awaited.has(seq)) return true;
    return false;
  }

  /** The replay cannot reach the next recorded operation: the code no longer calls it. */
  #stalled(): void {
    const next = this.#replay.nextUndelivered;
    const error = new NonDeterminismError(
      `Run "${this.runId}" (${this.#label}) stopped before reaching its recorded ${next?.kind} "${next?.name}" at position ${next?.seq}; the workflow code changed or is not deterministic`,
    );
    this.#setFatal({ kind: 'block', error });
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #setFatal(fatal: Fatal): void {
    if (!this.#fatal || (fatal.kind === 'abandon' && this.#fatal.kind !== 'abandon')) this.#fatal = fatal;
    this.#abort.abort(fatal.error);
    this.#poke();
  }

  /**
   * Takes the next position and checks it against the history.
   * @throws NonDeterminismError (also recorded as fatal: the run fails whatever the code does).
   */
  #next(kind: OperationKind, name: string): { seq: number; record: Operation | undefined } {
    const seq = ++this.#seq;
    const record = this.#history.get(seq);
    if (record && (record.kind !== kind || record.name !== name)) {
      const error = new NonDeterminismError(
        `Run "${this.runId}" (${this.#label}): position ${seq} is ${kind} "${name}" in the code but ${record.kind} "${record.name}" in the recorded history; the workflow code changed or is not deterministic`,
      );
      this.#setFatal({ kind: 'block', error });
      throw error;
    }
    return { seq, record };
  }

  /**
   * An operation as the workflow code gets it: `op` takes its position at once (synchronously),
   * and the promise tells when the code first awaits it (see `#replayStuck`).
   */
  #watch<T>(op: () => Promise<T>): Promise<T> {
    const before = this.#seq;
    const promise = op();
    if (this.#seq === before) return promise; // refused before taking a position
    const seq = this.#seq;
    return awaited(promise, () => {
      this.#awaited.add(seq);
      this.#poke();
    });
  }

  /**
   * Runs the live part of the operation at `seq`, counting it in flight. Engine-level failures
   * (lost lease, unserializable values, non-determinism) end the execution and leave the workflow
   * hanging on a promise that never settles; other errors reach the workflow.
   */
  async #live<T>(seq: number, work: () => Promise<T>): Promise<T> {
    if (this.#ended || this.#fatal) return never();
    if (!this.#replay.atFrontier) {
      // New work waits until every recorded result has been replayed (see ReplayOrder).
      this.#beyondFrontier.add(seq);
      this.#poke();
      await this.#replay.whenAtFrontier();
      this.#beyondFrontier.delete(seq);
      if (this.#ended || this.#fatal) return never();
    }
    this.#inFlight++;
    try {
      return await work();
    } catch (error) {
      if (error === ENDED) return never();
      // A step's recorded failure is the workflow's to handle; anything else here came from the
      // engine or the store and must not be seen by workflow code (a replay would not see it).
      if (error instanceof StepFailedError) throw error;
      const failure = error instanceof Error ? error : new Error(String(error));
      if (error instanceof LeaseLostError) this.#setFatal({ kind: 'abandon', error });
      else if (error instanceof NonDeterminismError) this.#setFatal({ kind: 'block', error: failure });
      else if (failsTheRun(error)) this.#setFatal({ kind: 'fail', error: failure });
      else this.#setFatal({ kind: 'release', error: failure });
      return never();
    } finally {
      this.#inFlight--;
      this.#poke();
    }
  }

  // ── patches ───────────────────────────────────────────────────────────────────────────────

  patched(id: string): boolean {
    checkName(id, 'patch id');
    if (this.#fatal || this.#ended) return false;
    const seq = this.#seq + 1;
    const record = this.#history.get(seq);
    if (record) {
      if (record.kind !== 'patch' || record.name !== id) return false; // made without the patch
      this.#seq = seq;
      return true;
    }
    // Nothing recorded here, but an earlier execution went past it (a wait registered beyond):
    // that history was made without the patch.
    if (seq <= this.#reachedSeq) return false;
    this.#seq = seq;
    // Written like any record, in this turn: a later position's record cannot commit before it.
    void this.#live(seq, () =>
      this.#liveOrder.write(() =>
        this.#deps.store.recordOperation(
          this.lease,
          { seq, kind: 'patch', name: id, output: null, error: null },
          this.#deps.clock.now(),
        ),
      ),
    );
    return true;
  }

  deprecatePatch(id: string): void {
    checkName(id, 'patch id');
    const record = this.#history.get(this.#seq + 1);
    if (record?.kind === 'patch' && record.name === id) this.#seq++;
  }

  // ── steps ─────────────────────────────────────────────────────────────────────────────────

  step<T>(name: string, fn: (step: StepContext) => Promise<T> | T, options: StepOptions = {}): Promise<T> {
    return this.#watch(() => this.#step(name, fn, options));
  }

  async #step<T>(name: string, fn: (step: StepContext) => Promise<T> | T, options: StepOptions): Promise<T> {
    checkName(name, 'step name');
    if (typeof fn !== 'function') throw new InvalidArgumentError(`step "${name}" needs a function`);
    const policy = retryPolicy(options.retries, options.backoff);
    const timeoutMs = options.timeout === undefined ? undefined : toMs(options.timeout, 'step timeout');
    const { seq, record } = this.#next('step', name);
    if (record) return this.#stepResult<T>(name, await this.#replay.deliver(record), seq);
    return this.#live(seq, async () => {
      const idempotencyKey = `${this.runId}:${seq}`;
      for (let attempt = 1; ; attempt++) {
        let value: T | undefined;
        let failure: unknown;
        let failed = false;
        try {
          value = await this.#attempt(seq, fn, {
            name,
            attempt,
            idempotencyKey,
            timeoutMs,
            clock: this.#deps.clock,
            signal: this.#abort.signal,
            // Transient output: straight to the feed, fenced by the lease, never recorded.
            progress: async (data) =>
              !this.#fatal &&
              this.#deps.store.appendProgress(
                this.lease,
                encode({ step: name, seq, try: `${this.lease.token}.${attempt}`, data }, `The progress of "${name}"`),
                this.#deps.clock.now(),
              ),
          });
        } catch (error) {
          failed = true;
          failure = error;
        }
        if (this.#fatal) throw ENDED; // #live turns this into a promise that never settles
        if (!failed) {
          const output = encode(value, `The result of step "${name}"`);
          await this.#liveOrder.write(() =>
            this.#deps.store.recordOperation(
              this.lease,
              { seq, kind: 'step', name, output, error: null },
              this.#deps.clock.now(),
            ),
          );
          return decode<T>(output);
        }
        const error = failure instanceof Error ? failure : new NonErrorThrownError(name, failure);
        if (error instanceof TerminalError || attempt > policy.retries) {
          const recorded = JSON.stringify({ stepName: name, attempts: attempt, cause: JSON.parse(encodeError(error)) });
          await this.#liveOrder.write(() =>
            this.#deps.store.recordOperation(
              this.lease,
              { seq, kind: 'step', name, output: null, error: recorded },
              this.#deps.clock.now(),
            ),
          );
          throw this.#stepFailure(name, recorded, seq);
        }
        // A bad `retryAfterMs` (negative, NaN, over 10 years) fails the run with a clear error
        // (INVALID_ARGUMENT) rather than retrying at once, forever.
        const retryAfter =
          error instanceof RetryableError && error.retryAfterMs !== undefined
            ? toMs(error.retryAfterMs, `The retryAfterMs of step "${name}"`)
            : undefined;
        await abortableDelay(this.#deps.clock, retryAfter ?? delayAfter(policy, attempt), this.#abort.signal);
        if (this.#fatal) throw ENDED;
      }
    });
  }

  #stepResult<T>(name: string, record: Operation, seq: number): T {
    if (record.error !== null) throw this.#stepFailure(name, record.error, seq);
    return decode<T>(record.output);
  }

  /** The error a failed step throws, rebuilt from its record: the same on first run and replay. */
  #stepFailure(name: string, recorded: string, seq: number): StepFailedError {
    const data = JSON.parse(recorded) as { stepName?: string; attempts?: number; cause?: ErrorData };
    const error = new StepFailedError(
      data.stepName ?? name,
      data.attempts ?? 1,
      data.cause ? decodeError(JSON.stringify(data.cause)) : decodeError(recorded),
    );
    this.#stepErrors.set(error, seq);
    return error;
  }

  // ── waits ─────────────────────────────────────────────────────────────────────────────────

  /** Returns the recorded result of a wait, resolving or registering it on first encounter. */
  async #wait(
    kind: OperationKind,
    name: string,
    build: (seq: number) => WaitRequest,
    exclusiveKey?: string,
  ): Promise<Operation> {
    const { seq, record } = this.#next(kind, name);
    if (exclusiveKey !== undefined) this.#openExclusive(exclusiveKey, seq, name);
    const resolved = (op: Operation) => {
      if (exclusiveKey !== undefined) this.#openWaits.delete(exclusiveKey);
      return op;
    };
    if (record) return resolved(await this.#replay.deliver(record));
    return resolved(await this.#awaitLive(build(seq)));
  }

  /** Resolves the wait `request` now (its record) or registers it (a promise that never settles). */
  async #awaitLive(request: WaitRequest): Promise<Operation> {
    const outcome = await this.#live(request.seq, () =>
      this.#liveOrder.write(() => this.#deps.store.awaitWait(this.lease, request, this.#deps.clock.now())),
    );
    return this.#waitOutcome(outcome);
  }

  /** A wait's record when it was resolved; when it was registered, counts it and never settles. */
  #waitOutcome(outcome: WaitOutcome): Operation | Promise<never> {
    if (outcome.state === 'ready') return outcome.operation;
    this.#waits++;
    if (outcome.deadline !== null) this.#deps.onDeadline(outcome.deadline);
    this.#poke();
    return never();
  }

  /**
   * Two open waits on one mailbox topic (or one event key) in an execution would compete for the
   * same messages; one that lost a `Promise.race` is never cancelled and would steal the next
   * message. Refuse loudly instead.
   */
  #openExclusive(key: string, seq: number, name: string): void {
    const open = this.#openWaits.get(key);
    if (open !== undefined) {
      const error = new HeedError(
        'CONCURRENT_WAIT',
        `Run "${this.runId}": position ${seq} waits on "${name}" while the wait at position ${open} on the same ${key.startsWith('recv') ? 'topic' : 'event'} is still open (a wait that lost a Promise.race stays open). Use the timeout option instead of racing a wait against a sleep, and one wait per topic at a time.`,
      );
      this.#setFatal({ kind: 'fail', error });
      throw error;
    }
    this.#openWaits.set(key, seq);
  }

  sleep(duration: Duration): Promise<void> {
    return this.#watch(() => this.#sleep(duration));
  }

  async #sleep(duration: Duration): Promise<void> {
    const durationMs = toMs(duration, 'sleep duration');
    await this.#wait('sleep', 'sleep', (seq) => ({ kind: 'sleep', seq, name: 'sleep', durationMs }));
  }

  recv<T = unknown>(topic: string, options: RecvOptions = {}): Promise<T | null> {
    return this.#watch(() => this.#recv<T>(topic, options));
  }

  async #recv<T>(topic: string, options: RecvOptions): Promise<T | null> {
    checkName(topic, 'topic');
    const timeoutMs = options.timeout === undefined ? null : toMs(options.timeout, 'recv timeout');
    const op = await this.#wait(
      'recv',
      topic,
      (seq) => ({ kind: 'recv', seq, name: topic, topic, timeoutMs }),
      `recv\u0000${topic}`,
    );
    const received = decode<{ message: T } | null>(op.output);
    return received ? received.message : null;
  }

  waitForEvent<T = unknown>(name: string, options: WaitForEventOptions = {}): Promise<ReceivedEvent<T> | null> {
    return this.#watch(() => this.#waitForEvent<T>(name, options));
  }

  async #waitForEvent<T>(name: string, options: WaitForEventOptions): Promise<ReceivedEvent<T> | null> {
    checkName(name, 'event name');
    const match = options.match ?? {};
    checkMatch(match);
    const timeoutMs = options.timeout === undefined ? null : toMs(options.timeout, 'waitForEvent timeout');
    const lookbackMs = options.lookback === undefined ? 0 : toMs(options.lookback, 'waitForEvent lookback');
    const op = await this.#wait(
      'event',
      name,
      (seq) => ({ kind: 'event', seq, name, eventName: name, match, timeoutMs, lookbackMs }),
      `event\u0000${name}\u0000${matchKey(match)}`,
    );
    const event = decode<ReceivedEvent<T> | null>(op.output) ?? null;
    // A recorded event (on PostgreSQL a claim may record it before the code asks again) must still
    // be one this code's match selects: a changed match is a changed workflow, never a silent pass.
    if (event !== null && !dataMatches(event.data, match)) {
      const error = new NonDeterminismError(
        `Run "${this.runId}" (${this.#label}): position ${op.seq} waits for event "${name}" matching ${matchKey(match)} in the code, but the recorded event does not match it; the workflow code changed or is not deterministic`,
      );
      this.#setFatal({ kind: 'block', error });
      throw error;
    }
    return event;
  }

  // ── children ──────────────────────────────────────────────────────────────────────────────

  start<I, O>(workflow: WorkflowRef<I, O>, input: I, options: { id?: string } = {}): Promise<ChildRun<O>> {
    return this.#watch(() => this.#start(workflow, input, options));
  }

  async #start<I, O>(workflow: WorkflowRef<I, O>, input: I, options: { id?: string }): Promise<ChildRun<O>> {
    const { seq, record } = this.#next('start', workflow.name);
    let childId: string;
    if (record) {
      childId = decode<string>((await this.#replay.deliver(record)).output);
    } else {
      const id = options.id ?? `${this.runId}:${seq}`;
      const encoded = encode(input, `The input of child workflow "${workflow.name}"`);
      const child = await this.#live(seq, () =>
        this.#liveOrder.write(() =>
          this.#deps.store.startChild(
            this.lease,
            seq,
            workflow.name,
            { id, workflow: workflow.name, input: encoded },
            this.#deps.clock.now(),
          ),
        ),
      );
      childId = child.id;
    }
    return { id: childId, result: () => this.#watch(() => this.#childResult<O>(childId)) };
  }

  async #childResult<O>(childId: string): Promise<O> {
    const op = await this.#wait('child', childId, (seq) => ({ kind: 'child', seq, name: childId, childId }));
    return this.#childEnd<O>(childId, op);
  }

  /** What a child's recorded end gives the parent: its output, or the error it ended with. */
  #childEnd<O>(childId: string, op: Operation): O {
    const ended = decode<{ status: string; output: string | null; error: string | null }>(op.output);
    if (ended.status === 'succeeded') return decode<O>(ended.output);
    if (ended.status === 'cancelled') throw new RunCancelledError(childId);
    throw new RunFailedError(childId, ended.error ? decodeError(ended.error) : new Error('unknown error'));
  }

  // ── fused children (for the layers above) ────────────────────────────────────────────────

  /**
   * A child run created by an upper layer's write, started and awaited at four positions written
   * at once (see `fused-child.ts`): on first execution, one write (`plan.write`); on replay, the
   * four records, whether they were written fused or by the four calls one after the other.
   * `undefined`, taking no position, when it cannot fuse.
   */
  [FUSED_CHILD]<O>(plan: FusedChildPlan): Promise<O> | undefined {
    if (this.#fatal || this.#ended) return undefined;
    const seq = this.#seq + 1;
    const [uuidRecord, stepRecord, startRecord, childRecord] = [0, 1, 2, 3].map((i) => this.#history.get(seq + i));
    let work: () => Promise<O>;
    if (uuidRecord === undefined) {
      // First execution here: fuse only where nothing was recorded or registered from here on and
      // nothing recorded is still to be replayed (new work starts at the frontier).
      const fusable = !this.#deps.writeless && this.#replay.atFrontier && seq > this.#reachedSeq;
      if (stepRecord || startRecord || childRecord || !fusable) {
        return undefined;
      }
      const uuid = crypto.randomUUID();
      const childId = plan.childId(uuid);
      const records: FusedRecords['records'] = [
        { seq, kind: 'value', name: 'uuid', output: encode(uuid, 'uuid'), error: null },
        {
          seq: seq + 1,
          kind: 'step',
          name: plan.step,
          output: encode(plan.stepOutput(uuid), `The result of step "${plan.step}"`),
          error: null,
        },
        { seq: seq + 2, kind: 'start', name: plan.workflow, output: JSON.stringify(childId), error: null },
      ];
      const wait = { kind: 'child', seq: seq + 3, name: childId, childId } as const;
      work = async () => {
        const outcome = await this.#live(seq + 3, () =>
          this.#liveOrder.write(() => plan.write(this.lease, { uuid, records, wait }, this.#deps.clock.now())),
        );
        return this.#childEnd<O>(childId, await this.#waitOutcome(outcome));
      };
    } else {
      // A replay: the four records in a row (a failed step, another order or a partial history
      // are left to the four calls, which replay them as they were recorded).
      const isBlock =
        uuidRecord.kind === 'value' &&
        uuidRecord.name === 'uuid' &&
        stepRecord?.kind === 'step' &&
        stepRecord.name === plan.step &&
        stepRecord.error === null &&
        startRecord?.kind === 'start' &&
        startRecord.name === plan.workflow;
      if (!isBlock) return undefined;
      // The three records are one child's: its id is the one the recorded uuid gives.
      const childId = decode<string>(startRecord.output);
      if (childId !== plan.childId(decode<string>(uuidRecord.output))) return undefined;
      if (childRecord && (childRecord.kind !== 'child' || childRecord.name !== childId)) return undefined;
      work = async () => {
        for (const record of [uuidRecord, stepRecord, startRecord]) await this.#replay.deliver(record);
        const op = childRecord
          ? await this.#replay.deliver(childRecord)
          : await this.#awaitLive({ kind: 'child', seq: seq + 3, name: childId, childId });
        return this.#childEnd<O>(childId, op);
      };
    }
    this.#seq += 4;
    return awaited(work(), () => {
      for (let i = 0; i < 4; i++) this.#awaited.add(seq + i);
      this.#poke();
    });
  }

  // ── status and deterministic values ───────────────────────────────────────────────────────

  setStatus(key: string, value: unknown): Promise<void> {
    return this.#watch(() => this.#setStatus(key, value));
  }

  async #setStatus(key: string, value: unknown): Promise<void> {
    checkName(key, 'status key');
    const { seq, record } = this.#next('status', key);
    if (record) {
      await this.#replay.deliver(record);
      return;
    }
    const encoded = encode(value, `Status "${key}"`);
    const entry = await this.#live(seq, () =>
      this.#liveOrder.write(() =>
        this.#deps.store.publishStatus(this.lease, seq, key, encoded, this.#deps.clock.now()),
      ),
    );
    this.#deps.onStatus(entry);
  }

  now(): Promise<number> {
    return this.#watch(() => this.#value('now', () => this.#deps.clock.now()));
  }

  uuid(): Promise<string> {
    return this.#watch(() => this.#value('uuid', () => crypto.randomUUID()));
  }

  random(): Promise<number> {
    return this.#watch(() => this.#value('random', () => Math.random()));
  }

  async #value<T>(name: string, produce: () => T): Promise<T> {
    const { seq, record } = this.#next('value', name);
    if (record) return decode<T>((await this.#replay.deliver(record)).output);
    const output = encode(produce(), name);
    await this.#live(seq, () =>
      this.#liveOrder.write(() =>
        this.#deps.store.recordOperation(
          this.lease,
          { seq, kind: 'value', name, output, error: null },
          this.#deps.clock.now(),
        ),
      ),
    );
    return decode<T>(output);
  }
}
