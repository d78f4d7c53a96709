import { accessSync, constants, existsSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import {
  ClosedError,
  StoreCorruptError,
  StoreDataError,
  StoreFullError,
  StoreLockedError,
  StoreReadOnlyError,
} from '../../errors.ts';
import type { Change, Changes } from '../changes.ts';

export type Params = SQLInputValue[];
export type Row = Record<string, SQLInputValue>;

export interface DatabaseOptions {
  /** How long to wait for another process's write lock before failing (ms). */
  busyTimeoutMs: number;
  /**
   * When a commit is acknowledged (see {@link Database.write}: a writer's promise resolves only
   * after its group's COMMIT returned):
   * - `full`: the WAL is fsynced at every commit (WAL with synchronous=FULL), so an acknowledged
   *   commit (a person's answer, a recorded step) survives a crash of the process *and* a power
   *   failure or OS crash. Group commit keeps the cost to one fsync per event-loop turn, however
   *   many writes that turn made.
   * - `normal`: no fsync at commit (synchronous=NORMAL): an acknowledged commit survives a crash
   *   of the process (SIGKILL), but the last ones may be lost on a power failure or OS crash (the
   *   file itself stays consistent). Cheaper per commit; for data that can be recomputed.
   */
  durability: 'normal' | 'full';
  /** Where committed changes are announced (see {@link Database.notify}); none by default. */
  changes?: Changes | undefined;
}

/**
 * The connection of this process that holds a file's write lock (an open group), by file, and
 * the promise of that group's end. See {@link Database.write}.
 */
const lockHolders = new Map<string, { db: Database; released: Promise<void>; release: () => void }>();

/**
 * A thin layer over `node:sqlite`: WAL pragmas, a statement cache (every query is prepared once),
 * group commit of writes, and translation of SQLite failures into Heed errors.
 */
export class Database {
  readonly path: string;
  /** The file, resolved: the key of {@link lockHolders}. */
  readonly #file: string;
  #db: DatabaseSync | undefined;
  #statements = new Map<string, StatementSync>();
  #depth = 0;
  #groupOpen = false;
  #committers: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  /** Changes written in the open group, announced once it commits. */
  #pending: Change[] = [];
  readonly #changes: Changes | undefined;

  constructor(path: string, options: DatabaseOptions) {
    this.path = path;
    this.#file = resolve(path);
    this.#changes = options.changes;
    this.#db = translate(path, () => new DatabaseSync(path, { timeout: options.busyTimeoutMs }));
    translate(path, () => {
      const db = this.#db as DatabaseSync;
      db.exec('PRAGMA journal_mode = WAL');
      db.exec(`PRAGMA synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
      db.exec('PRAGMA foreign_keys = ON');
      // Touch the schema so that a file that is not a database fails here, at open.
      db.prepare('SELECT count(*) FROM sqlite_schema').get();
    });
  }

  /**
   * `PRAGMA quick_check(5)` on this connection: `['ok']`, or up to 5 problems. Reads the whole
   * file: its time grows with the file (see `integrity-check.ts` for the background check).
   */
  quickCheck(): string[] {
    return translate(this.path, () =>
      this.#open()
        .prepare('PRAGMA quick_check(5)')
        .all()
        .map((row) => String(Object.values(row)[0])),
    );
  }

  /** The file's size in bytes as SQLite sees it (pages × page size), without the WAL. */
  sizeBytes(): number {
    const pages = Number(this.get<{ page_count: number }>('PRAGMA page_count')?.page_count ?? 0);
    const pageSize = Number(this.get<{ page_size: number }>('PRAGMA page_size')?.page_size ?? 0);
    return pages * pageSize;
  }

  /** Runs a statement; returns the number of changed rows. */
  run(sql: string, ...params: Params): number {
    return Number(this.#prepare(sql).run(...params).changes);
  }

  /** Runs an INSERT; returns the new row's rowid. */
  insert(sql: string, ...params: Params): number {
    return Number(this.#prepare(sql).run(...params).lastInsertRowid);
  }

  get<T = Row>(sql: string, ...params: Params): T | undefined {
    return this.#prepare(sql).get(...params) as T | undefined;
  }

  all<T = Row>(sql: string, ...params: Params): T[] {
    return this.#prepare(sql).all(...params) as T[];
  }

  exec(sql: string): void {
    this.#open().exec(sql);
  }

  /**
   * Announces `change` to the store's subscribers once the write that made it commits. Called
   * inside `write`: if that write's savepoint rolls back, or the group's COMMIT fails, nothing is
   * announced. Outside a write (no transaction), it is announced on the next turn.
   */
  notify(change: Change): void {
    if (!this.#changes) return;
    if (this.#groupOpen || this.#depth > 0) this.#pending.push(change);
    else setImmediate(() => this.#changes?.publish(change));
  }

  /**
   * Group commit. Runs `fn` at once, atomically, in a savepoint of a write transaction shared by
   * every write made in the same turn of the event loop; that transaction commits on the next
   * turn, and the returned promise resolves only then. Callers therefore never act on a write
   * before it is durable, while N writes cost one commit. If `fn` throws, only its own savepoint
   * is rolled back and the promise rejects; if the COMMIT fails, every write of the group rejects.
   *
   * Reads on this connection see the group's writes before they commit; a failed COMMIT (disk
   * full, I/O error) is the only way such a write can vanish, and its writers are told.
   */
  write<T>(fn: () => T): Promise<T> {
    // Another connection of this process (a second store on the same file) holds the write lock
    // until its group commits on the next turn. SQLite's busy timeout would wait for it
    // synchronously, blocking the very event loop that commits it (STORE_LOCKED after the
    // timeout, every time): wait for that commit asynchronously instead, then write.
    const holder = lockHolders.get(this.#file);
    if (holder && holder.db !== this) return holder.released.then(() => this.write(fn));
    let result: T;
    try {
      result = translate(this.path, () => this.#inSavepoint(fn));
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<T>((resolve, reject) => this.#committers.push({ resolve: () => resolve(result), reject }));
  }

  #inSavepoint<T>(fn: () => T): T {
    if (this.#depth > 0) return fn();
    const db = this.#open();
    if (!this.#groupOpen) {
      // IMMEDIATE takes the write lock up front: two processes never deadlock upgrading locks.
      db.exec('BEGIN IMMEDIATE');
      this.#groupOpen = true;
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      lockHolders.set(this.#file, { db: this, released, release });
      setImmediate(() => this.#commitGroup());
    }
    this.#prepare('SAVEPOINT op').run();
    this.#depth++;
    const announced = this.#pending.length;
    try {
      const value = fn();
      this.#prepare('RELEASE op').run();
      return value;
    } catch (error) {
      this.#pending.length = announced;
      if (!db.isTransaction) {
        // SQLite rolled the whole transaction back itself (disk full, I/O error): every write of
        // the group is gone, so every writer of the group is told, and nothing is half-written.
        this.#abandonGroup(error);
        throw error;
      }
      this.#prepare('ROLLBACK TO op').run();
      this.#prepare('RELEASE op').run();
      throw error;
    } finally {
      this.#depth--;
    }
  }

  /** This connection's group ended (committed or gone): other connections of the process may write. */
  #releaseLock(): void {
    const holder = lockHolders.get(this.#file);
    if (holder?.db !== this) return;
    lockHolders.delete(this.#file);
    holder.release();
  }

  /** The open group's transaction is gone: its writers' promises reject with `error`. */
  #abandonGroup(error: unknown): void {
    const committers = this.#committers;
    this.#committers = [];
    this.#pending = [];
    this.#groupOpen = false;
    this.#releaseLock();
    const translated = (() => {
      try {
        return translate(this.path, () => {
          throw error;
        });
      } catch (e) {
        return e;
      }
    })();
    for (const c of committers) c.reject(translated);
  }

  #commitGroup(): void {
    const committers = this.#committers;
    const changes = this.#pending;
    this.#committers = [];
    this.#pending = [];
    if (!this.#groupOpen) return;
    this.#groupOpen = false;
    try {
      translate(this.path, () => this.#open().exec('COMMIT'));
    } catch (error) {
      this.#rollbackQuietly();
      this.#releaseLock();
      for (const c of committers) c.reject(error);
      return;
    }
    this.#releaseLock();
    for (const c of committers) c.resolve();
    // After the writers' promises are settled (they run on later microtasks anyway): a
    // subscriber reading the store now finds every write of the group.
    if (this.#changes) for (const change of changes) this.#changes.publish(change);
  }

  /**
   * Runs `fn` in its own write transaction, synchronously (migrations). Commits any open group
   * first. Any error rolls everything back and is rethrown, translated when it comes from SQLite.
   */
  transaction<T>(fn: () => T): T {
    this.#commitGroup();
    return translate(this.path, () => {
      const db = this.#open();
      db.exec('BEGIN IMMEDIATE');
      this.#depth++;
      try {
        const result = fn();
        db.exec('COMMIT');
        return result;
      } catch (error) {
        this.#rollbackQuietly();
        throw error;
      } finally {
        this.#depth--;
      }
    });
  }

  /** Ends a failed transaction; SQLite may already have rolled it back (then ROLLBACK errs). */
  #rollbackQuietly(): void {
    try {
      this.#db?.exec('ROLLBACK');
    } catch {
      // No transaction was active any more.
    }
  }

  /** Runs a read (or single-statement write) with SQLite errors translated. */
  read<T>(fn: () => T): T {
    return translate(this.path, fn);
  }

  close(): void {
    this.#commitGroup();
    this.#statements.clear();
    this.#db?.close();
    this.#db = undefined;
  }

  #open(): DatabaseSync {
    if (!this.#db) throw new ClosedError(`The SQLite store ${this.path} is closed`);
    return this.#db;
  }

  #prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#open().prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}

const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_READONLY = 8;
const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_CANTOPEN = 14;
const SQLITE_NOTADB = 26;
const SQLITE_TOOBIG = 18;
const SQLITE_CONSTRAINT = 19;
const SQLITE_MISMATCH = 20;
/** Extended codes of a key another write holds already: a conflict, not bad data. */
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;
const SQLITE_CONSTRAINT_UNIQUE = 2067;

/**
 * Calls `fn`, turning SQLite's corruption and locking failures into Heed errors, and data it
 * refuses (a constraint other than a taken key, a type mismatch, a value too big) into
 * `StoreDataError`, as the PostgreSQL store does: repeating such a write fails the same way.
 */
function translate<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    const code = (error as { errcode?: number }).errcode;
    const primary = typeof code === 'number' ? code & 0xff : undefined;
    if (primary === SQLITE_NOTADB || primary === SQLITE_CORRUPT) {
      throw new StoreCorruptError(`${path} is not a usable SQLite database (${(error as Error).message})`, {
        cause: error,
      });
    }
    if (primary === SQLITE_FULL) {
      throw new StoreFullError(`The disk holding ${path} is full: nothing was written; free some space and try again`, {
        cause: error,
      });
    }
    if (primary === SQLITE_READONLY || (primary === SQLITE_CANTOPEN && !writable(path))) {
      throw new StoreReadOnlyError(
        `Cannot write ${path}: the file or its folder is read-only or not writable by this user (${(error as Error).message})`,
        { cause: error },
      );
    }
    if (primary === SQLITE_CANTOPEN) {
      throw new StoreCorruptError(`Cannot open ${path}: ${(error as Error).message}`, { cause: error });
    }
    if (
      primary === SQLITE_TOOBIG ||
      primary === SQLITE_MISMATCH ||
      (primary === SQLITE_CONSTRAINT && code !== SQLITE_CONSTRAINT_PRIMARYKEY && code !== SQLITE_CONSTRAINT_UNIQUE)
    ) {
      throw new StoreDataError(
        `SQLite refused the data of a write, which was rolled back: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    if (primary === SQLITE_BUSY || primary === SQLITE_LOCKED) {
      throw new StoreLockedError(`${path} is locked by another connection (${(error as Error).message})`, {
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * Whether this process can create files beside `path` (SQLite needs its `-wal` and `-shm` there)
 * and write `path`: a probe file, since root passes access(2) checks even on a read-only mount.
 */
function writable(path: string): boolean {
  if (path === ':memory:' || path.startsWith('file:')) return true;
  const probe = join(dirname(path), `.heed-probe-${process.pid}`);
  try {
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
    if (existsSync(path)) accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
