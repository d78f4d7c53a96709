/**
 * Prometheus metrics for one Heed (`prom-client`, its own registry, so several Heeds in one
 * process never share or collide). Counters and histograms are fed through the {@link Telemetry}
 * port by this process's work; gauges (unfinished runs, pending and overdue tasks) are read from
 * the store when scraped, so they count the work of every process sharing it.
 *
 * Served at `GET /metrics` (admins, or a key holding the `metrics` permission). A scrape reads the
 * store at most once a second however often it is asked (concurrent scrapes share the read), and
 * a store failure leaves the gauges at their last values and is reported, never thrown.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StatsStore } from '../store/stats-store.ts';
import type { Outcome, Telemetry } from './telemetry.ts';

/** Time to decision: seconds to a week. */
const DECISION_BUCKETS = [1, 10, 60, 300, 900, 3_600, 4 * 3_600, 86_400, 3 * 86_400, 7 * 86_400];
/** Store calls and steps: 100 µs to 10 s. */
const LATENCY_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 10];

export interface HeedMetricsOptions {
  /** Node's process metrics (`process_*`, `nodejs_*`) in the same registry. Default false. */
  processMetrics?: boolean;
  /** Time every store call into `heed_store_operation_seconds`. Default false. */
  storeLatency?: boolean;
  /** How old the store's counts may be when scraped again (default 1 s; concurrent scrapes share one read). */
  statsMaxAgeMs?: number;
}

export interface MetricsSource {
  stats: StatsStore;
  now(): number;
  onError(error: unknown): void;
}

export class HeedMetrics implements Telemetry {
  readonly registry = new Registry();
  #source: MetricsSource | undefined;
  #stats: { at: number; read: Promise<void>; pending: boolean } | undefined;
  readonly #statsMaxAgeMs: number;

  readonly #steps = new Counter({
    name: 'heed_steps_total',
    help: 'Step bodies run in this process, by workflow and outcome (replays are not counted).',
    labelNames: ['workflow', 'outcome'],
    registers: [this.registry],
  });
  readonly #stepSeconds = new Histogram({
    name: 'heed_step_duration_seconds',
    help: 'How long step bodies ran in this process, all tries included.',
    labelNames: ['workflow'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly #executions = new Counter({
    name: 'heed_executions_total',
    help: 'Executions of runs in this process, by how they ended: completed, waiting, pending, blocked, abandoned, released.',
    labelNames: ['workflow', 'outcome'],
    registers: [this.registry],
  });
  readonly #decisions = new Histogram({
    name: 'heed_task_decision_seconds',
    help: 'Time from a task’s creation to its end, by type, policy and outcome (answered here, timed out or cancelled).',
    labelNames: ['type', 'policy', 'outcome'],
    buckets: DECISION_BUCKETS,
    registers: [this.registry],
  });
  readonly #reminders = new Counter({
    name: 'heed_task_reminders_total',
    help: 'Reminders applied to pending tasks by this process.',
    labelNames: ['type'],
    registers: [this.registry],
  });
  readonly #escalations = new Counter({
    name: 'heed_task_escalations_total',
    help: 'Escalations applied to pending tasks by this process.',
    labelNames: ['type'],
    registers: [this.registry],
  });
  readonly #deliveriesFailed = new Counter({
    name: 'heed_deliveries_failed_total',
    help: 'Notices given up on after their last attempt, by channel.',
    labelNames: ['channel'],
    registers: [this.registry],
  });
  readonly #storeSeconds = new Histogram({
    name: 'heed_store_operation_seconds',
    help: 'Latency of store calls made by this process, by operation and outcome.',
    labelNames: ['operation', 'outcome'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly #runs = new Gauge({
    name: 'heed_runs',
    help: 'Runs not finished, by workflow and status (pending, running, waiting, blocked), in the whole store.',
    labelNames: ['workflow', 'status'],
    registers: [this.registry],
  });
  readonly #pending = new Gauge({
    name: 'heed_tasks_pending',
    help: 'Pending tasks by type, in the whole store.',
    labelNames: ['type'],
    registers: [this.registry],
  });
  readonly #overdue = new Gauge({
    name: 'heed_tasks_overdue',
    help: 'Pending tasks whose deadline has passed (their default is being applied), by type.',
    labelNames: ['type'],
    registers: [this.registry],
  });

  constructor(options: HeedMetricsOptions = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    this.#statsMaxAgeMs = options.statsMaxAgeMs ?? 1_000;
  }

  /** Where the gauges are read from at scrape time (set by Heed once its store is known). */
  attach(source: MetricsSource): void {
    this.#source = source;
  }

  /** The exposition text (`text/plain; version=0.0.4`). Never rejects for a store failure. */
  async text(): Promise<string> {
    await this.#refreshStats();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  stepRan(workflow: string, outcome: Outcome, seconds: number): void {
    this.#steps.inc({ workflow, outcome });
    this.#stepSeconds.observe({ workflow }, seconds);
  }

  executionEnded(workflow: string, outcome: string): void {
    this.#executions.inc({ workflow, outcome });
  }

  taskEnded(type: string, policy: string, outcome: string, seconds: number): void {
    this.#decisions.observe({ type, policy, outcome }, Math.max(0, seconds));
  }

  taskNudged(kind: 'reminder' | 'escalation', type: string): void {
    (kind === 'reminder' ? this.#reminders : this.#escalations).inc({ type });
  }

  deliveryFailed(channel: string): void {
    this.#deliveriesFailed.inc({ channel });
  }

  storeCall(operation: string, seconds: number, outcome: Outcome): void {
    this.#storeSeconds.observe({ operation, outcome }, seconds);
  }

  #refreshStats(): Promise<void> {
    const source = this.#source;
    if (!source) return Promise.resolve();
    const now = Date.now();
    if (this.#stats && (now - this.#stats.at < this.#statsMaxAgeMs || this.#stats.pending)) return this.#stats.read;
    const entry = { at: now, read: Promise.resolve(), pending: true };
    entry.read = (async () => {
      try {
        const [runs, tasks] = await Promise.all([
          source.stats.unfinishedRuns(),
          source.stats.pendingTasks(source.now()),
        ]);
        this.#runs.reset();
        for (const row of runs) this.#runs.set({ workflow: row.workflow, status: row.status }, row.count);
        this.#pending.reset();
        this.#overdue.reset();
        for (const row of tasks) {
          this.#pending.set({ type: row.type }, row.pending);
          this.#overdue.set({ type: row.type }, row.overdue);
        }
      } catch (error) {
        source.onError(error);
      } finally {
        entry.pending = false;
      }
    })();
    this.#stats = entry;
    return entry.read;
  }
}
