import { InvalidArgumentError } from '../errors.ts';
import { type Duration, toMs } from '../time/duration.ts';

/**
 * How long Heed keeps what has ended (`new Heed({retention})`, the `retention` key of the
 * `heed serve` / `heed worker` config). Each age is a {@link Duration} (`'30d'`, `'12h'`, ms) or
 * `false` to keep that kind forever. Ages count on the engine's clock from when a thing ended.
 * Pruning is a background sweep (see `RetentionSweeper`): every process with a started engine
 * runs it, in small batches; what is still in use is never pruned.
 *
 * Pruned data is gone: `heed.runs.get` of a pruned run is `undefined`, its id may be used again
 * (idempotent start holds within the window), its feed and statuses are empty.
 */
export interface RetentionOptions {
  /**
   * Finished runs (succeeded, failed, cancelled) with their history (steps, waits, messages,
   * statuses, run events). Default `'30d'`. A run is pruned with its whole tree (a run started
   * without a parent and every descendant), once every run of the tree finished that long ago:
   * a child of a run still going (a chat's turns, a task's lifecycle under the run that asked)
   * stays while its parent runs. A run a pending task names is kept; a finished run that asked a
   * task, or was a task's lifecycle, is pruned and the task stays readable (see `tasks`).
   */
  finishedRuns?: Duration | false;
  /**
   * The streamed `progress` entries (a step's output as it streamed, e.g. a model's text deltas)
   * of finished run trees: the bulk of a run's feed, kept for less time than the run itself.
   * Default `'7d'`. The run, its result and its statuses stay (until `finishedRuns`); its event
   * feed no longer replays the stream. A tree still running keeps its runs' progress (a chat
   * thread's turns rebuild the conversation from it).
   */
  progress?: Duration | false;
  /**
   * Notification deliveries (who was sent what on which channel, with the provider's reference)
   * and their local outbox copies, counted from their last write. Default `'30d'`. Those of a
   * pending task are kept (they stop a notice from going out twice and thread its reminders).
   */
  deliveries?: Duration | false;
  /**
   * Ended tasks (resolved, expired, cancelled) with their responses, audit chain, used links and
   * deliveries, counted from when they ended. Default `false`: a task's decision and its audit
   * chain are kept forever, even after the runs around it are pruned.
   */
  tasks?: Duration | false;
  /** How often a process sweeps (default `'1h'`; the last sweep's time is kept in the store across restarts). */
  every?: Duration;
  /** Rows deleted per transaction, about (default 500). Smaller batches hold the store's write lock for less time. */
  batchSize?: number;
}

/** {@link RetentionOptions} resolved to milliseconds (`null`: kept forever). */
export interface RetentionPlan {
  finishedRunsMs: number | null;
  progressMs: number | null;
  deliveriesMs: number | null;
  tasksMs: number | null;
  everyMs: number;
  batchSize: number;
}

export const RETENTION_DEFAULTS = {
  finishedRuns: '30d',
  progress: '7d',
  deliveries: '30d',
  tasks: false,
  every: '1h',
  batchSize: 500,
} as const satisfies Required<RetentionOptions>;

/**
 * Checks and resolves retention options; `false` turns every kind off.
 * @throws InvalidArgumentError naming the bad option.
 */
export function retentionPlan(options: RetentionOptions | false | undefined): RetentionPlan {
  if (options === false) {
    return {
      finishedRunsMs: null,
      progressMs: null,
      deliveriesMs: null,
      tasksMs: null,
      everyMs: 3_600_000,
      batchSize: 500,
    };
  }
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new InvalidArgumentError('retention must be an object of ages (e.g. {"finishedRuns": "30d"}) or false');
  }
  const o = { ...RETENTION_DEFAULTS, ...options };
  const age = (value: Duration | false | undefined, name: string, fallback: Duration | false) => {
    const chosen = value === undefined ? fallback : value;
    return chosen === false ? null : toMs(chosen, `retention.${name}`);
  };
  const everyMs = toMs(o.every, 'retention.every');
  if (everyMs < 1_000) throw new InvalidArgumentError(`retention.every must be at least 1s, got ${o.every}`);
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1 || o.batchSize > 100_000) {
    throw new InvalidArgumentError(`retention.batchSize must be an integer from 1 to 100000, got ${o.batchSize}`);
  }
  return {
    finishedRunsMs: age(o.finishedRuns, 'finishedRuns', RETENTION_DEFAULTS.finishedRuns),
    progressMs: age(o.progress, 'progress', RETENTION_DEFAULTS.progress),
    deliveriesMs: age(o.deliveries, 'deliveries', RETENTION_DEFAULTS.deliveries),
    tasksMs: age(o.tasks, 'tasks', RETENTION_DEFAULTS.tasks),
    everyMs,
    batchSize: o.batchSize,
  };
}
