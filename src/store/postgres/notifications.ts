import pg from 'pg';
import type { StoreWake, StoreWakeListener } from '../store.ts';
import { FEED_CHANNEL } from './feeds.ts';
import { WAKE_CHANNEL } from './runs.ts';

/**
 * One dedicated connection that LISTENs to the store's channels and fans announcements out to
 * subscribers. If the connection drops (a server restart), it reconnects with backoff and tells
 * subscribers `reconnected`, since announcements made meanwhile were lost.
 */
export class Notifications {
  readonly #url: string;
  readonly #schema: string;
  readonly #listeners = new Set<StoreWakeListener>();
  #client: pg.Client | undefined;
  #closed = false;
  #connecting: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;

  /** Channels are per schema (`heed_wake_<schema>`), so deployments sharing a database stay apart. */
  constructor(url: string, schema: string) {
    this.#url = url;
    this.#schema = schema;
  }

  subscribe(listener: StoreWakeListener): () => void {
    this.#listeners.add(listener);
    if (!this.#client && !this.#connecting) this.#connect(0);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    await this.#connecting;
    await this.#client?.end().catch(() => {});
    this.#client = undefined;
  }

  #connect(attempt: number): void {
    if (this.#closed) return;
    this.#connecting = (async () => {
      const client = new pg.Client({ connectionString: this.#url });
      client.on('error', () => this.#lost(client));
      client.on('end', () => this.#lost(client));
      try {
        await client.connect();
        await client.query(`LISTEN ${WAKE_CHANNEL}_${this.#schema}`);
        await client.query(`LISTEN ${FEED_CHANNEL}_${this.#schema}`);
      } catch {
        client.end().catch(() => {});
        this.#retryTimer = setTimeout(() => this.#connect(attempt + 1), Math.min(2_000, 50 * 2 ** attempt));
        this.#retryTimer.unref();
        return;
      }
      if (this.#closed) {
        await client.end().catch(() => {});
        return;
      }
      client.on('notification', (message) => this.#emit(toWake(message.channel, message.payload)));
      this.#client = client;
      if (attempt > 0) this.#emit({ kind: 'reconnected' });
    })().finally(() => {
      this.#connecting = undefined;
    });
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    client.end().catch(() => {});
    if (!this.#closed) this.#connect(1);
  }

  #emit(wake: StoreWake | undefined): void {
    if (!wake) return;
    for (const listener of this.#listeners) listener(wake);
  }
}

function toWake(channel: string, payload: string | undefined): StoreWake | undefined {
  if (channel.startsWith(FEED_CHANNEL)) {
    if (payload?.startsWith('r:')) return { kind: 'feed', runId: payload.slice(2) };
    if (payload?.startsWith('t:')) return { kind: 'task', taskId: payload.slice(2) };
    return undefined;
  }
  if (payload === 'timer') return { kind: 'timer' };
  if (payload === 'run') return { kind: 'run' };
  return undefined;
}
