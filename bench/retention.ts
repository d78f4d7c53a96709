/**
 * Retention benchmark: does a store full of finished history slow down what people and workers
 * do, and what does pruning it cost? Fills a store with many finished runs (bulk inserts inside
 * the database: 10,000,000 step rows at BENCH_SCALE=1, in about 15 s on SQLite and 60 s on
 * PostgreSQL), then compares, on an empty store and on the full one (median of
 * N): an inbox query, and a claim + replay of a waiting run (send → the run is claimed, replays
 * its steps from history, ends). It also times prune batches on the full store, a sweep with
 * nothing to prune, and claims + replays while a sweep runs in the same process.
 *
 * `BENCH_SCALE` scales the fill (`BENCH_PG_SCALE` scales PostgreSQL's on top of it);
 * `BENCH_SQLITE=0` or `BENCH_POSTGRES=0` skips a store; `BENCH_DURABILITY` picks SQLite's
 * durability. Measures only; asserts nothing.
 */
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { Heed, type Store, SystemClock } from '../src/index.ts';
import { PostgresStore } from '../src/postgres.ts';
import { SqliteStore } from '../src/sqlite.ts';
import type { PruneBatch, PruneRequest } from '../src/store/retention-store.ts';
import { createDatabase, startEmbeddedPostgres } from '../test/postgres/embedded.ts';
import { DURABILITY, fmt, nowMs, percentile, SCALE, sig, table, tempDir } from './util.ts';

const log = (message: string) => process.stderr.write(`[bench:retention] ${message}\n`);

const OPS_PER_RUN = 100;
const PROGRESS_PER_RUN = 10;
const SAMPLES = 101;
const STEPS = 20;
const PENDING_TASKS = 200;
const DAY = 86_400_000;
const PG_SCALE = process.env.BENCH_PG_SCALE === undefined ? 1 : Number(process.env.BENCH_PG_SCALE);

interface Fill {
  /** Finished root runs, each with OPS_PER_RUN steps, PROGRESS_PER_RUN progress rows, a status and its end event. */
  runs: number;
  /** Ended tasks (resolved long ago) in user:alice's history, with assignee, audit and delivery rows. */
  tasks: number;
}

const fillFor = (scale: number): Fill => ({
  runs: Math.max(100, Math.round(100_000 * scale)),
  tasks: Math.max(100, Math.round(50_000 * scale)),
});

/** The SQL that fills either store: the same tables, filled by the database itself. */
function fillSql(fill: Fill, at: number, series: (n: number) => string): string[] {
  const run = (expr: string) => `'old-' || lpad_id(${expr})`;
  return [
    `INSERT INTO runs (id, workflow, status, input, output, available_at, lease_token, attempts, created_at, updated_at)
       SELECT ${run('i')}, 'bench.old', 'succeeded', 'null', '"done"', ${at}, 1, 1, ${at}, ${at} FROM ${series(fill.runs)}`,
    `INSERT INTO operations (run_id, seq, ord, kind, name, output, error, created_at)
       SELECT ${run(`i / ${OPS_PER_RUN}`)}, i % ${OPS_PER_RUN} + 1, i % ${OPS_PER_RUN} + 1, 'step',
              'step-' || (i % ${OPS_PER_RUN}), '{"ok":true,"n":' || i || '}', NULL, ${at}
       FROM ${series(fill.runs * OPS_PER_RUN)}`,
    `INSERT INTO run_events (run_id, type, data, created_at)
       SELECT ${run(`i / ${PROGRESS_PER_RUN}`)}, 'progress', '{"step":"step-0","seq":1,"try":"1.1","data":{"delta":"some text"}}', ${at}
       FROM ${series(fill.runs * PROGRESS_PER_RUN)}`,
    `INSERT INTO run_events (run_id, type, data, created_at)
       SELECT ${run('i')}, 'run.succeeded', '{"output":"done"}', ${at} FROM ${series(fill.runs)}`,
    `INSERT INTO statuses (run_id, key, value, created_at) SELECT ${run('i')}, 'phase', '"done"', ${at} FROM ${series(fill.runs)}`,
    `INSERT INTO tasks (id, type, status, title, spec, requester, run_id, result, audit_count, created_at, updated_at, resolved_at)
       SELECT 'old-task-' || i, 'approval', 'resolved', 'Old task ' || i, '{}', 'app', 'task:old-task-' || i,
              '{"outcome":"approve"}', 2, ${at}, ${at}, ${at} FROM ${series(fill.tasks)}`,
    `INSERT INTO task_assignees (task_id, principal, level, status, type, created_at)
       SELECT 'old-task-' || i, 'user:alice', 0, 'resolved', 'approval', ${at} FROM ${series(fill.tasks)}`,
    `INSERT INTO task_audit (task_id, seq, at, actor, via, action, prev_hash, hash)
       SELECT 'old-task-' || (i / 2), i % 2 + 1, ${at}, 'user:alice', 'inbox', 'x', 'h', 'h' FROM ${series(fill.tasks * 2)}`,
    `INSERT INTO deliveries (key, task_id, channel, recipient, event, status, attempts, created_at, updated_at)
       SELECT 'old-task-' || i || ':created:0:inbox', 'old-task-' || i, 'inbox', '*', 'created:0', 'sent', 1, ${at}, ${at}
       FROM ${series(fill.tasks)}`,
  ];
}

async function fillSqlite(path: string, fill: Fill, at: number): Promise<void> {
  const store = new SqliteStore(path);
  await store.init(); // the schema, migrated
  await store.close();
  const db = new DatabaseSync(path);
  db.exec('PRAGMA synchronous = OFF');
  db.exec('PRAGMA cache_size = -262144');
  db.function('lpad_id', (n) => String(n).padStart(7, '0'));
  const series = (n: number) =>
    `(WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ${n - 1}) SELECT i FROM s)`;
  for (const sql of fillSql(fill, at, series)) {
    const t0 = nowMs();
    db.exec(`BEGIN; ${sql}; COMMIT;`);
    log(`  ${sql.trim().split(/\s+/).slice(0, 3).join(' ')} … ${fmt(nowMs() - t0)} ms`);
  }
  db.exec('ANALYZE');
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  db.close();
}

async function fillPostgres(url: string, fill: Fill, at: number): Promise<void> {
  const store = new PostgresStore(url, { listen: false });
  await store.init();
  await store.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `CREATE FUNCTION lpad_id(bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT lpad($1::text, 7, '0') $$`,
    );
    const series = (n: number) => `generate_series(0, ${n - 1}) AS s(i)`;
    // No triggers while filling: the task change counter (migration 5) would be bumped per row.
    await client.query(`SET session_replication_role = replica`);
    for (const sql of fillSql(fill, at, series)) {
      const t0 = nowMs();
      await client.query(sql);
      // Committed run events have their feed position (see feeds.ts); so do these.
      if (sql.includes('INSERT INTO run_events')) {
        await client.query(`UPDATE run_events SET pos = nextval('run_event_pos') WHERE pos IS NULL`);
      }
      log(`  ${sql.trim().split(/\s+/).slice(0, 3).join(' ')} … ${fmt(nowMs() - t0)} ms`);
    }
    await client.query('VACUUM ANALYZE');
  } finally {
    await client.end();
  }
}

/** The workflow whose runs are claimed and replayed: STEPS steps, then it waits for a message. */
function register(heed: Heed) {
  return heed.workflow('bench.waiter', async (ctx) => {
    for (let i = 0; i < STEPS; i++) await ctx.step(`s${i}`, () => i);
    return ctx.recv<number>('go');
  });
}

interface Measured {
  inbox: number[];
  replay: number[];
  replayDuringSweep?: number[];
}

/** Inbox queries and claims + replays on a store (filled or not), with a Heed of its own. */
async function measure(store: Store, options: { sweep?: boolean; round?: string } = {}): Promise<Measured> {
  // Retention as the sweep below uses it: finished runs and their progress after a day.
  const heed = new Heed({
    store,
    clock: new SystemClock(),
    retention: { finishedRuns: '1d', progress: '1d', deliveries: false },
  });
  const waiter = register(heed);
  await heed.start();
  for (let i = 0; i < PENDING_TASKS; i++) {
    await heed.tasks.create({ type: 'approval', title: `Pending ${i}`, assignees: ['user:alice'] });
  }
  const rounds = options.sweep ? 2 : 1;
  const ids = Array.from({ length: SAMPLES * rounds + 10 }, (_, i) => `waiter-${options.round ?? ''}${i}`);
  for (const id of ids) await waiter.start(null, { id });
  await heed.idle();
  const inbox: number[] = [];
  for (let i = 0; i < SAMPLES + 10; i++) {
    const t0 = nowMs();
    const page = await heed.tasks.list({ assignee: 'user:alice', limit: 50 });
    if (i >= 10) inbox.push(nowMs() - t0);
    if (page.items.length !== 50) throw new Error(`inbox: ${page.items.length} items`);
  }
  const replay = async (id: string) => {
    const t0 = nowMs();
    await heed.send(id, 'go', 1);
    await waiter.handle(id).result();
    return nowMs() - t0;
  };
  const replays: number[] = [];
  for (let i = 0; i < SAMPLES + 10; i++) {
    const ms = await replay(ids[i] as string);
    if (i >= 10) replays.push(ms);
  }
  let during: number[] | undefined;
  if (options.sweep) {
    // The retention sweep of the old runs in this process (what the background sweep does),
    // while runs are replayed; stopping the engine ends it after its current batch.
    const sweep = heed.prune();
    during = [];
    for (let i = 0; i < SAMPLES; i++) during.push(await replay(ids[SAMPLES + 10 + i] as string));
    log(`  the sweep meanwhile: ${JSON.stringify(await Promise.race([sweep, Promise.resolve('still going')]))}`);
  }
  await heed.stop();
  return { inbox, replay: replays, ...(during ? { replayDuringSweep: during } : {}) };
}

/** Two rounds of the same measures, one sample set. */
function merge(a: Measured, b: Measured): Measured {
  return {
    inbox: [...a.inbox, ...b.inbox],
    replay: [...a.replay, ...b.replay],
    ...(a.replayDuringSweep || b.replayDuringSweep
      ? { replayDuringSweep: [...(a.replayDuringSweep ?? []), ...(b.replayDuringSweep ?? [])] }
      : {}),
  };
}

interface PruneTimes {
  runs: { ms: number[]; rows: number[] };
  progress: { ms: number[]; rows: number[] };
  idle: number[];
}

/** Times prune batches on the full store (the old runs are 40 days old). */
async function timePrune(store: Store): Promise<PruneTimes> {
  await store.init();
  const batches = async (prune: (r: PruneRequest) => Promise<PruneBatch>, n: number) => {
    const ms: number[] = [];
    const rows: number[] = [];
    let after: string | null = null;
    for (let i = 0; i < n; i++) {
      const t0 = nowMs();
      const batch = await prune({ before: Date.now() - 30 * DAY, limit: 500, after });
      ms.push(nowMs() - t0);
      rows.push(batch.rows);
      after = batch.next;
      if (!batch.more) break;
    }
    return { ms, rows };
  };
  const progress = await batches((r) => store.pruneProgress(r), 30);
  const runs = await batches((r) => store.pruneRuns(r), 30);
  log(
    `  batch times (ms): ${JSON.stringify({ progress: progress.ms.map(Math.round), runs: runs.ms.map(Math.round) })}`,
  );
  // Nothing older than 60 days: one batch of each kind that finds nothing.
  const idle: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const before = Date.now() - 60 * DAY;
    const t0 = nowMs();
    for (const prune of [store.pruneProgress, store.pruneRuns, store.pruneTasks, store.pruneDeliveries]) {
      await prune.call(store, { before, limit: 500 });
    }
    idle.push(nowMs() - t0);
  }
  return { progress, runs, idle };
}

const median = (values: number[]) => percentile(values, 50);
const ms = (value: number) => `${sig(value)} ms`;

function report(name: string, fill: Fill, fillMs: number, empty: Measured, full: Measured, prune: PruneTimes): string {
  const steps = fill.runs * OPS_PER_RUN;
  const full_ = `full store (${fmt(steps)} step rows)`;
  const rowsPerBatch = (r: number[]) => fmt(median(r));
  return [
    `### ${name}: an empty store vs one with ${fmt(fill.runs)} finished runs, ${fmt(steps)} step rows, ${fmt(fill.runs * PROGRESS_PER_RUN)} progress rows, ${fmt(fill.tasks)} ended tasks (filled in ${sig(fillMs / 1000)} s)`,
    '',
    table(
      [`measure (median of ${2 * SAMPLES} in two rounds; p99)`, 'empty store', full_],
      [
        [
          `inbox of user:alice, first 50 of her ${PENDING_TASKS}+ pending (+ ${fmt(fill.tasks)} ended in the full store)`,
          `${ms(median(empty.inbox))} (${ms(percentile(empty.inbox, 99))})`,
          `${ms(median(full.inbox))} (${ms(percentile(full.inbox, 99))})`,
        ],
        [
          `claim + replay of a waiting run (${STEPS} steps, then recv): send → result()`,
          `${ms(median(empty.replay))} (${ms(percentile(empty.replay, 99))})`,
          `${ms(median(full.replay))} (${ms(percentile(full.replay, 99))})`,
        ],
        [
          'the same while a sweep prunes the old runs in this process',
          '-',
          full.replayDuringSweep
            ? `${ms(median(full.replayDuringSweep))} (${ms(percentile(full.replayDuringSweep, 99))})`
            : '-',
        ],
      ],
    ),
    '',
    table(
      ['prune on the full store (limit 500 rows)', 'rows per batch (median)', 'per batch, median (p99)'],
      [
        [
          `pruneProgress batch (${prune.progress.ms.length} batches)`,
          rowsPerBatch(prune.progress.rows),
          `${ms(median(prune.progress.ms))} (${ms(percentile(prune.progress.ms, 99))})`,
        ],
        [
          `pruneRuns batch: whole runs with ${OPS_PER_RUN} steps each (${prune.runs.ms.length} batches)`,
          rowsPerBatch(prune.runs.rows),
          `${ms(median(prune.runs.ms))} (${ms(percentile(prune.runs.ms, 99))})`,
        ],
        [
          'a sweep with nothing to prune (one batch of each of the 4 kinds)',
          '0',
          `${ms(median(prune.idle))} (${ms(percentile(prune.idle, 99))})`,
        ],
      ],
    ),
    '',
  ].join('\n');
}

async function sqlite(): Promise<string> {
  const dir = tempDir('retention');
  try {
    const fill = fillFor(SCALE);
    const open = (name: string) => new SqliteStore(join(dir.path, name), { durability: DURABILITY });
    log('SQLite: measuring an empty store');
    const empty1 = await measure(open('empty.db'), { round: 'a' });
    log(`SQLite: filling ${fmt(fill.runs * OPS_PER_RUN)} step rows`);
    const t0 = nowMs();
    await fillSqlite(join(dir.path, 'full.db'), fill, Date.now() - 40 * DAY);
    const fillMs = nowMs() - t0;
    // Prune batches first (they remove a small part of the old runs), then the measures, empty
    // and full in turn (the machine's load drifts), a sweep of the rest running in the last.
    log('SQLite: prune batches');
    const pruneStore = open('full.db');
    const prune = await timePrune(pruneStore);
    await pruneStore.close();
    log('SQLite: measuring the full store, then both again');
    const full1 = await measure(open('full.db'), { round: 'a' });
    const empty2 = await measure(open('empty.db'), { round: 'b' });
    const full2 = await measure(open('full.db'), { round: 'b', sweep: true });
    return report(`SQLite (durability ${DURABILITY})`, fill, fillMs, merge(empty1, empty2), merge(full1, full2), prune);
  } finally {
    dir.remove();
  }
}

async function postgres(): Promise<string> {
  const server = await startEmbeddedPostgres();
  try {
    const fill = fillFor(PG_SCALE * SCALE);
    const emptyUrl = await createDatabase(server.url, 'retention_empty');
    log('PostgreSQL: measuring an empty store');
    const empty1 = await measure(new PostgresStore(emptyUrl), { round: 'a' });
    log(`PostgreSQL: filling ${fmt(fill.runs * OPS_PER_RUN)} step rows`);
    const url = await createDatabase(server.url, 'retention_full');
    const t0 = nowMs();
    await fillPostgres(url, fill, Date.now() - 40 * DAY);
    const fillMs = nowMs() - t0;
    log('PostgreSQL: prune batches');
    const pruneStore = new PostgresStore(url, { listen: false });
    const prune = await timePrune(pruneStore);
    await pruneStore.close();
    log('PostgreSQL: measuring the full store, then both again');
    const full1 = await measure(new PostgresStore(url), { round: 'a' });
    const empty2 = await measure(new PostgresStore(emptyUrl), { round: 'b' });
    const full2 = await measure(new PostgresStore(url), { round: 'b', sweep: true });
    return report(
      'PostgreSQL (embedded, default fsync)',
      fill,
      fillMs,
      merge(empty1, empty2),
      merge(full1, full2),
      prune,
    );
  } finally {
    await server.stop();
  }
}

const started = nowMs();
const parts: string[] = [];
if (process.env.BENCH_SQLITE !== '0') parts.push(await sqlite());
if (process.env.BENCH_POSTGRES !== '0') parts.push(await postgres());
process.stdout.write(
  [
    '# Heed retention benchmark',
    '',
    `Node ${process.version}; BENCH_SCALE=${SCALE}; total ${sig((nowMs() - started) / 1000)} s.`,
    '',
    ...parts,
  ].join('\n'),
);
