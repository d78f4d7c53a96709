import pg from 'pg';
import type { StoreWake, StoreWakeListener } from '../store.ts';
import { FEED_CHANNEL } from './feeds.ts';
import { WAKE_CHANNEL } from './runs.ts';

/** The `application_name` of a store's LISTEN connection (visible in `pg_stat_activity`). */
export function listenApplicationName(schema: string): string {
  return `heed listen ${schema}`;
}

/**
 * One dedicated connection that LISTENs to the store's channels and fans announcements out to
 * subscribers. When the connection fails, it is replaced (with backoff while the server cannot be
 * reached), LISTENs again, and tells subscribers `reconnected`: announcements made meanwhile were
 * lost, so they should look for work once.
 *
 * Failure semantics: a connection can also die *silently*, with no error and no close (a host
 * gone, a NAT or firewall entry dropped): a connection that only ever reads would wait forever,
 * and other processes' changes would reach this one only by the fallback poll. Two guards:
 * TCP keepalive on the socket (the kernel probes an idle connection and fails it when the peer
 * is gone), and a cheap `SELECT 1` every `checkMs` on the connection itself; a check that fails or
 * does not answer within `checkMs` replaces the connection as if it had failed.
 */
export class Notifications {
  readonly #url: string;
  readonly #schema: string;
  readonly #checkMs: number;
  readonly #listeners = new Set<StoreWakeListener>();
  #client: pg.Client | undefined;
  #closed = false;
  #connecting: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #checkTimer: NodeJS.Timeout | undefined;

  /**
   * Channels are per schema (`heed_wake_<schema>`), so deployments sharing a database stay apart.
   * @param checkMs how often the connection is checked, and how long a check may take.
   */
  constructor(url: string, schema: string, checkMs: number) {
    this.#url = url;
    this.#schema = schema;
    this.#checkMs = checkMs;
  }

  subscribe(listener: StoreWakeListener): () => void {
    this.#listeners.add(listener);
    if (!this.#client && !this.#connecting) this.#connect(0);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#checkTimer);
    await this.#connecting;
    const client = this.#client;
    this.#client = undefined;
    if (!client) return;
    // A goodbye that a dead connection never answers must not hold up closing the store.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      client.end().catch(() => {}),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 1_000);
      }),
    ]);
    clearTimeout(timer);
    destroy(client);
  }

  #connect(attempt: number): void {
    if (this.#closed) return;
    this.#connecting = (async () => {
      const client = new pg.Client({
        connectionString: this.#url,
        keepAlive: true,
        keepAliveInitialDelayMillis: Math.min(10_000, this.#checkMs),
        application_name: listenApplicationName(this.#schema),
      });
      client.on('error', () => this.#lost(client));
      client.on('end', () => this.#lost(client));
      // Before LISTEN: a notice that arrives in the same read as LISTEN's answer is not dropped.
      client.on('notification', (message) => this.#emit(toWake(message.channel, message.payload)));
      try {
        await client.connect();
        await client.query(`LISTEN ${WAKE_CHANNEL}_${this.#schema}`);
        await client.query(`LISTEN ${FEED_CHANNEL}_${this.#schema}`);
      } catch {
        destroy(client);
        this.#retryTimer = setTimeout(() => this.#connect(attempt + 1), Math.min(2_000, 50 * 2 ** attempt));
        this.#retryTimer.unref();
        return;
      }
      if (this.#closed) {
        await client.end().catch(() => {});
        return;
      }
      this.#client = client;
      this.#scheduleCheck(client);
      if (attempt > 0) this.#emit({ kind: 'reconnected' });
    })().finally(() => {
      this.#connecting = undefined;
    });
  }

  /** Checks `client` in `checkMs`, and again after each check it passes. */
  #scheduleCheck(client: pg.Client): void {
    this.#checkTimer = setTimeout(() => void this.#check(client), this.#checkMs);
    this.#checkTimer.unref();
  }

  async #check(client: pg.Client): Promise<void> {
    if (this.#client !== client) return;
    let timer: NodeJS.Timeout | undefined;
    const answered = await Promise.race([
      client.query('SELECT 1').then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), this.#checkMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    if (this.#client !== client) return;
    if (answered) this.#scheduleCheck(client);
    else this.#lost(client);
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    clearTimeout(this.#checkTimer);
    destroy(client);
    if (!this.#closed) this.#connect(1);
  }

  #emit(wake: StoreWake | undefined): void {
    if (!wake) return;
    for (const listener of this.#listeners) listener(wake);
  }
}

/**
 * Closes a connection that may be dead: `end()` waits for the server's goodbye, which a peer that
 * vanished never sends, so the socket is destroyed as well.
 */
function destroy(client: pg.Client): void {
  client.end().catch(() => {});
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
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
