/**
 * The LISTEN connection of the PostgreSQL store (PostgreSQL only: SQLite has no other process to
 * hear from). A worker hears of runs started by other processes through it; these cases make the
 * fallback poll an hour long, so a run executed within seconds proves the push path.
 */
import { createServer, type Server, type Socket, connect } from 'node:net';
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { Heed } from '../../src/index.ts';
import { PostgresStore } from '../../src/postgres.ts';
import { listenApplicationName } from '../../src/store/postgres/notifications.ts';
import { fileDatabaseUrl, freshPostgresStore } from './databases.ts';

const FALLBACK_POLL = '1h';
const heeds: Heed[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(heeds.splice(0).map((heed) => heed.stop({ grace: 0 }).catch(() => {})));
  for (const close of closers.splice(0)) await close();
});

/** Two processes' Heeds on one schema: `worker` executes `echo` (through `url` when given), `client` only starts runs. */
async function twoProcesses(options: { url?: string; listenCheckMs?: number } = {}) {
  const first = await freshPostgresStore();
  const schema = first.schema;
  await first.close();
  const direct = await fileDatabaseUrl();
  const worker = new Heed({
    store: new PostgresStore(options.url ?? direct, { schema, poolSize: 2, listenCheckMs: options.listenCheckMs }),
    pollInterval: FALLBACK_POLL,
  });
  const client = new Heed({ store: new PostgresStore(direct, { schema, poolSize: 2 }), pollInterval: FALLBACK_POLL });
  heeds.push(worker, client);
  const echo = (heed: Heed) => heed.workflow('echo', async (_ctx, input: string) => input);
  echo(worker);
  const start = echo(client);
  await worker.start();
  await client.ready();
  return { worker, schema, start };
}

/** Resolves with `promise`, or rejects after `ms` saying what did not happen. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms),
    ),
  ]);
}

/** Runs `sql` as the server's admin (pg_stat_activity of every database, pg_terminate_backend). */
async function asAdmin<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await admin.connect();
  try {
    return (await admin.query<T>(sql, params)).rows;
  } finally {
    await admin.end();
  }
}

async function listenBackends(schema: string): Promise<number[]> {
  const rows = await asAdmin<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [
    listenApplicationName(schema),
  ]);
  return rows.map((row) => row.pid);
}

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A TCP proxy to the test server that can *freeze* connections: stop forwarding in both
 * directions while keeping both sockets open, as a dead peer behind a dropped NAT entry looks.
 * Connections are told apart by their startup message (its `application_name`).
 */
async function freezableProxy(target: URL) {
  const pairs: { client: Socket; upstream: Socket; startup: string }[] = [];
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    const pair = { client, upstream, startup: '' };
    pairs.push(pair);
    client.once('data', (chunk: Buffer) => {
      pair.startup = chunk.toString('latin1');
    });
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target.href);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as { port: number }).port);
  closers.push(async () => {
    for (const { client, upstream } of pairs) {
      client.destroy();
      upstream.destroy();
    }
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    url: url.href,
    /** Freezes the open connections whose startup message contains `marker`; returns how many. */
    freeze(marker: string): number {
      const frozen = pairs.filter((pair) => !pair.client.destroyed && pair.startup.includes(marker));
      for (const { client, upstream } of frozen) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
      return frozen.length;
    },
  };
}

describe('the PostgreSQL LISTEN connection', () => {
  it('comes back after its backend is terminated: a run another process starts is executed at once', async () => {
    const { worker, schema, start } = await twoProcesses();
    const [pid] = await waitFor(async () => {
      const pids = await listenBackends(schema);
      return pids.length > 0 ? pids : undefined;
    }, 'the worker LISTENing');
    const first = await start.start('before', { id: 'before' });
    expect(await within(worker.handle(first.id).result(), 5_000, 'the first run')).toBe('before');

    await asAdmin('SELECT pg_terminate_backend($1)', [pid]);
    const run = await start.start('after', { id: 'after' });
    expect(await within(worker.handle(run.id).result(), 5_000, 'the run started after the kill')).toBe('after');
    // A new LISTEN connection replaced the one killed, and it hears the next start too.
    expect(await listenBackends(schema)).not.toContain(pid);
    const next = await start.start('next', { id: 'next' });
    expect(await within(worker.handle(next.id).result(), 5_000, 'the next run')).toBe('next');
  });

  it('is replaced when it dies silently (no error, no close): its periodic check notices', async () => {
    const proxy = await freezableProxy(new URL(await fileDatabaseUrl()));
    const { worker, schema, start } = await twoProcesses({ url: proxy.url, listenCheckMs: 200 });
    await waitFor(async () => ((await listenBackends(schema)).length > 0 ? true : undefined), 'the worker LISTENing');
    const first = await start.start('before', { id: 'before' });
    expect(await within(worker.handle(first.id).result(), 5_000, 'the first run')).toBe('before');

    expect(proxy.freeze(listenApplicationName(schema))).toBe(1);
    const run = await start.start('after', { id: 'after' });
    expect(await within(worker.handle(run.id).result(), 5_000, 'the run started after the freeze')).toBe('after');
    const next = await start.start('next', { id: 'next' });
    expect(await within(worker.handle(next.id).result(), 5_000, 'the next run')).toBe('next');
  });
});
