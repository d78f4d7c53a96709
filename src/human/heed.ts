import type { z } from 'zod';
import { Engine, type EngineOptions } from '../engine/engine.ts';
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

export interface HeedOptions extends EngineOptions, HumanTaskOptions {}

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

  constructor(options: HeedOptions) {
    super(options);
    this.feeds = options.store;
    this.deliveries = options.store;
    this.tasks = new HumanTasks(this, options.store, options);
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
