import { StoreUnavailableError } from '../../errors.ts';
import type { RunRow } from '../rows.ts';
import type { WaitRequest } from '../store.ts';
import type { WaitShape } from '../wait-rules.ts';
import type { AwaitWait, BatchedWriteKind, Write } from '../writes.ts';
import type { Database } from './sql.ts';

/**
 * A write `heed_apply` applies (`sql/heed_apply.sql`): one of `writes.ts`, sent as it is typed
 * (JSON), whose fields the SQL function of its kind reads by these names. Waits only for `recv`
 * and `sleep`.
 */
export type BatchedWrite =
  | Exclude<Extract<Write, { kind: BatchedWriteKind }>, AwaitWait>
  | (AwaitWait & { request: Extract<WaitRequest, { kind: 'recv' | 'sleep' }> });

/**
 * What `heed_apply` answers for each kind of write (`null`: the lease was lost, nothing written);
 * the store turns answers into results and errors.
 */
export interface BatchAnswers {
  /** `heed_create_runs`: the run as it is now. */
  createRun: { created: boolean; run: RunRow };
  /** `heed_record_operations`: the record's `ord` (`null` also when the position was taken). */
  recordOperation: number | null;
  /** `heed_await_waits`. */
  awaitWait:
    | { state: 'ready'; ord: number; output: string | null; at: number }
    | { state: 'waiting'; deadline: number | null }
    | { state: 'mismatch'; registered: WaitShape }
    | { state: 'mismatch'; recorded: { kind: string; name: string } }
    | null;
  /** `heed_suspend_runs`: the new status. */
  suspendRun: 'waiting' | 'pending' | null;
  /** `heed_complete_runs`. */
  completeRun: true | null;
  /** `heed_release_runs`. */
  releaseRun: true | null;
  /** `heed_send_messages`. */
  sendMessage: { missing: true } | { duplicate: boolean; woke: boolean };
}

/** The answer to write `W`. */
export type BatchAnswer<W extends BatchedWrite> = BatchAnswers[W['kind']];

interface Queued {
  /** The run whose history the write may number (a fenced write's run), or `null`. */
  run: string | null;
  /** A batched write, or (`direct`) a write in a transaction of its own, made when its turn comes. */
  write?: BatchedWrite;
  direct?: () => Promise<unknown>;
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

/** Writes per statement at most: large enough for a busy worker, small enough to keep locks short. */
const MAX_BATCH = 256;
/** Batches in flight at once: while they run, new writes gather into the next ones. */
const MAX_IN_FLIGHT = 4;

/**
 * Client-side group commit for the writes of many runs: concurrent calls are gathered and sent
 * as one `SELECT heed_apply($1)`, one round trip and one commit for the lot, every write fenced
 * on its own (see `sql/heed_apply.sql`). A write alone is sent at once (no timer, no added latency);
 * writes that arrive while batches are in flight go together in the next. Every write is durable
 * when its promise resolves (an ordinary commit; nothing relaxes `synchronous_commit`).
 *
 * One run, one write in flight: the fenced writes of a run (batched, and those the store makes in
 * a transaction of their own through {@link exclusive}) are sent one batch or one transaction at a
 * time, in the order they were made; the writes of a run made meanwhile wait, and go together in
 * the next batch. The database numbers a run's records (`ord`) in the order it applies them, and
 * the engine's code sees results in the order their promises resolve: with two writes of one run
 * on two connections at once, one can be numbered first and answered second (its connection's
 * answer read later), and a replay, which follows `ord`, would hand results to the wrong calls.
 * With one in flight, a write is sent only after the previous one was answered: both orders agree.
 *
 * Failures: a deadlock or a server restart before the statement ran re-sends the whole batch
 * (nothing of it committed; see `Database.auto`). Any other error of a batch of several writes
 * (e.g. one write's data refused: `StoreDataError`) sends the batch again in two halves, one after
 * the other (the order of the writes is kept), and so on down to the culprit alone: an error
 * belongs to the write that causes it, never to its neighbours, and one bad write among 256 costs
 * some 16 statements rather than 256. A connection lost while the statement ran fails every write
 * of the batch with `StoreUnavailableError` (whether it committed is unknown), as a lone write
 * would.
 */
export class WriteBatcher {
  /** Batches sent and the writes they carried (for profiles and tests). */
  readonly stats = { batches: 0, writes: 0 };
  readonly #db: () => Database;
  #queue: Queued[] = [];
  #inFlight = 0;
  #scheduled = false;
  /** Runs with a write in flight (in a batch, or a direct one). */
  readonly #busy = new Set<string>();

  constructor(db: () => Database) {
    this.#db = db;
  }

  /** Queues `write`; resolves with its answer from `heed_apply` once its batch committed. */
  apply<W extends BatchedWrite>(write: W): Promise<BatchAnswer<W>> {
    return new Promise<BatchAnswer<W>>((resolve, reject) => {
      const run = 'lease' in write ? write.lease.runId : null;
      this.#queue.push({ run, write, resolve: resolve as (result: unknown) => void, reject });
      this.#schedule();
    });
  }

  /**
   * Makes `write` (a fenced write of run `runId` that records an operation in a transaction of its
   * own, outside the batches) in its turn among the run's writes: once every write of the run
   * made before it was answered, and before any made after it is sent. Settles as `write` does.
   */
  exclusive<T>(runId: string, write: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ run: runId, direct: write, resolve: resolve as (result: unknown) => void, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#queue.length === 0) return;
    this.#scheduled = true;
    // Writes made in the same turn of the event loop go together.
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  /**
   * Sends what may go now, in queue order: the writes of runs with nothing in flight, batched
   * (a run's writes of this pass in one batch, which applies them in order), or direct. A write
   * that must wait holds back every later write of its run.
   */
  #flush(): void {
    const kept: Queued[] = [];
    /** Runs with a write kept back or sent directly in this pass: their later writes wait. */
    const held = new Set<string>();
    const hold = (q: Queued) => {
      kept.push(q);
      if (q.run !== null) held.add(q.run);
    };
    const batches: Queued[][] = [];
    /** The batch each run's writes of this pass went into (one per run: it applies them in order). */
    const batchOf = new Map<string, Queued[]>();
    let batch: Queued[] | undefined;
    const direct: Queued[] = [];
    for (const q of this.#queue) {
      const run = q.run;
      if (run !== null && (held.has(run) || this.#busy.has(run))) {
        hold(q);
      } else if (q.direct) {
        if (run !== null && batchOf.has(run)) {
          hold(q);
        } else {
          direct.push(q);
          if (run !== null) held.add(run);
        }
      } else {
        const joined = run === null ? undefined : batchOf.get(run);
        if (joined !== undefined) {
          if (joined.length < MAX_BATCH) joined.push(q);
          else hold(q);
          continue;
        }
        if (batch === undefined || batch.length >= MAX_BATCH) {
          if (this.#inFlight + batches.length >= MAX_IN_FLIGHT) {
            hold(q);
            continue;
          }
          batch = [];
          batches.push(batch);
        }
        batch.push(q);
        if (run !== null) batchOf.set(run, batch);
      }
    }
    this.#queue = kept;
    for (const q of direct) {
      const run = q.run as string;
      this.#busy.add(run);
      void (q.direct as () => Promise<unknown>)()
        .then(q.resolve, q.reject)
        .finally(() => {
          this.#busy.delete(run);
          this.#schedule();
        });
    }
    for (const sent of batches) {
      const runs = new Set<string>();
      for (const q of sent) if (q.run !== null) runs.add(q.run);
      for (const run of runs) this.#busy.add(run);
      this.#inFlight++;
      void this.#send(sent).finally(() => {
        this.#inFlight--;
        for (const run of runs) this.#busy.delete(run);
        this.#schedule();
      });
    }
  }

  async #send(batch: Queued[]): Promise<void> {
    let results: unknown[];
    try {
      results = await this.#run(batch.map((q) => q.write as BatchedWrite));
    } catch (error) {
      if (batch.length === 1 || error instanceof StoreUnavailableError) {
        for (const q of batch) q.reject(error);
        return;
      }
      // Not a rule of the contract (those are answers): find whose write it is, by halves.
      const half = Math.ceil(batch.length / 2);
      await this.#send(batch.slice(0, half));
      await this.#send(batch.slice(half));
      return;
    }
    batch.forEach((q, i) => {
      q.resolve(results[i] ?? null);
    });
  }

  async #run(writes: BatchedWrite[]): Promise<unknown[]> {
    const db = this.#db();
    this.stats.batches++;
    this.stats.writes += writes.length;
    const row = await db.auto((sql) =>
      sql.one<{ results: unknown[] }>('SELECT heed_apply($1::jsonb) AS results', [JSON.stringify(writes)]),
    );
    return row?.results ?? [];
  }
}
