/**
 * Upgrading Heed itself: a store written by the previous release (0.1.0, commit 8ae2439), with
 * runs waiting on tasks, opens under this code, upgrades in place, and its runs complete when the
 * people answer. The fixtures were made by that release's own code: the SQLite file as it wrote
 * it, and for PostgreSQL its migrations (the exact schema it made) with every row it wrote.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { registerDemoWorkflows } from '../../src/demo/workflows.ts';
import { Heed } from '../../src/index.ts';
import { PostgresStore } from '../../src/postgres.ts';
import { SCHEMA_VERSION } from '../../src/store/postgres/migrations.ts';
import { SqliteStore } from '../../src/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import { VirtualClock } from '../../src/time/virtual-clock.ts';
import { tempDir } from '../helpers.ts';
import { freshDatabase } from '../postgres/databases.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'upgrade');

interface PgFixture {
  migrations: { version: number; name: string; sql: string }[];
  rows: Record<string, unknown[]>;
}

/** What the previous release left waiting completes under this code. */
async function completesAfterUpgrade(store: Store) {
  const heed = new Heed({ store, clock: new VirtualClock(Date.UTC(2026, 0, 1, 0, 5)) });
  registerDemoWorkflows(heed);
  await heed.start();
  try {
    const pending = (await heed.tasks.list({ status: 'pending' })).items;
    expect(pending.map((t) => t.title).sort()).toEqual([
      'Deploy 1.9?',
      'Refund $150 to alice?',
      'Transfer $150 to Alice?',
    ]);
    for (const task of pending) await heed.tasks.respond(task.id, { outcome: 'approve' }, { principal: 'user:ops' });
    expect(await heed.handle('refund-before-upgrade').result()).toMatchObject({ refunded: true });
    expect(await heed.handle('banking-before-upgrade').result()).toMatchObject({
      reply: expect.stringContaining('Transferred $150 to Alice'),
    });
    for (const task of pending) {
      expect((await heed.tasks.get(task.id))?.status).toBe('resolved');
      expect((await heed.tasks.verifyAudit(task.id)).ok).toBe(true);
    }
    // New work runs as usual on the upgraded store.
    const fresh = await heed.startWorkflow('refund', { customer: 'bob', amount: 10 }, { id: 'after-upgrade' });
    await heed.idle();
    const [asked] = (await heed.tasks.list({ status: 'pending' })).items;
    await heed.tasks.respond(asked?.id ?? '', { outcome: 'approve' }, { principal: 'user:ops' });
    expect(await fresh.result()).toMatchObject({ refunded: true });
  } finally {
    await heed.stop();
  }
}

describe('a store written by the previous release', () => {
  it('SQLite: opens, upgrades in place, and its waiting runs complete', async () => {
    const path = join(tempDir(), 'heed.db');
    copyFileSync(join(FIXTURES, 'heed-0.1.0.db'), path);
    await completesAfterUpgrade(new SqliteStore(path));
  });

  it('PostgreSQL: upgrades once with four processes opening it together, and its waiting runs complete', async () => {
    const fixture = JSON.parse(readFileSync(join(FIXTURES, 'postgres-0.1.0.json'), 'utf8')) as PgFixture;
    const url = await freshDatabase('heed_upgrade');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // The previous release's schema, made by its own migrations, and every row it wrote.
      await client.query(
        'CREATE TABLE heed_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      for (const migration of fixture.migrations) {
        await client.query(migration.sql);
        await client.query('INSERT INTO heed_migrations (version, name) VALUES ($1, $2)', [
          migration.version,
          migration.name,
        ]);
      }
      // The rows as they were: no trigger adds to them while they are loaded.
      await client.query('SET session_replication_role = replica');
      for (const [table, rows] of Object.entries(fixture.rows)) {
        // The fixture is the whole table (a migration may have seeded a row of its own).
        await client.query(`DELETE FROM ${table}`);
        if (rows.length === 0) continue;
        await client.query(`INSERT INTO ${table} SELECT * FROM json_populate_recordset(NULL::${table}, $1::json)`, [
          JSON.stringify(rows),
        ]);
      }
      await client.query('SET session_replication_role = DEFAULT');
      const serials = await client.query<{ table_name: string; column_name: string }>(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND column_default LIKE 'nextval%'",
      );
      for (const { table_name, column_name } of serials.rows) {
        await client.query(
          `SELECT setval(pg_get_serial_sequence('${table_name}', '${column_name}'), COALESCE((SELECT max(${column_name}) FROM ${table_name}), 0) + 1, false)`,
        );
      }
    } finally {
      await client.end();
    }
    // Four processes start at once on the old store: the migrations run once (an advisory lock).
    const stores = [1, 2, 3, 4].map(() => new PostgresStore(url, { poolSize: 2 }));
    await Promise.all(stores.map((s) => s.init()));
    await Promise.all(stores.slice(1).map((s) => s.close()));
    const check = new pg.Client({ connectionString: url });
    await check.connect();
    const versions = (await check.query<{ version: number }>('SELECT version FROM heed_migrations ORDER BY version'))
      .rows;
    await check.end();
    expect(versions.map((v) => v.version)).toEqual([...new Set(versions.map((v) => v.version))]);
    expect(versions.at(-1)?.version).toBe(SCHEMA_VERSION);
    expect(versions.length).toBeGreaterThanOrEqual(fixture.migrations.length);
    await completesAfterUpgrade(stores[0] as PostgresStore);
  });
});
