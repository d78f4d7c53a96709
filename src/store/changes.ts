import type { RunEvent } from './store.ts';

/**
 * The change notification port: how live feeds (SSE streams, open inboxes) learn at once that
 * something they show has changed, instead of polling the store.
 *
 * A store publishes a {@link Change} for every committed write a feed may care about, *after*
 * the commit (a subscriber that reads the store on a notification always finds the write).
 * Notifications carry ids (and, for a run event written by this process, the event itself: see
 * {@link Change}); subscribers read anything else from the store. They are hints:
 * a notification can arrive for a change already read, and a subscriber must never rely on one
 * arriving for a write made by *another* process unless the implementation says so (the SQLite
 * store's {@link LocalChanges} is in-process only; feeds keep a slow poll as the fallback for
 * other processes; a PostgreSQL implementation can carry them across processes with
 * LISTEN/NOTIFY behind this same interface).
 */

/** What changed. */
export type Change =
  /**
   * Something was appended to a run's event feed (`Store.runEvents`). When the store that wrote it
   * announces it, `event` is the event as `runEvents` returns it and `prevId` the id of the run's
   * event before it (0 for its first): a feed that has every event of the run up to `prevId` may
   * append `event` without reading the store; any other gap means a read (an event written by
   * another process, or announced without `event`, comes between).
   */
  | { kind: 'run-event'; runId: string; event?: RunEvent; prevId?: number }
  /** A task was created or changed (status, escalation, reminders, responses). */
  | { kind: 'task'; taskId: string };

export type ChangeListener = (change: Change) => void;

/** The port: stores publish to it, live feeds subscribe to it. */
export interface Changes {
  /**
   * Tells every subscriber about `change`, synchronously, in subscription order. Never throws:
   * a listener that throws is reported to the `onError` given at construction and the others
   * still run.
   */
  publish(change: Change): void;
  /** Calls `listener` for every change published from now on. Returns the unsubscribe function. */
  subscribe(listener: ChangeListener): () => void;
}

/** In-process notifications: what one process's store writes, that process's feeds hear. */
export class LocalChanges implements Changes {
  readonly #listeners = new Set<ChangeListener>();
  readonly #onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void = (error) => console.error('[heed] change listener failed:', error)) {
    this.#onError = onError;
  }

  publish(change: Change): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  subscribe(listener: ChangeListener): () => void {
    // Wrapped so that the same function subscribed twice gets two independent subscriptions.
    const entry: ChangeListener = (change) => listener(change);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }
}
