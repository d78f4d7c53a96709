/**
 * Faults on PostgreSQL under load, with real processes (`heed serve` and a `heed worker`): the
 * LISTEN connections are killed, then every statement times out for a while (a `statement_timeout`
 * of a few milliseconds, every connection cut so that the pools reconnect under it), then the
 * server behaves again. Runs are started all along; every start that was acknowledged must end
 * succeeded, with its right output, no run may ever be executed by two processes at once, and no
 * run may be left stuck.
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Heed } from '../../src/index.ts';
import { PostgresStore } from '../../src/postgres.ts';
import { heedProcesses } from './heed-processes.ts';
import { createDatabase, type EmbeddedServer, startEmbeddedPostgres } from './embedded.ts';

const BEFORE = 80;
const DURING = 40;

let server: EmbeddedServer;
let url: string;
const heeds = heedProcesses(() => url);
const { children, outputs } = heeds;

beforeAll(async () => {
  server = await startEmbeddedPostgres({ durable: false });
  url = await createDatabase(server.url, 'faults');
  await sql(`CREATE TABLE executions (
    id bigserial PRIMARY KEY, run_id text NOT NULL, pid integer NOT NULL, step integer NOT NULL,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(), ended_at timestamptz)`);
}, 120_000);

afterAll(async () => {
  if (process.env.HEED_TEST_SHOW_OUTPUT) for (const output of outputs) console.log(output.slice(-3000));
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await server?.stop();
});

/** One statement on a connection of its own (never one the faults cut), retried while refused. */
async function sql<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[] = []) {
  for (let attempt = 0; ; attempt++) {
    const client = new pg.Client({ connectionString: url, statement_timeout: 0 });
    try {
      await client.connect();
      // The database's statement_timeout is for Heed: this connection checks and cuts.
      await client.query('SET statement_timeout = 0');
      return (await client.query<R>(text, values)).rows;
    } catch (error) {
      if (attempt > 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => {});
    }
  }
}

/** Cuts every other connection to the database: the processes reconnect (and see new settings). */
const cutConnections = (where = 'true') =>
  sql(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND ${where}`,
  );

const succeeded = async () =>
  Number((await sql<{ n: string }>("SELECT count(*) AS n FROM runs WHERE status = 'succeeded'"))[0]?.n ?? 0);

it('loses nothing acknowledged and leaves no run stuck when LISTEN dies and statements time out', async () => {
  const serve = await heeds.start(['serve', '--port', '0'], /serving on (http:\/\/\S+)/, { HEED_POSTGRES_URL: url });
  await heeds.start(['worker', '--concurrency', '16'], /executing runs/, { HEED_POSTGRES_URL: url });

  // Runs are started from this process, which executes none; a start counts once acknowledged.
  const client = new Heed({ store: new PostgresStore(url, { listen: false }) });
  const load = client.workflow<{ n: number }, { total: number; pid: number }>('load', async () => ({
    total: 0,
    pid: 0,
  }));
  const acknowledged: number[] = [];
  const start = async (n: number) => {
    try {
      await load.start({ n }, { id: `load-${n}` });
      acknowledged.push(n);
    } catch {
      // Not acknowledged (the fault refused it): the caller would retry; here it is not counted.
    }
  };
  for (let n = 0; n < BEFORE; n++) await start(n);
  while ((await succeeded()) < BEFORE / 4) await new Promise((resolve) => setTimeout(resolve, 50));

  // The push path dies silently: kill every LISTEN connection.
  await cutConnections("query ILIKE 'LISTEN%'");
  // Then every statement of every (new) connection times out for a while, starts included.
  await sql(`ALTER DATABASE faults SET statement_timeout = '3ms'`);
  await cutConnections();
  for (let n = BEFORE; n < BEFORE + DURING; n++) await start(n);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  // The fault was real: starts were refused while it lasted.
  const refusedDuringFault = BEFORE + DURING - acknowledged.length;
  expect(refusedDuringFault).toBeGreaterThan(0);
  await sql('ALTER DATABASE faults RESET statement_timeout');
  await cutConnections();
  // Whatever was refused during the fault is started again, as a caller would.
  for (let n = BEFORE; n < BEFORE + DURING; n++) if (!acknowledged.includes(n)) await start(n);
  expect(acknowledged.length).toBe(BEFORE + DURING);

  const deadline = Date.now() + 120_000;
  while ((await succeeded()) < BEFORE + DURING && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  try {
    const statuses = await sql<{ status: string; n: string }>(
      "SELECT status, count(*) AS n FROM runs WHERE workflow = 'load' GROUP BY status",
    );
    expect(Object.fromEntries(statuses.map((r) => [r.status, Number(r.n)]))).toEqual({ succeeded: BEFORE + DURING });
    for (const row of await sql<{ id: string; output: string }>(
      "SELECT id, output FROM runs WHERE workflow = 'load'",
    )) {
      expect(JSON.parse(row.output).total, row.id).toBe(3 * Number(row.id.slice('load-'.length)));
    }
    // Nothing waits that should not: no run of the load is left with a wait or a lease.
    expect(await sql("SELECT run_id FROM waits WHERE run_id LIKE 'load-%'")).toEqual([]);
    // No run was ever executed by two processes at once (no process died: every step ended).
    const overlaps = await sql(
      `SELECT a.run_id FROM executions a JOIN executions b
         ON a.run_id = b.run_id AND a.pid <> b.pid AND a.id < b.id
       WHERE tstzrange(a.started_at, a.ended_at) && tstzrange(b.started_at, b.ended_at)`,
    );
    expect(overlaps).toEqual([]);
    const done = await sql<{ n: string }>(
      'SELECT count(*) AS n FROM (SELECT DISTINCT run_id, step FROM executions WHERE ended_at IS NOT NULL) s',
    );
    expect(Number(done[0]?.n)).toBe((BEFORE + DURING) * 3);
  } finally {
    await client.stop({ grace: 0 }).catch(() => {});
    serve.child.kill('SIGTERM');
  }
}, 240_000);
