import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { Lease } from '../../src/store/store.ts';
import { PostgresStore } from '../../src/postgres.ts';
import { FUNCTION_FILES } from '../../src/store/postgres/functions.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/postgres/migrations.ts';
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
  it('upgrades a database whose functions migration 4 created: they are replaced from sql/*.sql, the twins dropped, and a run that waited before resumes', async () => {
    // Migration 4 as it shipped: what databases migrated before migration 8 have.
    const shipped = readFileSync(new URL('../postgres/fixtures/migration-4-functions.sql', import.meta.url), 'utf8');
    const url = await freshDatabase();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const apply = async (batch: unknown[]) =>
      (await client.query('SELECT heed_apply($1::jsonb) AS r', [JSON.stringify(batch)])).rows[0].r as unknown[];
    try {
      await client.query('CREATE SCHEMA v6');
      await client.query('SET search_path TO v6');
      await client.query(
        'CREATE TABLE heed_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      for (const migration of MIGRATIONS.filter((m) => m.version <= 6)) {
        await client.query(migration.version === 4 ? shipped : migration.sql);
        await client.query('INSERT INTO heed_migrations (version, name) VALUES ($1, $2)', [
          migration.version,
          migration.name,
        ]);
      }
      // A run started, claimed and suspended on a recv by the old protocol.
      await apply([{ k: 'n', id: 'old', workflow: 'wf', input: null, parent: null, initiator: null, now: 1 }]);
      const claimed = await client.query(
        "SELECT heed_claim('w0', ARRAY['wf'], 10, 1, ARRAY[]::text[], 5, 30000, 1) AS c",
      );
      const token = (claimed.rows[0].c as { lease_token: number }).lease_token;
      const wait = { k: 'w', id: 'old', token, seq: 1, kind: 'recv', name: 'go', topic: 'go', ms: null, now: 2 };
      expect(await apply([wait])).toEqual([{ state: 'waiting', deadline: null }]);
      expect(await apply([{ k: 's', id: 'old', token, now: 3 }])).toEqual(['waiting']);
    } finally {
      await client.end();
    }

    const store = new PostgresStore(url, { poolSize: 2, schema: 'v6', leaseClock: 'engine' });
    await store.init();
    const check = new pg.Client({ connectionString: url });
    await check.connect();
    try {
      const { rows } = await check.query<{ proname: string }>(
        "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'v6' AND p.proname LIKE 'heed%' ORDER BY 1",
      );
      const names = rows.map((r) => r.proname);
      expect(names.filter((name) => /^heed_(op|set)_|^heed_batch_singles$/.test(name))).toEqual([]);
      for (const name of FUNCTION_FILES) expect(names).toContain(name);
      const version = await check.query('SELECT max(version) AS v FROM v6.heed_migrations');
      expect(version.rows[0].v).toBe(SCHEMA_VERSION);

      expect(await store.sendMessage({ runId: 'old', topic: 'go', body: '"now"' }, 10)).toEqual({
        duplicate: false,
        woke: true,
      });
      const [claim] = await store.claimRuns({
        owner: 'w1',
        workflows: ['wf'],
        limit: 10,
        now: 11,
        leaseMs: 30_000,
        maxRecoveries: 5,
        active: [],
      });
      expect(claim?.history).toMatchObject([{ seq: 1, kind: 'recv', name: 'go', output: '{"message":"now"}' }]);
      await store.completeRun(claim?.lease as Lease, { output: '1' }, 12);
      expect(await store.getRun('old')).toMatchObject({ status: 'succeeded', output: '1' });
    } finally {
      await check.end();
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
