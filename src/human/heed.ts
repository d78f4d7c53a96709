import type { z } from 'zod';
import { Engine, type EngineOptions } from '../engine/engine.ts';
import { HeedMetrics, type HeedMetricsOptions } from '../observability/metrics.ts';
import { timedStore } from '../observability/timed-store.ts';
import type { DeliveryStore } from '../store/delivery-store.ts';
import type { FeedStore } from '../store/feed-store.ts';
import { type HumanTaskOptions, HumanTasks } from './tasks.ts';
import type { DefaultOutcome, SchemaInput, TaskResult, TaskSpec, TaskType } from './types.ts';

/** The type of form data a spec's `form` describes. */
export type FormData<F> = F extends z.ZodType ? z.output<F> : unknown;

/** `ctx.ask`: the result is typed by the spec (outcome union, form data from the zod schema). */
export type Ask = <
  const T extends TaskType,
  const O extends string = DefaultOutcome<T>,
  F extends SchemaInput | undefined = undefined,
>(
  spec: TaskSpec<T, O, F>,
) => Promise<TaskResult<O, FormData<F>>>;

declare module '../engine/context.ts' {
  interface WorkflowContext {
    /**
     * Asks a person and waits durably for the answer (see `HumanTasks.ask`): the run is suspended
     * while the task is pending, and resumes with the result when someone answers or a deadline
     * decides. Created once, even across replays and crashes.
     * @throws InvalidTaskError, PayloadTooLargeError for a bad spec (nothing is created).
     */
    ask: Ask;
  }
}

export interface HeedOptions extends Omit<EngineOptions, 'telemetry'>, HumanTaskOptions {
  /**
   * Prometheus metrics (`heed.metrics`, served at `GET /metrics`): counters and histograms of this
   * process's work, gauges read from the store at scrape time. `processMetrics` adds Node's
   * (`process_*`, `nodejs_*`; default off, on in `heed serve`); `storeLatency` times every store
   * call (default off, on in `heed serve`).
   */
  metrics?: HeedMetricsOptions;
}

/**
 * Heed: the durable engine with human tasks. `heed.tasks` creates, lists, answers and audits
 * tasks; workflows ask with `ctx.ask(spec)`. The store is split by who uses it: the engine keeps
 * its part private, `heed.tasks` holds the task part, and the layers beside (server, channels) get
 * `heed.feeds` and `heed.deliveries`.
 */
export class Heed extends Engine {
  readonly tasks: HumanTasks;
  /**
   * What live feeds read: run events, status changes, the change port, feed cursors, the tasks'
   * version. Usable once the store is open (`ready()` or `start()`).
   */
  readonly feeds: FeedStore;
  /** Notification deliveries and the local outbox, for channels. Usable once the store is open. */
  readonly deliveries: DeliveryStore;

  /** This Heed's metrics (see {@link HeedMetrics}); `text()` is the Prometheus exposition. */
  readonly metrics: HeedMetrics;

  constructor(options: HeedOptions) {
    const metrics = new HeedMetrics(options.metrics);
    const store = options.metrics?.storeLatency ? timedStore(options.store, metrics) : options.store;
    super({ ...options, store, telemetry: metrics });
    this.metrics = metrics;
    this.feeds = store;
    this.deliveries = store;
    this.tasks = new HumanTasks(this, store, { ...options, telemetry: metrics });
    metrics.attach({
      stats: store,
      now: () => this.clock.now(),
      onError: options.onError ?? ((error) => console.error('[heed] metrics: reading the store failed:', error)),
    });
    this.extendContext('ask', (ctx) => (spec: TaskSpec) => this.tasks.ask(ctx, spec));
  }

  /**
   * Starts the workers and timers (see `Engine.start`), then settles the tasks a run's
   * cancellation ended whose result a crash kept from being written (`tasks.settleCancellations`).
   * @throws the store's error
   */
  override async start(): Promise<void> {
    await super.start();
    await this.tasks.settleCancellations();
  }
}
