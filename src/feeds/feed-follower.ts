/**
 * Follows the run event feed from a stored cursor and hands each new event to `onEvent`: the one
 * loop behind the webhook dispatcher, A2A push notifications and the closing of tasks' channel
 * copies. It reads at once when the store announces a change `wakesOn` accepts (this process's
 * writes, and other processes' where the change port carries them), and every `pollMs` for what no
 * announcement reaches.
 *
 * Failure semantics: the cursor is stored after each batch, so a restart resumes where the last
 * batch ended; an event is handed over at least once: an `onEvent` that throws (or a crash) stops the
 * read before the cursor moves, and the next read hands the batch over again. `onEvent` must
 * therefore be idempotent (each follower starts a durable run whose id derives from the event).
 * On first start the cursor is set to the feed's end: what happened before is not handed over.
 */
import type { Change } from '../store/changes.ts';
import type { FeedStore } from '../store/feed-store.ts';
import type { RunEvent } from '../store/store.ts';

export interface FeedFollowerOptions {
  /** The setting that keeps this follower's position (each follower its own). */
  cursorKey: string;
  /** Whether an announced change is worth reading the feed for at once. */
  wakesOn(change: Change): boolean;
  /** Handles one event (idempotently: see the module's failure semantics). */
  onEvent(event: RunEvent): Promise<void>;
  /** The fallback read, in ms. */
  pollMs: number;
  /** Events read per batch (default 200). */
  batch?: number;
  /** Names the follower in the error it reports. */
  label: string;
}

export class FeedFollower {
  readonly #feeds: FeedStore;
  readonly #options: FeedFollowerOptions;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #busy = false;
  /** An announcement came while a read was under way: read again when it ends. */
  #again = false;

  constructor(feeds: FeedStore, options: FeedFollowerOptions) {
    this.#feeds = feeds;
    this.#options = options;
  }

  /** Sets the cursor on first start, then follows. @throws the store's error */
  async start(): Promise<void> {
    await this.startFromNow();
    this.#unsubscribe = this.#feeds.changes.subscribe((change) => {
      if (this.#options.wakesOn(change)) void this.tick();
    });
    this.#timer = setInterval(() => void this.tick(), this.#options.pollMs);
    this.#timer.unref();
  }

  /** Only sets the cursor to the feed's end on first start (a follower with nothing to do yet). */
  async startFromNow(force = false): Promise<void> {
    if (force || (await this.#feeds.getSetting(this.#options.cursorKey)) === undefined) {
      await this.#feeds.setSetting(this.#options.cursorKey, String(await this.#feeds.lastRunEventId()));
    }
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    clearInterval(this.#timer);
  }

  /** Reads new events and hands them over (once more if news came meanwhile). Exposed for tests. */
  async tick(): Promise<void> {
    if (this.#busy) {
      this.#again = true;
      return;
    }
    this.#busy = true;
    const batch = this.#options.batch ?? 200;
    try {
      for (this.#again = true; this.#again; ) {
        this.#again = false;
        const cursor = Number((await this.#feeds.getSetting(this.#options.cursorKey)) ?? 0);
        const events = await this.#feeds.runEvents(cursor, batch);
        if (events.length === 0) continue;
        for (const event of events) await this.#options.onEvent(event);
        await this.#feeds.setSetting(this.#options.cursorKey, String(events.at(-1)?.id ?? cursor));
        if (events.length === batch) this.#again = true;
      }
    } catch (error) {
      if ((error as { code?: string }).code !== 'CLOSED') console.error(`[heed] ${this.#options.label} failed`, error);
    } finally {
      this.#busy = false;
    }
  }
}
