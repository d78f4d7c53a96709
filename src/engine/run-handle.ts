import { HeedError, RunCancelledError, RunFailedError, RunNotFoundError } from '../errors.ts';
import type { Run } from '../store/store.ts';
import { type Duration, toMs } from '../time/duration.ts';
import type { RunInfo } from './run-info.ts';
import { decode, decodeError } from './serialization.ts';

/** What a handle needs from the engine. */
export interface RunSource {
  getRun(id: string): Promise<Run | undefined>;
  /**
   * Starts watching for the run to end in this process. Watch *before* reading the run, so that
   * an end between the read and the wait is not missed.
   */
  watchEnd(id: string): { wait(ms: number): Promise<void>; dispose(): void };
  /**
   * How long a waiter sleeps between reads when no news comes: the fallback for ends that no
   * notification reaches (another process on a store whose change port is in-process only).
   */
  fallbackMs(): number;
  info(id: string): Promise<RunInfo | undefined>;
  cancel(id: string): Promise<string[]>;
}

/** A reference to a run, usable from anywhere (it holds only the id). */
export class RunHandle<O> {
  readonly id: string;
  readonly #source: RunSource;

  constructor(id: string, source: RunSource) {
    this.id = id;
    this.#source = source;
  }

  /**
   * Waits for the run to end. Resolves with its output; rejects with `RunFailedError` (cause:
   * the run's error), `RunCancelledError`, `RunNotFoundError`, or a `HeedError` with code
   * `RESULT_TIMEOUT` when `timeout` passes first (the run goes on).
   */
  async result(options: { timeout?: Duration } = {}): Promise<O> {
    const deadline = options.timeout === undefined ? Infinity : Date.now() + toMs(options.timeout, 'timeout');
    for (;;) {
      const watch = this.#source.watchEnd(this.id);
      try {
        const run = await this.#source.getRun(this.id);
        if (!run) throw new RunNotFoundError(this.id);
        if (run.status === 'succeeded') return decode<O>(run.output);
        if (run.status === 'failed') throw new RunFailedError(this.id, decodeError(run.error ?? '{}'));
        if (run.status === 'cancelled') throw new RunCancelledError(this.id);
        const left = deadline - Date.now();
        if (left <= 0) throw new HeedError('RESULT_TIMEOUT', `Run "${this.id}" has not ended yet`);
        // Woken by the run's end (in this process, or announced by the store); else a fallback read.
        await watch.wait(Math.min(left, this.#source.fallbackMs()));
      } finally {
        watch.dispose();
      }
    }
  }

  /** The run as it is now, or `undefined` if it does not exist. */
  info(): Promise<RunInfo<O> | undefined> {
    return this.#source.info(this.id) as Promise<RunInfo<O> | undefined>;
  }

  /** Cancels the run and its children. See `heed.runs.cancel`. */
  cancel(): Promise<string[]> {
    return this.#source.cancel(this.id);
  }
}
