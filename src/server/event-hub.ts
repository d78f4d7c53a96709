import type { Change } from '../store/changes.ts';
import type { FeedStore } from '../store/feed-store.ts';
import type { RunEvent } from '../store/store.ts';

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

/** How many of a watched run's newest events the hub keeps in memory. */
const KEPT_EVENTS = 256;

/**
 * What the hub knows of a watched run's feed: `events` are *all* of the run's events with an id in
 * `(from, tail]` (tail: the last one's id, or `from`), in order. Unusable (`stale`) once news came
 * that does not extend it (another process's event, an event announced without itself).
 */
interface KnownFeed {
  from: number;
  events: RunEvent[];
  stale: boolean;
  /** Bumped on every change of the run: a read seeds the feed only if none came while it ran. */
  generation: number;
  /** The read in flight, shared by the watchers that ask for the same `after` meanwhile. */
  reading: { after: number; limit: number; promise: Promise<RunEvent[]> } | undefined;
}

/**
 * Wakes SSE connections when their run has news, and hands them the run's events (`events`) with
 * no store read per connection. News is *pushed*: the store announces every committed run event
 * on its change port (`store.changes`), and the hub wakes the watchers of that run at once. A
 * store that announces the event itself with the id of the run's previous event (SQLite) lets
 * the hub keep the watched runs' newest events in memory: every watcher of the run reads them
 * from there, and the store is read only for a gap (a late or reconnecting client asking for
 * older events, another process's event). Without it (PostgreSQL's notifications carry ids),
 * one read per run is shared by the watchers that ask for it at once. Writes by *other
 * processes* sharing the store are found by a fallback poll of the run event feed (one indexed
 * range read per tick for all connections, not one per connection), unless the store's change
 * port already carries them.
 *
 * No news is lost between a connection's read and its wait: a connection registers its watch
 * *before* reading (news arriving meanwhile is kept in the watch), and the poll's cursor starts at
 * `start()`, before any connection exists, and only jumps forward while nobody is watching.
 */
export class EventHub {
  readonly #store: FeedStore;
  readonly #pollMs: number;
  readonly #watchers = new Map<string, Set<Watcher>>();
  /** What is known of each watched run's feed (dropped when its last watcher leaves). */
  readonly #feeds = new Map<string, KnownFeed>();
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
      if (set.size === 0 && this.#watchers.get(runId) === set) {
        this.#watchers.delete(runId);
        this.#feeds.delete(runId);
      }
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
   * The run's events with `id > after`, in order, at most `limit`: from memory when the hub knows
   * them (a watched run whose feed it has followed without a gap), else from the store (one read
   * shared by the watchers asking for the same at once). Same answer as `store.runEvents(after,
   * limit, runId)`; call it while holding a {@link watch} of the run, or it always reads.
   * @throws the store's error when it reads
   */
  async events(runId: string, after: number, limit: number): Promise<RunEvent[]> {
    const watched = this.#watchers.has(runId);
    let feed = this.#feeds.get(runId);
    if (feed && !feed.stale && after >= feed.from && after <= (feed.events.at(-1)?.id ?? feed.from)) {
      const events: RunEvent[] = [];
      for (const event of feed.events) {
        if (event.id <= after) continue;
        if (events.length === limit) break;
        events.push(event);
      }
      return events;
    }
    if (!watched) return this.#store.runEvents(after, limit, runId);
    if (!feed) {
      feed = { from: 0, events: [], stale: true, generation: 0, reading: undefined };
      this.#feeds.set(runId, feed);
    }
    const reading = feed.reading;
    if (reading && reading.after === after && reading.limit === limit) return reading.promise;
    const generation = feed.generation;
    const current = feed;
    const promise = this.#store.runEvents(after, limit, runId).then((events) => {
      // Seed what is known only if nothing came meanwhile and the page is the whole rest.
      if (this.#feeds.get(runId) === current && current.generation === generation && events.length < limit) {
        current.from = after;
        current.events = events.slice(-KEPT_EVENTS);
        if (events.length > KEPT_EVENTS) current.from = events[events.length - KEPT_EVENTS - 1]?.id ?? after;
        current.stale = false;
      }
      return events;
    });
    current.reading = { after, limit, promise };
    const clear = () => {
      if (current.reading?.promise === promise) current.reading = undefined;
    };
    promise.then(clear, clear);
    return promise;
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
    this.#feeds.clear();
  }

  #onChange(change: Change): void {
    if (change.kind !== 'run-event') return;
    const feed = this.#feeds.get(change.runId);
    if (feed) {
      feed.generation++;
      const tail = feed.events.at(-1)?.id ?? feed.from;
      const event = change.event;
      if (!event) feed.stale = true;
      else if (event.id <= tail) {
        // Already known (read before its group committed, on the same connection).
      } else if (!feed.stale && change.prevId === tail) {
        feed.events.push(event);
        if (feed.events.length > KEPT_EVENTS) feed.from = feed.events.shift()?.id ?? feed.from;
      } else feed.stale = true;
    }
    this.#news(change.runId);
  }

  /** News of `runId` from the fallback poll (another process's write): what is known may have a gap. */
  #polledNews(runId: string): void {
    const feed = this.#feeds.get(runId);
    if (feed) {
      feed.generation++;
      feed.stale = true;
    }
    this.#news(runId);
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
        for (const runId of new Set(events.map((e) => e.runId))) {
          // The poll also finds this process's own events, already pushed: only others' are news.
          const feed = this.#feeds.get(runId);
          const known = feed && !feed.stale ? (feed.events.at(-1)?.id ?? feed.from) : -1;
          if (events.some((e) => e.runId === runId && e.id > known)) this.#polledNews(runId);
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
