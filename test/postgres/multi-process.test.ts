/**
 * Many processes on one PostgreSQL: `heed serve` plus `heed worker`s (real child processes)
 * under load, one worker SIGKILLed, the PostgreSQL server restarted mid-load. The Heed processes
 * are never restarted; every run must succeed, and no run may ever have been executed by two
 * processes at once (each step records its execution interval, see `load-workflows.ts`).
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Heed } from '../../src/index.ts';
import { PostgresStore } from '../../src/postgres.ts';
import { heedProcesses } from './heed-processes.ts';
import { createDatabase, type EmbeddedServer, startEmbeddedPostgres } from './embedded.ts';

const RUNS = 150;

let server: EmbeddedServer;
let url: string;
const heeds = heedProcesses(() => url);
const { children, outputs } = heeds;

beforeAll(async () => {
  // Its own server: this test restarts it.
  server = await startEmbeddedPostgres({ durable: false });
  url = await createDatabase(server.url, 'multi');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`CREATE TABLE executions (
    id bigserial PRIMARY KEY, run_id text NOT NULL, pid integer NOT NULL, step integer NOT NULL,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(), ended_at timestamptz)`);
  await client.end();
}, 120_000);

afterAll(async () => {
  if (process.env.HEED_TEST_SHOW_OUTPUT) for (const output of outputs) console.log(output.slice(-3000));
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await server?.stop();
});

async function count(client: pg.Client, sql: string): Promise<number> {
  for (;;) {
    try {
      return Number((await client.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

it('serve and workers share the load, survive a SIGKILLed worker and a database restart, and never overlap', async () => {
  const serve = await heeds.start(['serve', '--postgres', url, '--port', '0'], /serving on (http:\/\/\S+)/);
  const first = await heeds.start(['worker', '--postgres', url, '--concurrency', '16'], /executing runs/);
  await heeds.start(['worker', '--postgres', url, '--concurrency', '16'], /executing runs/);
  expect(serve.match[1]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

  // Runs are started from this process, which executes none (its engine is never started).
  const client = new Heed({ store: new PostgresStore(url, { listen: false }) });
  const load = client.workflow<{ n: number }, { total: number; pid: number }>('load', async () => ({
    total: 0,
    pid: 0,
  }));
  for (let i = 0; i < RUNS; i++) await load.start({ n: i }, { id: `load-${i}` });

  const watch = new pg.Client({ connectionString: url });
  await watch.connect();
  // Mid-load: kill a worker outright, then restart PostgreSQL under everyone.
  while ((await count(watch, "SELECT count(*) AS n FROM runs WHERE status = 'succeeded'")) < RUNS / 4) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  first.child.kill('SIGKILL');
  await new Promise((resolve) => first.child.once('exit', resolve));
  const killedAt = (await watch.query<{ at: Date }>('SELECT clock_timestamp() AS at')).rows[0]?.at;
  await watch.end();

  while ((await countOnce(url, "SELECT count(*) AS n FROM runs WHERE status = 'succeeded'")) < RUNS / 2) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await server.restart();

  const deadline = Date.now() + 120_000;
  while ((await countOnce(url, "SELECT count(*) AS n FROM runs WHERE status = 'succeeded'")) < RUNS) {
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  const check = new pg.Client({ connectionString: url });
  await check.connect();
  try {
    const statuses = await check.query<{ status: string; n: string }>(
      "SELECT status, count(*) AS n FROM runs WHERE workflow = 'load' GROUP BY status",
    );
    expect(Object.fromEntries(statuses.rows.map((r) => [r.status, Number(r.n)]))).toEqual({ succeeded: RUNS });
    const outputs = await check.query<{ id: string; output: string }>(
      "SELECT id, output FROM runs WHERE workflow = 'load'",
    );
    for (const row of outputs.rows) {
      expect(JSON.parse(row.output).total, row.id).toBe(3 * Number(row.id.slice('load-'.length)));
    }
    // Work was shared: at least the server and the surviving worker executed steps.
    const pids = await check.query<{ pid: number }>('SELECT DISTINCT pid FROM executions');
    expect(pids.rows.length).toBeGreaterThanOrEqual(2);
    // No run was ever executed by two processes at once: the killed worker's open steps end at its death.
    const overlaps = await check.query(
      `SELECT a.run_id, a.pid AS pid_a, b.pid AS pid_b FROM executions a JOIN executions b
         ON a.run_id = b.run_id AND a.pid <> b.pid AND a.id < b.id
       WHERE tstzrange(a.started_at, COALESCE(a.ended_at, $1::timestamptz)) &&
             tstzrange(b.started_at, COALESCE(b.ended_at, $1::timestamptz))`,
      [killedAt],
    );
    expect(overlaps.rows).toEqual([]);
    // Every step of every run completed at least once.
    const done = await check.query<{ n: string }>(
      'SELECT count(*) AS n FROM (SELECT DISTINCT run_id, step FROM executions WHERE ended_at IS NOT NULL) s',
    );
    expect(Number(done.rows[0]?.n)).toBe(RUNS * 3);
  } finally {
    await check.end();
    await client.stop({ grace: 0 }).catch(() => {});
  }
  serve.child.kill('SIGTERM');
}, 240_000);

async function countOnce(target: string, sql: string): Promise<number> {
  const client = new pg.Client({ connectionString: target });
  try {
    await client.connect();
    return Number((await client.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
  } catch {
    return 0;
  } finally {
    await client.end().catch(() => {});
  }
}
