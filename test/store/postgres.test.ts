import { inspect } from 'node:util';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/postgres.ts';
import { MIGRATIONS } from '../../src/store/postgres/migrations.ts';
import { describeConcurrentStores } from './contract-concurrency.ts';
import { describeStoreContract } from './contract.ts';
import { fileDatabaseUrl, freshDatabase, freshPostgresStore } from '../postgres/databases.ts';

// The contract's cases drive time by hand (`now`), leases included: the engine's clock.
describeStoreContract('PostgreSQL', () => freshPostgresStore({ leaseClock: 'engine' }));

describeConcurrentStores('PostgreSQL', async () => {
  const first = await freshPostgresStore();
  const second = new PostgresStore(await fileDatabaseUrl(), { poolSize: 4, schema: first.schema });
  await second.init();
  return [first, second];
});

describe('PostgresStore migrations', () => {
  it('upgrades a database written before task versions: its tasks start at version 1', async () => {
    const url = await freshDatabase();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query('CREATE SCHEMA old');
      await client.query('SET search_path TO old');
      await client.query(
        'CREATE TABLE heed_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      for (const migration of MIGRATIONS.filter((m) => m.version <= 2)) {
        await client.query(migration.sql);
        await client.query('INSERT INTO heed_migrations (version, name) VALUES ($1, $2)', [
          migration.version,
          migration.name,
        ]);
      }
      await client.query(`INSERT INTO tasks (id, type, status, title, spec, run_id, audit_count, created_at, updated_at)
                          VALUES ('old', 'approval', 'pending', 'Old', '{}', 'task:old', 0, 1, 1)`);
    } finally {
      await client.end();
    }
    const store = new PostgresStore(url, { poolSize: 2, schema: 'old' });
    await store.init();
    try {
      expect(await store.getTask('old')).toMatchObject({ version: 1, status: 'pending' });
      expect(await store.applyTaskUpdate('old', 1, { remindersSent: 1 }, 2)).toBe(true);
      expect(await store.applyTaskUpdate('old', 1, { remindersSent: 2 }, 3)).toBe(false);
      expect(await store.getTask('old')).toMatchObject({ version: 2, remindersSent: 1 });
    } finally {
      await store.close();
    }
  });
});

describe('PostgresStore connection URL', () => {
  it('keeps the password private: no public field holds it, and the printable URL masks it', async () => {
    const url = new URL(await fileDatabaseUrl());
    url.password = 'a-secret-password-8c1f';
    const store = new PostgresStore(url.href);
    expect('url' in store).toBe(false);
    expect(store.redactedUrl).toBe(url.href.replace(':a-secret-password-8c1f@', ':***@'));
    expect(inspect(store, { depth: 5 })).not.toContain('a-secret-password-8c1f');
    expect(JSON.stringify(Object.entries(store))).not.toContain('a-secret-password-8c1f');
    await store.close();
  });
});
