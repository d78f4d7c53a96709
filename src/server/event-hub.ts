import type { RunEvent, Store } from '../store/store.ts';

/**
 * One poller for every SSE connection of this server: it reads the run event feed once per tick
 * (an indexed range read of what is new, whoever wrote it, this process or another) and wakes the
 * connections of the runs that have news. 500 clients cost one query per tick, not 500.
 */
export class EventHub {
  readonly #store: Store;
  readonly #intervalMs: number;
  readonly #waiters = new Map<string, Set<() => void>>();
  #last = -1;
  #timer: NodeJS.Timeout | undefined;
  #polling = false;

  constructor(store: Store, intervalMs = 100) {
    this.#store = store;
    this.#intervalMs = intervalMs;
  }

  /** Resolves when `runId` has new events, or after `timeoutMs`. */
  waitFor(runId: string, timeoutMs: number): Promise<void> {
    this.#start();
    return new Promise((resolve) => {
      const set = this.#waiters.get(runId) ?? new Set<() => void>();
      this.#waiters.set(runId, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0) this.#waiters.delete(runId);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      set.add(done);
    });
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const set of this.#waiters.values()) for (const done of [...set]) done();
  }

  #start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.#poll(), this.#intervalMs);
    this.#timer.unref();
  }

  async #poll(): Promise<void> {
    if (this.#polling || this.#waiters.size === 0) return;
    this.#polling = true;
    try {
      // Start from the newest event: connections read their own history themselves.
      if (this.#last < 0) this.#last = await this.#store.lastRunEventId();
      for (;;) {
        const events: RunEvent[] = await this.#store.runEvents(this.#last, 1000);
        if (events.length === 0) break;
        this.#last = events.at(-1)?.id ?? this.#last;
        for (const runId of new Set(events.map((e) => e.runId))) {
          for (const done of [...(this.#waiters.get(runId) ?? [])]) done();
        }
        if (events.length < 1000) break;
      }
    } catch {
      // The store is closing or busy: try again next tick.
    } finally {
      this.#polling = false;
    }
  }
}
