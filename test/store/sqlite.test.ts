import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreCorruptError, StoreLockedError, StoreVersionError } from '../../src/errors.ts';
import { SqliteStore } from '../../src/sqlite.ts';
import { Database } from '../../src/store/sqlite/database.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/sqlite/migrations.ts';
import { describeStoreContract } from './contract.ts';

const dir = mkdtempSync(join(tmpdir(), 'heed-sqlite-'));
let counter = 0;
const freshPath = () => join(dir, `store-${++counter}.db`);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeStoreContract('SQLite file', async () => {
  const store = new SqliteStore(freshPath());
  await store.init();
  return store;
});

describe('SqliteStore on disk', () => {
  it('creates missing folders and keeps data across reopen', async () => {
    const path = join(dir, 'nested', 'deeper', 'heed.db');
    const first = new SqliteStore(path);
    await first.init();
    await first.createRun({ id: 'r1', workflow: 'wf', input: '"x"' }, 1);
    await first.close();
    const second = new SqliteStore(path);
    await second.init();
    expect(await second.getRun('r1')).toMatchObject({ id: 'r1', input: '"x"' });
    await second.close();
  });

  it('is durable against power loss by default (synchronous=FULL); normal is an opt-in', async () => {
    expect(new SqliteStore(freshPath()).durability).toBe('full');
    expect(new SqliteStore(freshPath(), { durability: 'normal' }).durability).toBe('normal');
    // What each setting means on the connection: SQLite's synchronous levels (2 = FULL, 1 = NORMAL).
    for (const [durability, level] of [
      ['full', 2],
      ['normal', 1],
    ] as const) {
      const db = new Database(freshPath(), { busyTimeoutMs: 1_000, durability });
      expect(db.get('PRAGMA synchronous')).toEqual({ synchronous: level });
      db.close();
    }
  });

  it('refuses a file that is not a database, leaving it untouched', async () => {
    const path = freshPath();
    writeFileSync(path, 'this is not sqlite '.repeat(100));
    const store = new SqliteStore(path);
    const error = await store.init().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreCorruptError);
    expect(error).toMatchObject({ code: 'STORE_CORRUPT' });
    expect(String((error as Error).message)).toContain(path);
  });

  it('refuses a store written by a newer schema version', async () => {
    const path = freshPath();
    const raw = new DatabaseSync(path);
    raw.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const error = await new SqliteStore(path).init().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreVersionError);
    expect(error).toMatchObject({ code: 'STORE_SCHEMA_TOO_NEW' });
    const check = new DatabaseSync(path);
    expect(check.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'runs'").get()).toEqual({ n: 0 });
    check.close();
  });

  it('reports a database locked by another connection as STORE_LOCKED, writing nothing', async () => {
    const path = freshPath();
    const store = new SqliteStore(path, { busyTimeoutMs: 50 });
    await store.init();
    const other = new DatabaseSync(path);
    other.exec('BEGIN EXCLUSIVE');
    try {
      const error = await store.createRun({ id: 'r1', workflow: 'wf', input: null }, 1).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreLockedError);
      expect(error).toMatchObject({ code: 'STORE_LOCKED' });
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(await store.getRun('r1')).toBeUndefined();
    await store.createRun({ id: 'r1', workflow: 'wf', input: null }, 1);
    expect(await store.getRun('r1')).toBeDefined();
    await store.close();
  });

  it('lets two stores on one file in one process write in the same turn, without STORE_LOCKED', async () => {
    // Each store's group holds the file's write lock until the next turn; SQLite's busy timeout
    // would wait for the other one synchronously, blocking the turn that commits it.
    const path = freshPath();
    const a = new SqliteStore(path, { busyTimeoutMs: 200 });
    const b = new SqliteStore(path, { busyTimeoutMs: 200 });
    await a.init();
    await b.init();
    const run = (id: string) => ({ id, workflow: 'wf', input: null });
    await Promise.all([
      a.createRun(run('a1'), 1),
      b.createRun(run('b1'), 1),
      a.createRun(run('a2'), 1),
      b.createRun(run('b2'), 1),
    ]);
    for (const id of ['a1', 'a2', 'b1', 'b2']) {
      expect(await a.getRun(id)).toBeDefined();
      expect(await b.getRun(id)).toBeDefined();
    }
    await a.close();
    await b.close();
  });

  it('upgrades a store written before task versions: its tasks start at version 1', async () => {
    const path = freshPath();
    const raw = new DatabaseSync(path);
    for (const migration of MIGRATIONS.filter((m) => m.version <= 5)) raw.exec(migration.sql);
    raw.exec('PRAGMA user_version = 5');
    raw.exec(`INSERT INTO tasks (id, type, status, title, spec, run_id, audit_count, created_at, updated_at)
              VALUES ('old', 'approval', 'pending', 'Old', '{}', 'task:old', 0, 1, 1)`);
    raw.close();
    const store = new SqliteStore(path);
    await store.init();
    expect(await store.getTask('old')).toMatchObject({ version: 1, status: 'pending' });
    // The task change counter (migration 7) starts from the tasks there are, and moves on.
    expect(await store.tasksVersion()).toBe('1');
    expect(await store.applyTaskUpdate('old', 1, { remindersSent: 1 }, 2)).toBe(true);
    expect(await store.tasksVersion()).toBe('2');
    expect(await store.applyTaskUpdate('old', 1, { remindersSent: 2 }, 3)).toBe(false);
    expect(await store.getTask('old')).toMatchObject({ version: 2, remindersSent: 1 });
    await store.close();
  });

  it('migrates idempotently and throws CLOSED after close', async () => {
    const path = freshPath();
    const store = new SqliteStore(path);
    await store.init();
    await store.init();
    await store.close();
    await expect(store.getRun('x')).rejects.toMatchObject({ code: 'CLOSED' });
    const again = new SqliteStore(path);
    await again.init();
    await again.close();
  });
});
