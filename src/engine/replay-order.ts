import type { Operation } from '../store/store.ts';

/**
 * Hands recorded results back to a replaying workflow in the order they were first recorded
 * (`ord`), not in the order the code asks for them. Code that runs operations concurrently
 * (`Promise.race`, `Promise.all`) therefore sees results arrive in the same order as the first
 * time, and takes the same path.
 *
 * Results are delivered in that order, at most one per event-loop turn, so that the code reacts
 * to each before seeing the next, as on the first execution (see `LiveOrder`, which delivers live
 * results the same way). A result is delivered at once when it is the next in order and none was
 * delivered in this turn (the common, sequential case); otherwise it is held until its turn. The *frontier* is reached when every
 * recorded result has been delivered; new work (steps, waits) starts only from there, so that
 * live results can never overtake recorded ones.
 */
export class ReplayOrder {
  readonly #byOrd: Operation[];
  readonly #onProgress: () => void;
  readonly #held = new Map<number, (op: Operation) => void>();
  #next = 0;
  #pumpScheduled = false;
  /** A result was delivered in this turn of the event loop: the next waits for the next turn. */
  #turnTaken = false;
  #frontierWaiters: (() => void)[] = [];
  #stopped = false;

  /** @param onProgress called after each held delivery and when the frontier is reached. */
  constructor(history: readonly Operation[], onProgress: () => void) {
    this.#byOrd = [...history].sort((a, b) => a.ord - b.ord);
    this.#onProgress = onProgress;
  }

  /** Every recorded result has been delivered: live work may run. */
  get atFrontier(): boolean {
    return this.#next >= this.#byOrd.length;
  }

  /** A held delivery is scheduled for the next turn. */
  get busy(): boolean {
    return this.#pumpScheduled;
  }

  /** The next recorded operation still to be delivered (for diagnostics when the code never asks for it). */
  get nextUndelivered(): Operation | undefined {
    return this.#byOrd[this.#next];
  }

  /** Positions of the results asked for but held back: an earlier-recorded one has not been asked for yet. */
  heldPositions(): IterableIterator<number> {
    return this.#held.keys();
  }

  /** Resolves with `record` when its turn comes. */
  deliver(record: Operation): Promise<Operation> {
    if (this.#byOrd[this.#next] === record && !this.#turnTaken && !this.#pumpScheduled) {
      this.#takeTurn();
      this.#advance();
      return Promise.resolve(record);
    }
    return new Promise((resolve) => {
      this.#held.set(record.seq, resolve);
      this.#schedule();
    });
  }

  /** Resolves when the frontier is reached (never, if the replay stalls or stops first). */
  whenAtFrontier(): Promise<void> {
    if (this.atFrontier) return Promise.resolve();
    return new Promise((resolve) => this.#frontierWaiters.push(resolve));
  }

  /** Stops delivering (the execution ended). */
  stop(): void {
    this.#stopped = true;
    this.#held.clear();
    this.#frontierWaiters = [];
  }

  #takeTurn(): void {
    this.#turnTaken = true;
    setImmediate(() => {
      this.#turnTaken = false;
    });
  }

  #advance(): void {
    this.#next++;
    if (this.atFrontier) {
      const waiters = this.#frontierWaiters;
      this.#frontierWaiters = [];
      for (const resolve of waiters) resolve();
      this.#onProgress();
    } else {
      this.#schedule();
    }
  }

  #schedule(): void {
    if (this.#pumpScheduled || this.#stopped) return;
    const next = this.#byOrd[this.#next];
    if (!next || !this.#held.has(next.seq)) return;
    this.#pumpScheduled = true;
    setImmediate(() => {
      this.#pumpScheduled = false;
      if (this.#stopped) return;
      const record = this.#byOrd[this.#next];
      const resolve = record && this.#held.get(record.seq);
      if (record && resolve) {
        this.#held.delete(record.seq);
        this.#takeTurn();
        resolve(record);
        this.#advance();
      }
      this.#onProgress();
    });
  }
}
