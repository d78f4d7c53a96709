import type { Change } from '../store/changes.ts';
import type { FeedStore } from '../store/feed-store.ts';

/** A registration for news of one run; see {@link EventHub.watch}. */
export interface RunWatch {
  /**
   * Resolves `true` as soon as the run has had news since the watch was made or since the last
   * `wait` resolved (at once if it already has), or `false` after `timeoutMs` without news.
   */
  wait(timeoutMs: number): Promise<boolean>;
  /** Ends the watch; a pending `wait` resolves `false`. */
  close(): void;
}

interface Watcher {
  news: boolean;
  wake: (() => void) | undefined;
}

/**
 * Wakes SSE connections when their run has news. News is *pushed*: the store announces every
 * committed run event on its change port (`store.changes`), and the hub wakes the watchers of
 * that run at once. Writes by *other processes* sharing the store are found by a fallback poll
 * of the run event feed (one indexed range read per tick for all connections, not one per
 * connection), unless the store's change port already carries them.
 *
 * No news is lost between a connection's read and its wait: a connection registers its watch
 * *before* reading (news arriving meanwhile is kept in the watch), and the poll's cursor starts at
 * `start()`, before any connection exists, and only jumps forward while nobody is watching.
 */
export class EventHub {
  readonly #store: FeedStore;
  readonly #pollMs: number;
  readonly #watchers = new Map<string, Set<Watcher>>();
  /** Bumped on every new watch: an idle poll's jump forward is valid only if none came meanwhile. */
  #generation = 0;
  #last = -1;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #polling = false;
  #starting: Promise<void> | undefined;

  /** @param pollMs the fallback poll's period, for writes of other processes (default 500 ms). */
  constructor(store: FeedStore, pollMs = 500) {
    this.#store = store;
    this.#pollMs = pollMs;
  }

  /**
   * Subscribes to the store's change port and sets the fallback poll's cursor to the newest event.
   * Call before serving: a watch made before `start` resolves still gets pushed news, but
   * another process's writes in that window may wait for the watch's timeout.
   */
  start(): Promise<void> {
    this.#starting ??= (async () => {
      this.#unsubscribe = this.#store.changes.subscribe((change) => this.#onChange(change));
      this.#last = await this.#store.lastRunEventId();
      this.#timer = setInterval(() => void this.#poll(), this.#pollMs);
      this.#timer.unref();
    })();
    return this.#starting;
  }

  /** Watches `runId` for news. Make the watch before reading the run's events, then `wait`. */
  watch(runId: string): RunWatch {
    void this.start().catch(() => {});
    this.#generation++;
    const watcher: Watcher = { news: false, wake: undefined };
    const set = this.#watchers.get(runId) ?? new Set<Watcher>();
    this.#watchers.set(runId, set);
    set.add(watcher);
    const close = () => {
      set.delete(watcher);
      if (set.size === 0 && this.#watchers.get(runId) === set) this.#watchers.delete(runId);
      watcher.wake?.();
    };
    return {
      wait: (timeoutMs) =>
        new Promise<boolean>((resolve) => {
          if (watcher.news) {
            watcher.news = false;
            return resolve(true);
          }
          const timer = setTimeout(() => {
            watcher.wake = undefined;
            resolve(false);
          }, timeoutMs);
          watcher.wake = () => {
            clearTimeout(timer);
            watcher.wake = undefined;
            const news = watcher.news;
            watcher.news = false;
            resolve(news);
          };
        }),
      close,
    };
  }

  /**
   * Resolves when `runId` has news, or after `timeoutMs`. News that arrived before the call is
   * not seen: prefer {@link watch} made before reading.
   */
  async waitFor(runId: string, timeoutMs: number): Promise<void> {
    const watch = this.watch(runId);
    try {
      await watch.wait(timeoutMs);
    } finally {
      watch.close();
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#starting = undefined;
    for (const set of [...this.#watchers.values()]) for (const watcher of [...set]) watcher.wake?.();
    this.#watchers.clear();
  }

  #onChange(change: Change): void {
    if (change.kind === 'run-event') this.#news(change.runId);
  }

  #news(runId: string): void {
    for (const watcher of this.#watchers.get(runId) ?? []) {
      watcher.news = true;
      watcher.wake?.();
    }
  }

  async #poll(): Promise<void> {
    if (this.#polling || this.#last < 0) return;
    this.#polling = true;
    try {
      if (this.#watchers.size === 0) {
        // Nobody watches: skip ahead, unless a watch was made while we read (its connection may
        // have read the feed before the newest events: they must still reach it).
        const generation = this.#generation;
        const newest = await this.#store.lastRunEventId();
        if (generation === this.#generation) this.#last = Math.max(this.#last, newest);
        return;
      }
      for (;;) {
        const events = await this.#store.runEvents(this.#last, 1000);
        if (events.length === 0) break;
        this.#last = events.at(-1)?.id ?? this.#last;
        for (const runId of new Set(events.map((e) => e.runId))) this.#news(runId);
        if (events.length < 1000) break;
      }
    } catch {
      // The store is closing or busy: try again next tick.
    } finally {
      this.#polling = false;
    }
  }
}
