import type { Clock } from './clock.ts';
import { type Duration, toMs } from './duration.ts';

interface PendingTimer {
  at: number;
  order: number;
  fn: () => void;
}

/**
 * A clock that only moves when told to. `advance('30m')` moves time forward and fires, in
 * order, every timer that became due. Timers set with no delay fire without advancing. Use it in tests to exercise hours of timers instantly.
 */
export class VirtualClock implements Clock {
  #now: number;
  #timers: PendingTimer[] = [];
  #order = 0;

  /** @param start epoch milliseconds the clock starts at (default: 2026-01-01T00:00:00Z). */
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Timers due now (delay ≤ 0) fire on their own, soon after; later ones wait for `advance`. */
  setTimer(delayMs: number, fn: () => void): () => void {
    if (delayMs <= 0) {
      const handle = setImmediate(fn);
      return () => clearImmediate(handle);
    }
    const timer: PendingTimer = { at: this.#now + Math.max(0, delayMs), order: this.#order++, fn };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /**
   * Moves time forward by `duration`, firing due timers in time order; each fires with `now()`
   * equal to its due time. Yields to the event loop between timers so that work they start
   * (store writes, replays) can begin.
   */
  async advance(duration: Duration): Promise<void> {
    const target = this.#now + toMs(duration);
    for (;;) {
      const next = this.#nextDue(target);
      if (!next) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = Math.max(this.#now, next.at);
      next.fn();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.#now = target;
  }

  /** Number of in-memory timers currently armed (for tests of "nothing held in memory"). */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  #nextDue(limit: number): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.#timers) {
      if (t.at > limit) continue;
      if (!best || t.at < best.at || (t.at === best.at && t.order < best.order)) best = t;
    }
    return best;
  }
}
