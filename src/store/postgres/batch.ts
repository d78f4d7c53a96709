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
  write: BatchedWrite;
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

  constructor(db: () => Database) {
    this.#db = db;
  }

  /** Queues `write`; resolves with its answer from `heed_apply` once its batch committed. */
  apply<W extends BatchedWrite>(write: W): Promise<BatchAnswer<W>> {
    return new Promise<BatchAnswer<W>>((resolve, reject) => {
      this.#queue.push({ write, resolve: resolve as (result: unknown) => void, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= MAX_IN_FLIGHT || this.#queue.length === 0) return;
    this.#scheduled = true;
    // Writes made in the same turn of the event loop go together.
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    while (this.#inFlight < MAX_IN_FLIGHT && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, MAX_BATCH);
      this.#inFlight++;
      void this.#send(batch).finally(() => {
        this.#inFlight--;
        this.#schedule();
      });
    }
  }

  async #send(batch: Queued[]): Promise<void> {
    let results: unknown[];
    try {
      results = await this.#run(batch.map((q) => q.write));
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
