import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { afterEach, inject } from 'vitest';
import { Heed, type HeedOptions, type Store } from '../src/index.ts';
import { PostgresStore } from '../src/postgres.ts';
import { SqliteStore } from '../src/sqlite.ts';
import { VirtualClock } from '../src/time/virtual-clock.ts';

/**
 * The store the suites run on: `sqlite` (default), or `postgres` when `HEED_TEST_STORE=postgres`
 * (`npm run test:postgres`, vitest.postgres.config.ts): the same tests, each Heed on its own
 * schema of the test run's PostgreSQL server.
 */
export const TEST_STORE: 'sqlite' | 'postgres' = process.env.HEED_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

/** For tests that hold only on one store: `it.skipIf(onlySqlite('why'))`. The reason is the documentation. */
export function onlySqlite(_why: string): boolean {
  return TEST_STORE !== 'sqlite';
}

/**
 * A store of the kind the suite runs on. `path` names the SQLite file; on PostgreSQL, stores made
 * with the same `path` share one schema (a "new process" on the same store).
 */
export function testStore(path: string): Store {
  if (TEST_STORE === 'sqlite') return new SqliteStore(path);
  let schema = schemas.get(path);
  if (!schema) {
    schema = `t_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
    schemas.set(path, schema);
  }
  return new PostgresStore(inject('pgAdminUrl'), { poolSize: 4, schema });
}
const schemas = new Map<string, string>();

/**
 * Runs SQL on a test store's tables from outside Heed (the way someone with write access would
 * tamper with them), on either store: `?` placeholders, SQL both dialects read.
 */
export async function rawSql(path: string, sql: string, ...params: (string | number)[]): Promise<void> {
  if (TEST_STORE === 'sqlite') {
    const db = new DatabaseSync(path);
    try {
      db.prepare(sql).run(...params);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await client.connect();
  try {
    await client.query(`SET search_path TO ${schemas.get(path) ?? 'public'}`);
    let n = 0;
    await client.query(
      sql.replace(/\?/g, () => `$${++n}`),
      params,
    );
  } finally {
    await client.end();
  }
}

/** A temp folder removed after the current test file. */
export function tempDir(prefix = 'heed-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TestEngine {
  heed: Heed;
  /** The store `heed` was given (tests may read and write it directly). */
  store: Store;
  clock: VirtualClock;
  path: string;
  /** A second Heed on the same store (a "new process" after a restart), not started. */
  reopen(options?: Partial<HeedOptions>): Heed;
}

const open: Heed[] = [];
const dirs: string[] = [];

/**
 * A Heed on a fresh store (see {@link TEST_STORE}: a SQLite file, or a PostgreSQL schema) with a
 * virtual clock. Everything made here is stopped and deleted after each test.
 */
export function testEngine(options: Partial<HeedOptions> = {}): TestEngine {
  const dir = tempDir();
  dirs.push(dir);
  const path = join(dir, 'heed.db');
  const clock = new VirtualClock();
  const make = (extra: Partial<HeedOptions> = {}) => {
    const heed = new Heed({
      clock,
      onError: (e) => errors.push(e),
      ...options,
      ...extra,
      store: extra.store ?? testStore(path),
    });
    open.push(heed);
    return heed;
  };
  const store = options.store ?? testStore(path);
  return { heed: make({ store }), store, clock, path, reopen: make };
}

/** Background errors reported through `onError` during the test; each test expects none unless it says so. */
export const errors: unknown[] = [];

afterEach(async () => {
  const heeds = open.splice(0);
  await Promise.all(heeds.map((h) => h.stop({ grace: 0 }).catch(() => {})));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  const reported = errors.splice(0);
  if (reported.length > 0) throw new Error(`Unexpected background errors: ${reported.map(String).join('; ')}`);
});
