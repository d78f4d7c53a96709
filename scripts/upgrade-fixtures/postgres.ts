/**
 * Makes a PostgreSQL dump (JSON) for test/store/upgrade.test.ts with a RELEASED version of Heed: copy this file to
 * the root of a checkout of that release and run it there, e.g.
 *
 *   git worktree add /tmp/prev <release commit> && cp scripts/upgrade-fixtures/postgres.ts /tmp/prev/
 *   cd /tmp/prev && npm ci && npx node postgres.ts <path to test/fixtures/upgrade/...>
 *
 * Its imports are that release's modules (relative to its root), not this checkout's.
 */
// biome-ignore-all lint: runs in another checkout
// @ts-nocheck
// Run in a checkout of the previous release: a PostgreSQL store with runs waiting on tasks, dumped
// with the previous release's own migrations (the exact schema it made) and every row.
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { registerDemoWorkflows } from './src/demo/workflows.ts';
import { Heed } from './src/index.ts';
import { PostgresStore } from './src/postgres.ts';
import { MIGRATIONS } from './src/store/postgres/migrations.ts';
import { VirtualClock } from './src/time/virtual-clock.ts';
import { createDatabase, startEmbeddedPostgres } from './test/postgres/embedded.ts';

const out = process.argv[2] as string;
const server = await startEmbeddedPostgres({ durable: false });
try {
  const url = await createDatabase(server.url, 'fixture');
  const heed = new Heed({ store: new PostgresStore(url), clock: new VirtualClock() });
  registerDemoWorkflows(heed);
  await heed.start();
  await heed.startWorkflow('refund', { customer: 'alice', amount: 150 }, { id: 'refund-before-upgrade' });
  await heed.startWorkflow('banking', { message: 'Transfer $150 to Alice' }, { id: 'banking-before-upgrade' });
  await heed.tasks.create({
    type: 'approval',
    title: 'Deploy 1.9?',
    assignees: ['user:ops'],
    idempotencyKey: 'standalone-before-upgrade',
  });
  await heed.idle();
  await heed.stop();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const tables = (
    await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'heed_migrations' ORDER BY table_name",
    )
  ).rows.map((r) => r.table_name);
  const rows: Record<string, unknown[]> = {};
  for (const table of tables) {
    rows[table] = (await client.query(`SELECT row_to_json(t) AS r FROM ${table} t`)).rows.map((r) => r.r);
  }
  await client.end();
  writeFileSync(out, `${JSON.stringify({ release: '0.1.0 (8ae2439)', migrations: MIGRATIONS, rows }, null, 1)}\n`);
  console.log(tables.map((t) => `${t}: ${rows[t]?.length}`).join('\n'));
} finally {
  await server.stop();
}
