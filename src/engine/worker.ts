import type { Telemetry } from '../observability/telemetry.ts';
import { hostname } from 'node:os';
import { ClosedError, LeaseLostError } from '../errors.ts';
import type { EngineStore } from '../store/engine-store.ts';
import type { Claim, Lease, StatusEntry } from '../store/store.ts';
import type { Clock } from '../time/clock.ts';
import { Execution, type ExecutionOutcome } from './execution.ts';
import type { WorkflowContext } from './context.ts';
import type { WorkflowFn } from './workflow.ts';

/**
 * Delay before handing back a run whose execution a store failure interrupted for the second time
 * in a row (the first is handed back at once: most store failures pass, e.g. a lock or a restart).
 */
const RELEASE_BACKOFF_MS = 250;
/** The longest such delay: it doubles with each consecutive failure of the same run, up to this. */
const RELEASE_BACKOFF_MAX_MS = 60_000;
/** How many runs' consecutive failures a worker remembers (the oldest are forgotten first). */
const RELEASE_MEMORY = 10_000;

export interface WorkerOptions {
  store: EngineStore;
  clock: Clock;
  owner: string;
  workflows: ReadonlyMap<string, WorkflowFn<unknown, unknown>>;
  concurrency: number;
  leaseMs: number;
  maxRecoveries: number;
  onDeadline(deadline: number): void;
  onStatus(entry: StatusEntry): void;
  extensions: ReadonlyMap<string, (ctx: WorkflowContext) => unknown>;
  onExecutionEnd(runId: string, outcome: ExecutionOutcome): void;
  onError(error: unknown): void;
  /** Where executions and steps are reported (metrics). */
  telemetry?: Telemetry;
}

/**
 * Claims runnable runs and executes them, up to `concurrency` at a time. It is woken by `poke()`
 * whenever this process makes a run runnable (start, send, emit, a fired timer), so runs resume
 * without polling; a slow fallback poll (owned by `Heed`) covers writes by other processes.
 * One heartbeat timer extends the leases of every run it executes.
 */
export class Worker {
  readonly #o: WorkerOptions;
  readonly #active = new Map<string, Execution>();
  /** Executions whose code is done and whose last write is in flight: their slots are free. */
  readonly #settled = new Set<Execution>();
  /** Executions a store failure interrupted, waiting out their backoff before their run is handed back: each with the function that ends the wait now. */
  readonly #cooling = new Map<Execution, () => void>();
  /** Consecutive store failures of runs executed here, by run id (oldest first): the backoff's exponent. */
  readonly #failures = new Map<string, number>();
  #filling: Promise<void> | undefined;
  #again = false;
  #claimScheduled = false;
  #running = false;
  #cancelHeartbeat: (() => void) | undefined;
  #idleWaiters: (() => void)[] = [];

  constructor(options: WorkerOptions) {
    this.#o = options;
  }

  get activeCount(): number {
    return this.#active.size;
  }

  /** Starts claiming, after taking back the runs of dead workers on this host. */
  start(): void {
    this.#running = true;
    this.#scheduleHeartbeat();
    // Where the store keeps heartbeats, announce this worker before reaping silent ones.
    const reclaimed = this.#o.store.heartbeat
      ? this.#beat().then(() => this.reclaimFromDeadProcesses())
      : this.reclaimFromDeadProcesses();
    void reclaimed.finally(() => this.poke());
  }

  /**
   * A lease holder on this host whose process no longer exists (SIGKILL, OOM) will never renew:
   * its runs are recovered now rather than when the lease runs out. Holders on other hosts are
   * left to lease expiry.
   */
  async reclaimFromDeadProcesses(): Promise<void> {
    try {
      const { store } = this.#o;
      if (store.reapDeadWorkers) {
        // Heartbeats: a worker silent for two heartbeat periods is dead, on whatever machine.
        await store.reapDeadWorkers(2 * this.#heartbeatMs + 1_000, this.#o.clock.now());
        return;
      }
      const host = hostname();
      for (const owner of await this.#o.store.leaseOwners()) {
        const match = /@(.+)#(\d+):[^:]+$/.exec(owner);
        if (!match || match[1] !== host || owner === this.#o.owner) continue;
        if (!processAlive(Number(match[2]))) await this.#o.store.expireLeases(owner, this.#o.clock.now());
      }
    } catch (error) {
      if (!(error instanceof ClosedError)) this.#o.onError(error);
    }
  }

  /** Something may be runnable: claim and execute. Coalesces concurrent calls. */
  poke(): void {
    if (!this.#running) return;
    if (this.#filling) {
      this.#again = true;
      return;
    }
    this.#filling = this.#fill().finally(() => {
      this.#filling = undefined;
      // A poke that arrived after the fill's last check must not be lost.
      if (this.#again && this.#running) this.poke();
      else this.#flushIdle();
    });
  }

  /** Abandons the local execution of a run that was cancelled elsewhere in this process. */
  abandon(runId: string, reason: Error): void {
    const execution = this.#active.get(runId);
    execution?.abandon(reason);
    // A run waiting out its backoff is no longer this worker's to hand back: stop waiting now.
    if (execution) this.#cooling.get(execution)?.();
  }

  /**
   * Resolves once nothing is executing and the last claim found nothing to run. Runs waiting out
   * a backoff (see `#releaseLater`) do not count: like a sleeping run, they wait for the clock.
   */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stops claiming; waits up to `graceMs` for executions to reach a durable point; abandons the
   * rest and hands their runs back (`pending`) so that the next worker resumes them at once.
   * Steps interrupted here run again on the next worker (at-least-once).
   */
  async stop(graceMs: number): Promise<void> {
    this.#running = false;
    this.#cancelHeartbeat?.();
    await this.#filling; // a claim in flight hands its runs back (see #fill)
    for (const releaseNow of [...this.#cooling.values()]) releaseNow(); // no backoff on the way out
    const deadline = Date.now() + graceMs;
    while (this.#active.size > 0 && Date.now() < deadline) {
      await Promise.race([this.idle(), new Promise((r) => setTimeout(r, Math.max(1, deadline - Date.now())))]);
    }
    const leftover = [...this.#active.values()];
    for (const execution of leftover) execution.abandon(new ClosedError('The worker is shutting down'));
    await Promise.all(
      leftover.map((execution) =>
        this.#o.store.releaseRun(execution.lease, this.#o.clock.now()).catch(() => {
          // Lease already lost: whoever holds the run now is responsible for it.
        }),
      ),
    );
    await this.#o.store.retireWorker?.(this.#o.owner).catch(() => {});
    this.#flushIdle();
  }

  async #fill(): Promise<void> {
    try {
      do {
        this.#again = false;
        while (this.#running && this.#room > 0) {
          const limit = this.#room;
          const claims = await this.#o.store.claimRuns({
            owner: this.#o.owner,
            workflows: [...this.#o.workflows.keys()],
            limit,
            now: this.#o.clock.now(),
            leaseMs: this.#o.leaseMs,
            maxRecoveries: this.#o.maxRecoveries,
            active: [...this.#active.keys()],
          });
          if (!this.#running) {
            // stop() began while this claim was in flight: hand the runs straight back.
            await Promise.all(claims.map((claim) => this.#release(claim.lease)));
            break;
          }
          for (const claim of claims) this.#launch(claim);
          // Fewer than asked for: nothing more is runnable now (a poke meanwhile sets #again).
          if (claims.length < limit) break;
        }
      } while (this.#again && this.#running);
    } catch (error) {
      if (!(error instanceof ClosedError)) this.#o.onError(error);
    }
  }

  /**
   * Slots taken: executions still running workflow code. One whose code is done and whose end is
   * being written no longer counts, so the next claim overlaps that write (claim-ahead).
   */
  get #busy(): number {
    let busy = 0;
    for (const execution of this.#active.values()) if (!this.#settled.has(execution)) busy++;
    return busy;
  }

  /**
   * How many more runs to claim: free slots, but never more than `concurrency` runs whose ends are
   * still being written besides them. Without that bound a slow store would let claim-ahead pile
   * up leases (and memory) for far more runs than `concurrency` behind the writes in flight.
   */
  get #room(): number {
    return Math.min(this.#o.concurrency - this.#busy, 2 * this.#o.concurrency - this.#active.size);
  }

  /** Best-effort hand-back of a run; if it fails, the lease expires and the run is recovered. */
  async #release(lease: Lease): Promise<void> {
    await this.#o.store.releaseRun(lease, this.#o.clock.now()).catch(() => {});
  }

  /**
   * Hands back a run whose execution a store failure interrupted: at once the first time, then
   * after a backoff on the engine's clock, 250 ms after the second consecutive failure of that run
   * here, doubling with each one, up to 60 s. Why not always at once: a run whose writes keep failing (a bug, a database refusing something not classed as
   * bad data) would otherwise be claimed, replayed and handed back in a hot loop, each lap costing
   * the store a claim, a replay's reads and a failed write (on PostgreSQL a failed group-commit
   * batch whose other writes are then re-sent one by one). Meanwhile this worker keeps the lease
   * (the heartbeat renews it), so no worker claims the run early, while its slot is free for other
   * runs. `stop()` hands waiting runs back at once; a crash leaves them to lease expiry.
   */
  async #releaseLater(execution: Execution): Promise<void> {
    const runId = execution.lease.runId;
    const failures = (this.#failures.get(runId) ?? 0) + 1;
    this.#failures.delete(runId); // re-inserted as the newest
    this.#failures.set(runId, failures);
    if (this.#failures.size > RELEASE_MEMORY) this.#failures.delete(this.#failures.keys().next().value as string);
    if (this.#running && failures > 1) {
      const delayMs = Math.min(RELEASE_BACKOFF_MAX_MS, RELEASE_BACKOFF_MS * 2 ** Math.min(failures - 2, 30));
      await new Promise<void>((resolve) => {
        const done = () => {
          cancel();
          this.#cooling.delete(execution);
          resolve();
        };
        const cancel = this.#o.clock.setTimer(delayMs, done);
        this.#cooling.set(execution, done);
        this.#flushIdle();
      });
    }
    await this.#release(execution.lease);
  }

  #launch(claim: Claim): void {
    const fn = this.#o.workflows.get(claim.run.workflow);
    if (!fn) return; // cannot happen: claims are filtered by registered workflow names
    const execution: Execution = new Execution(claim, {
      store: this.#o.store,
      clock: this.#o.clock,
      onDeadline: this.#o.onDeadline,
      onStatus: this.#o.onStatus,
      extensions: this.#o.extensions,
      ...(this.#o.telemetry ? { telemetry: this.#o.telemetry } : {}),
      onSettled: () => {
        this.#settled.add(execution);
        this.#scheduleClaim();
      },
    });
    // An older execution of the same run may still be finishing (a step ignoring its abort
    // signal after a cancel and resume): it is fenced off already; track the new one.
    this.#active.get(claim.run.id)?.abandon(new LeaseLostError(claim.run.id));
    this.#active.set(claim.run.id, execution);
    execution
      .run(fn)
      .then(
        async (outcome) => {
          if (outcome === 'released') {
            this.#o.onError(execution.interruption);
            await this.#releaseLater(execution);
          } else {
            this.#failures.delete(claim.run.id);
          }
          this.#o.onExecutionEnd(claim.run.id, outcome);
        },
        async (error: unknown) => {
          this.#o.onError(error);
          await this.#releaseLater(execution);
        },
      )
      .finally(() => {
        this.#settled.delete(execution);
        if (this.#active.get(claim.run.id) === execution) this.#active.delete(claim.run.id);
        this.#scheduleClaim();
      });
  }

  /**
   * Heartbeats run on real time, not the injected clock: they are about live processes. (With a
   * virtual clock a lease may look expired after `advance`; only *other* owners may take it.)
   */
  #scheduleHeartbeat(): void {
    const handle = setTimeout(() => {
      if (!this.#running) return;
      void this.#beat();
      this.#scheduleHeartbeat();
    }, this.#heartbeatMs);
    handle.unref();
    this.#cancelHeartbeat = () => clearTimeout(handle);
  }

  get #heartbeatMs(): number {
    return Math.max(10, Math.floor(this.#o.leaseMs / 3));
  }

  /** Extends the leases of every execution (and, where the store keeps them, this worker's heartbeat). */
  async #beat(): Promise<void> {
    const { store, clock, owner, leaseMs } = this.#o;
    const leases = [...this.#active.values()].map((execution) => execution.lease);
    try {
      if (store.heartbeat) await store.heartbeat(owner, leases, clock.now(), leaseMs);
      else if (leases.length > 0) await store.renewLeases(leases, clock.now(), leaseMs);
    } catch (error) {
      if (!(error instanceof ClosedError)) this.#o.onError(error);
    }
  }

  /**
   * After executions end, claim once on the next turn rather than once per ending execution:
   * a burst of completions then refills every free slot with one query.
   */
  #scheduleClaim(): void {
    if (this.#claimScheduled) return;
    this.#claimScheduled = true;
    setImmediate(() => {
      this.#claimScheduled = false;
      this.poke();
      this.#flushIdle();
    });
  }

  #isIdle(): boolean {
    return this.#active.size === this.#cooling.size && this.#filling === undefined && !this.#claimScheduled;
  }

  #flushIdle(): void {
    if (!this.#isIdle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** True while a process with this pid exists (signal 0 checks without signalling). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
