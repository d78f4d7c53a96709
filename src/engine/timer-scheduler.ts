import type { EngineStore } from '../store/engine-store.ts';

import type { Clock } from '../time/clock.ts';

const BATCH = 500;

/**
 * Durable timers live in the store as wait rows with a deadline. This scheduler keeps exactly one
 * in-memory timer, armed for the earliest deadline; when it fires, due waits are marked fired and
 * their runs woken in batches. Start-up reads one row (the earliest deadline), not every run.
 */
export class TimerScheduler {
  readonly #store: EngineStore;
  readonly #clock: Clock;
  readonly #onWoken: () => void;
  readonly #onError: (error: unknown) => void;
  #cancel: (() => void) | undefined;
  #armedAt: number | undefined;
  #firing: Promise<void> | undefined;
  #rearming: Promise<void> | undefined;
  #stopped = true;

  constructor(deps: { store: EngineStore; clock: Clock; onWoken: () => void; onError: (error: unknown) => void }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#onWoken = deps.onWoken;
    this.#onError = deps.onError;
  }

  /** Starts, and resolves once the earliest deadline in the store is armed (one read). */
  start(): Promise<void> {
    this.#stopped = false;
    return this.rearm();
  }

  stop(): void {
    this.#stopped = true;
    this.#cancel?.();
    this.#cancel = undefined;
    this.#armedAt = undefined;
  }

  /** Re-reads the earliest deadline from the store (start-up, and after other processes wrote). */
  rearm(): Promise<void> {
    if (this.#stopped || this.#firing) return Promise.resolve();
    // Kept until read, so that `settled()` (and `heed.idle()`) also waits for a read in flight:
    // on a store across the network the read can come back after the clock already moved on.
    const rearming = (async () => {
      try {
        const next = await this.#store.nextTimerDue();
        if (next !== null) this.#arm(next);
      } catch (error) {
        this.#onError(error);
      }
    })().finally(() => {
      if (this.#rearming === rearming) this.#rearming = undefined;
    });
    this.#rearming = rearming;
    return rearming;
  }

  /** A wait with this deadline was just registered in this process. */
  noteDeadline(deadline: number): void {
    if (this.#stopped) return;
    if (this.#armedAt === undefined || deadline < this.#armedAt) this.#arm(deadline);
  }

  #arm(at: number): void {
    if (this.#armedAt !== undefined && this.#armedAt <= at && this.#cancel) return;
    this.#cancel?.();
    this.#armedAt = at;
    this.#cancel = this.#clock.setTimer(at - this.#clock.now(), () => {
      this.#firing = this.#fire().finally(() => {
        this.#firing = undefined;
      });
    });
  }

  /** Resolves once a firing in progress (marking due timers, waking runs) is done. */
  async settled(): Promise<void> {
    await this.#rearming;
    // A past-due deadline armed by that read fires on the next turn of the event loop.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await this.#firing;
  }

  async #fire(): Promise<void> {
    this.#cancel = undefined;
    this.#armedAt = undefined;
    if (this.#stopped) return;
    try {
      for (;;) {
        const fired = await this.#store.fireDueTimers(this.#clock.now(), BATCH);
        if (fired > 0) this.#onWoken();
        if (fired < BATCH) break;
      }
    } catch (error) {
      this.#onError(error);
    }
    const next = await this.#store.nextTimerDue().catch((error: unknown) => {
      this.#onError(error);
      return null;
    });
    if (next !== null && !this.#stopped) this.#arm(next);
  }
}
