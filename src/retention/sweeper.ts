import type { FeedStore } from '../store/feed-store.ts';
import type { PruneBatch, PruneRequest, RetentionStore } from '../store/retention-store.ts';
import type { Clock } from '../time/clock.ts';
import type { RetentionPlan } from './options.ts';

/** What one sweep removed. */
export interface PruneReport {
  /** Runs removed with their history (whole finished trees). */
  runs: number;
  /** `progress` run events removed from finished runs that stay. */
  progress: number;
  /** Notification deliveries removed. */
  deliveries: number;
  /** Ended tasks removed with their audit chains. */
  tasks: number;
  /** Rows deleted in all, every table together. */
  rows: number;
  /** Transactions (batches) it took. */
  batches: number;
}

/** The store as the sweeper uses it: the pruning batches, and settings for its schedule. */
export type SweeperStore = RetentionStore & Pick<FeedStore, 'getSetting' | 'setSetting'>;

/** When the last sweep of any process started (engine clock, ms): the schedule survives restarts. */
const SWEPT_AT = 'heed.retention.sweptAt';
/** How far progress pruning got (see `RetentionStore.pruneProgress`): never looked at twice. */
const PROGRESS_CURSOR = 'heed.retention.progress';
/** A freshly started process waits this long before its first sweep, so starting stays fast. */
const FIRST_SWEEP_MS = 30_000;

type Kind = 'progress' | 'runs' | 'tasks' | 'deliveries';

/**
 * Prunes what ended longer ago than the retention plan says, in batches, on a schedule.
 *
 * Every process with a started engine sweeps, each on its own timer: a store shared by many
 * processes (PostgreSQL) is swept as long as any of them runs. Concurrency is the store's
 * (see `RetentionStore`): batches are short transactions that skip what others hold, so two
 * processes sweeping at once only do some work twice. To make that rare, the time of the last
 * sweep is kept in the store: a process whose timer fires less than `every` after any process's
 * sweep started skips its turn. The schedule is on real time (like the fallback poll), the ages
 * on the engine's clock (`now` when the sweep starts).
 *
 * A sweep rests between batches as long as the last batch took, so on SQLite (whose writes run on
 * the calling thread) workers' writes interleave with it and it never takes more than about half
 * of the process; it stops after the current batch when the engine stops.
 */
export class RetentionSweeper {
  readonly #store: SweeperStore;
  readonly #clock: Clock;
  readonly #plan: RetentionPlan;
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<PruneReport> | undefined;
  #stopping = false;

  constructor(options: { store: SweeperStore; clock: Clock; plan: RetentionPlan; onError: (error: unknown) => void }) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#plan = options.plan;
    this.#onError = options.onError;
  }

  /** Whether anything is to be pruned at all. */
  get enabled(): boolean {
    const p = this.#plan;
    return [p.finishedRunsMs, p.progressMs, p.deliveriesMs, p.tasksMs].some((ms) => ms !== null);
  }

  /** Starts the schedule: the first sweep when the last one (of any process) is `every` old. */
  start(): void {
    if (!this.enabled) return;
    this.#stopping = false;
    void this.#dueIn().then(
      (ms) => this.#schedule(ms),
      (error) => {
        this.#onError(error);
        this.#schedule(this.#plan.everyMs);
      },
    );
  }

  /** Stops the schedule; a sweep in progress ends after its current batch. Resolves then. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {});
  }

  /**
   * Sweeps now (or joins the sweep in progress), whatever the schedule, and records it as the
   * last sweep. Deletes in batches of `batchSize` rows until nothing older than the ages is left.
   * @throws the store's error; what earlier batches deleted stays deleted (each batch commits).
   */
  sweep(): Promise<PruneReport> {
    this.#running ??= this.#sweep().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #dueIn(): Promise<number> {
    const last = Number((await this.#store.getSetting(SWEPT_AT)) ?? Number.NaN);
    const due = Number.isFinite(last) ? last + this.#plan.everyMs - this.#clock.now() : 0;
    return Math.min(this.#plan.everyMs, Math.max(FIRST_SWEEP_MS, due));
  }

  #schedule(ms: number): void {
    if (this.#stopping) return;
    // Up to 10% later, so that processes started together do not sweep together.
    const jitter = Math.random() * 0.1 * ms;
    this.#timer = setTimeout(() => void this.#onTimer(), ms + jitter);
    this.#timer.unref();
  }

  async #onTimer(): Promise<void> {
    try {
      const due = await this.#dueIn();
      // Another process swept meanwhile: wait for its next turn instead.
      if (due > FIRST_SWEEP_MS) return this.#schedule(due);
      await this.sweep();
    } catch (error) {
      this.#onError(error);
    }
    this.#schedule(this.#plan.everyMs);
  }

  async #sweep(): Promise<PruneReport> {
    const now = this.#clock.now();
    await this.#store.setSetting(SWEPT_AT, String(now));
    const report: PruneReport = { runs: 0, progress: 0, deliveries: 0, tasks: 0, rows: 0, batches: 0 };
    const p = this.#plan;
    // Progress first: it is the bulk, and what it removes the runs pass need not.
    const passes: [Kind, number | null, (request: PruneRequest) => Promise<PruneBatch>][] = [
      ['progress', p.progressMs, (r) => this.#store.pruneProgress(r)],
      ['runs', p.finishedRunsMs, (r) => this.#store.pruneRuns(r)],
      ['tasks', p.tasksMs, (r) => this.#store.pruneTasks(r)],
      ['deliveries', p.deliveriesMs, (r) => this.#store.pruneDeliveries(r)],
    ];
    for (const [kind, ageMs, prune] of passes) {
      if (ageMs === null) continue;
      const persistent = kind === 'progress';
      let after = persistent ? ((await this.#store.getSetting(PROGRESS_CURSOR)) ?? null) : null;
      for (;;) {
        if (this.#stopping) return report;
        const started = performance.now();
        const batch = await prune({ before: now - ageMs, limit: p.batchSize, after });
        const took = performance.now() - started;
        report[kind] += batch.items;
        report.rows += batch.rows;
        report.batches++;
        if (persistent && batch.next !== null && batch.next !== after) {
          await this.#store.setSetting(PROGRESS_CURSOR, batch.next);
        }
        after = batch.next;
        if (!batch.more) break;
        // Rest as long as the batch took: the sweep gets at most half of the store (and, on
        // SQLite, of the event loop, which a batch holds while it runs), so workers' claims and
        // writes go between batches however much there is to prune.
        await new Promise((resolve) => setTimeout(resolve, Math.min(took, 1_000)));
      }
    }
    return report;
  }
}
