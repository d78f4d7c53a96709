/**
 * Heed on PostgreSQL, side by side with DBOS Transact on the same embedded PostgreSQL server in
 * the same window: throughput (2,000 workflows × 3 steps, 64 in flight), one resume at a time
 * across processes, a burst of 1,000 resumes, memory of a fresh worker with many runs waiting,
 * scaling with 1, 2 and 4 `heed worker` processes, and what one process sends per workflow
 * (statements, commits, batches: `PostgresStore.stats()`). Prints markdown tables; asserts nothing.
 *
 * DBOS is measured by `../shared/peers/dbos/bench-dbos.mjs` (its child mode, pointed at this
 * server), from a temporary copy where its dependencies are installed with npm; when that is not
 * possible the DBOS column says why and the rest runs. `BENCH_SCALE=0.1` for a quick run;
 * `BENCH_DBOS=0` skips DBOS.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { Heed } from '../src/index.ts';
import { PostgresStore } from '../src/postgres.ts';
import { createDatabase, startEmbeddedPostgres } from '../test/postgres/embedded.ts';
import { bytes, fmt, nowMs, percentile, scaled, sig, table } from './util.ts';

const CONCURRENCY = 64;
const N = scaled(2_000, 50);
const RESUMES = scaled(200, 20);
const BURST = scaled(1_000, 50);
const WAITING = scaled(20_000, 500);
const CLI = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');
const WORKFLOWS = join(import.meta.dirname, 'pg-workflows.ts');
/** `../shared/peers/dbos` beside the clone (HEED_DBOS_PEER overrides; a worktree looks one level up too). */
const DBOS_PEER =
  process.env.HEED_DBOS_PEER ??
  [join(import.meta.dirname, '..', '..', 'shared'), join(import.meta.dirname, '..', '..', '..', 'shared')]
    .map((shared) => join(shared, 'peers', 'dbos'))
    .find((dir) => existsSync(join(dir, 'bench-dbos.mjs'))) ??
  join(import.meta.dirname, '..', '..', 'shared', 'peers', 'dbos');

const log = (message: string) => process.stderr.write(`[bench:pg] ${message}\n`);
const children: ChildProcess[] = [];

/** Starts `heed worker` processes on `url`, each with `concurrency`; resolves once all are ready. */
async function startWorkers(url: string, count: number, concurrency = CONCURRENCY): Promise<ChildProcess[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const child = spawn(
        process.execPath,
        [
          '--expose-gc',
          CLI,
          'worker',
          '--postgres',
          url,
          '--no-demo',
          '--import',
          WORKFLOWS,
          '--concurrency',
          String(concurrency),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        let out = '';
        child.stdout?.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('executing runs')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`heed worker exited (${code}): ${out}`)));
      });
      return child;
    }),
  );
}

async function stopWorkers(workers: ChildProcess[]): Promise<void> {
  await Promise.all(
    workers.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
}

/** A client process's view: starts runs and waits for their ends (it executes nothing). */
function client(url: string): { heed: Heed; store: PostgresStore } {
  const store = new PostgresStore(url, { poolSize: 16 });
  const heed = new Heed({ store });
  heed.workflow('three', async () => 0);
  heed.workflow('waiter', async () => 0);
  return { heed, store };
}

/** Resolves when `count` runs of the database have ended `succeeded` (counted on every pushed run event). */
async function waitForSucceeded(store: PostgresStore, url: string, count: number): Promise<void> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    let done = false;
    let wake: () => void = () => {};
    const unsubscribe = store.changes.subscribe(() => wake());
    while (!done) {
      const n = Number(
        (await db.query<{ n: string }>("SELECT count(*) AS n FROM runs WHERE status = 'succeeded'")).rows[0]?.n,
      );
      if (n >= count) done = true;
      else
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
    }
    unsubscribe();
  } finally {
    await db.end();
  }
}

async function throughput(url: string, workers: number): Promise<{ ms: number; perSec: number }> {
  const { heed, store } = client(url);
  const procs = await startWorkers(url, workers);
  const three = { start: (i: number, id: string) => heed.startWorkflow('three', i, { id }) };
  for (let i = 0; i < 64; i++) await three.start(i, `warm-${i}`);
  await waitForSucceeded(store, url, 64);
  const t0 = nowMs();
  // 64 in flight per worker process: runs are created up front; workers claim up to their concurrency.
  for (let from = 0; from < N; from += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, N - from) }, (_, k) => three.start(from + k, `run-${from + k}`)),
    );
  }
  await waitForSucceeded(store, url, 64 + N);
  const ms = nowMs() - t0;
  await stopWorkers(procs);
  await heed.stop({ grace: 0 });
  return { ms, perSec: (N / ms) * 1000 };
}

/** One resume at a time: the bench process sends, a worker process resumes, the end is pushed back. */
async function resumes(url: string): Promise<{ p50: number; p90: number; burstMs: number }> {
  const { heed, store } = client(url);
  const procs = await startWorkers(url, 1);
  const ends = new Map<string, () => void>();
  const unsubscribe = store.changes.subscribe((change) => {
    if (change.kind === 'run-event') ends.get(change.runId)?.();
  });
  const ended = (id: string) =>
    new Promise<void>((resolve) => {
      const check = async () => {
        if ((await store.getRun(id))?.status === 'succeeded') resolve();
      };
      ends.set(id, () => void check());
      void check();
    });
  const waitFor = async (id: string, status: string) => {
    while ((await store.getRun(id))?.status !== status) await new Promise((r) => setTimeout(r, 5));
  };
  const latencies: number[] = [];
  for (let i = 0; i < 20 + RESUMES; i++) {
    const id = `one-${i}`;
    await heed.startWorkflow('waiter', null, { id });
    await waitFor(id, 'waiting');
    const t0 = nowMs();
    const done = ended(id);
    await heed.send(id, 'go', i);
    await done;
    if (i >= 20) latencies.push(nowMs() - t0);
  }
  for (let from = 0; from < BURST; from += 250) {
    await Promise.all(
      Array.from({ length: Math.min(250, BURST - from) }, (_, k) =>
        heed.startWorkflow('waiter', null, { id: `burst-${from + k}` }),
      ),
    );
  }
  while (
    ((await store.listRuns({ status: 'waiting', workflow: 'waiter', limit: 1000 })).items.length ?? 0) <
    Math.min(BURST, 1000)
  ) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const t0 = nowMs();
  await Promise.all(Array.from({ length: BURST }, (_, i) => heed.send(`burst-${i}`, 'go', i)));
  await waitForSucceeded(store, url, 20 + RESUMES + BURST);
  const burstMs = nowMs() - t0;
  unsubscribe();
  await stopWorkers(procs);
  await heed.stop({ grace: 0 });
  return { p50: percentile(latencies, 50), p90: percentile(latencies, 90), burstMs };
}

/** RSS of a fresh worker process with no run and with WAITING runs waiting in the database. */
async function memory(url: string, emptyUrl: string): Promise<{ empty: number; loaded: number }> {
  const { heed } = client(url);
  const procs = await startWorkers(url, 1);
  for (let from = 0; from < WAITING; from += 1000) {
    await Promise.all(
      Array.from({ length: Math.min(1000, WAITING - from) }, (_, k) =>
        heed.startWorkflow('waiter', null, { id: `mem-${from + k}` }),
      ),
    );
  }
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  while (
    Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM runs WHERE status = 'waiting'")).rows[0]?.n) <
    WAITING
  ) {
    await new Promise((r) => setTimeout(r, 200));
  }
  await db.end();
  await stopWorkers(procs);
  await heed.stop({ grace: 0 });
  const rssOf = async (target: string) => {
    const [worker] = await startWorkers(target, 1);
    await new Promise((r) => setTimeout(r, 2_000)); // claims, timers and a few polls have run
    const rss =
      Number((await promisify(execFile)('ps', ['-o', 'rss=', '-p', String(worker?.pid)])).stdout.trim()) * 1024;
    await stopWorkers(worker ? [worker] : []);
    return rss;
  };
  return { empty: await rssOf(emptyUrl), loaded: await rssOf(url) };
}

interface RoundTrips {
  workflows: { statements: number; commits: number; batches: number; writes: number };
  resume: { statements: number; commits: number };
}

/**
 * Where the round trips go: one process runs N × 3-step workflows and then one resume, and
 * counts what its store sent (statements, commits, batches of writes) per workflow.
 */
async function roundTrips(url: string): Promise<RoundTrips> {
  const store = new PostgresStore(url);
  const heed = new Heed({ store, concurrency: CONCURRENCY });
  heed.workflow('three', async (ctx, input: number) => {
    const a = await ctx.step('a', () => input + 1);
    const b = await ctx.step('b', () => a * 2);
    return ctx.step('c', () => b - 1);
  });
  heed.workflow('waiter', async (ctx) => ctx.recv<number>('go'));
  await heed.start();
  const n = Math.min(N, 500);
  // Ends are awaited through another connection (not counted), not `result()`, which re-reads.
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const succeeded = async () =>
    Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM runs WHERE status = 'succeeded'")).rows[0]?.n);
  const status = async (id: string) =>
    (await db.query<{ status: string }>('SELECT status FROM runs WHERE id = $1', [id])).rows[0]?.status;
  const before = store.stats();
  await Promise.all(Array.from({ length: n }, (_, i) => heed.startWorkflow('three', i, { id: `rt-${i}` })));
  while ((await succeeded()) < n) await new Promise((r) => setTimeout(r, 20));
  const after = store.stats();
  await heed.startWorkflow('waiter', null, { id: 'rt-waiter' });
  while ((await status('rt-waiter')) !== 'waiting') await new Promise((r) => setTimeout(r, 5));
  const beforeResume = store.stats();
  await heed.send('rt-waiter', 'go', 1);
  while ((await status('rt-waiter')) !== 'succeeded') await new Promise((r) => setTimeout(r, 5));
  const afterResume = store.stats();
  await db.end();
  await heed.stop({ grace: 0 });
  const per = (key: 'statements' | 'transactions' | 'batches' | 'batchedWrites') => (after[key] - before[key]) / n;
  return {
    workflows: {
      statements: per('statements'),
      commits: per('transactions'),
      batches: per('batches'),
      writes: per('batchedWrites'),
    },
    resume: {
      statements: afterResume.statements - beforeResume.statements,
      commits: afterResume.transactions - beforeResume.transactions,
    },
  };
}

interface DbosResult {
  workflowsPerSec?: number;
  note?: string;
}

/** DBOS's own benchmark child (2,000 × 3 steps, 64 in flight) against this server. */
async function dbos(port: number): Promise<DbosResult> {
  if (process.env.BENCH_DBOS === '0') return { note: 'skipped (BENCH_DBOS=0)' };
  if (!existsSync(join(DBOS_PEER, 'bench-dbos.mjs'))) return { note: `skipped: ${DBOS_PEER} not found` };
  const dir = join(mkdtempSync(join(tmpdir(), 'heed-bench-dbos-')), 'dbos');
  cpSync(DBOS_PEER, dir, { recursive: true });
  try {
    log('installing DBOS Transact into a temporary copy (npm install)…');
    await promisify(execFile)('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts'], {
      cwd: dir,
      timeout: 300_000,
    });
  } catch (error) {
    return { note: `skipped: could not install DBOS's dependencies (${(error as Error).message.split('\n')[0]})` };
  }
  const db = 'dbos_tp'; // DBOS creates its system database itself
  const args = ['--no-deprecation', join(dir, 'bench-dbos.mjs'), '--child', '--port', String(port), '--db', db];
  const run = await promisify(execFile)(
    process.execPath,
    [...args, '--n', String(N), '--steps', '3', '--concurrency', '64'],
    {
      cwd: dir,
      timeout: 600_000,
      maxBuffer: 64 * 1024 * 1024,
    },
  ).catch((error: { stdout?: string; message: string }) => ({ stdout: error.stdout ?? '', stderr: error.message }));
  const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) return { note: `failed: ${('stderr' in run ? String(run.stderr) : '').slice(0, 200)}` };
  const result = JSON.parse(line.slice(7)) as { workflowsPerSec: number };
  return { workflowsPerSec: result.workflowsPerSec };
}

async function main(): Promise<void> {
  // The DBOS peer's child connects as postgres/pw: the one server both use is made with those.
  const server = await startEmbeddedPostgres({ user: 'postgres', password: 'pw' });
  try {
    const fresh = (name: string) => createDatabase(server.url, name);
    log(`PostgreSQL on :${server.port}; ${cpus().length} cores; ${N} workflows × 3 steps`);
    const dbosResult = await dbos(server.port);
    log(`DBOS: ${dbosResult.workflowsPerSec ?? dbosResult.note}`);
    const single = await throughput(await fresh('heed_tp1'), 1);
    log(`Heed, 1 worker: ${fmt(single.perSec)} wf/s`);
    const scaling: [number, { ms: number; perSec: number }][] = [[1, single]];
    for (const workers of [2, 4]) {
      scaling.push([workers, await throughput(await fresh(`heed_tp${workers}`), workers)]);
      log(`Heed, ${workers} workers: ${fmt(scaling.at(-1)?.[1].perSec ?? 0)} wf/s`);
    }
    const resume = await resumes(await fresh('heed_resume'));
    log(`resume p50 ${sig(resume.p50)} ms, burst ${fmt(resume.burstMs)} ms`);
    const mem = await memory(await fresh('heed_memory'), await fresh('heed_empty'));
    const trips = await roundTrips(await fresh('heed_trips'));

    const ratio = dbosResult.workflowsPerSec ? `${(single.perSec / dbosResult.workflowsPerSec).toFixed(1)}×` : '-';
    console.log(`\n### PostgreSQL: Heed and DBOS Transact on one embedded PostgreSQL (${cpus().length} cores)\n`);
    console.log(
      table(
        ['measure', 'Heed', 'DBOS Transact', 'target'],
        [
          [
            `workflows/s (${N} × 3 steps, 64 in flight, 1 process)`,
            fmt(single.perSec),
            dbosResult.workflowsPerSec ? fmt(dbosResult.workflowsPerSec) : (dbosResult.note ?? '-'),
            `≥ 5× DBOS (now ${ratio})`,
          ],
          [
            'one resume across processes, p50 / p90 (ms)',
            `${sig(resume.p50)} / ${sig(resume.p90)}`,
            '-',
            'p50 ≤ 3 ms (≤ 10 ms cross-process)',
          ],
          [`${BURST} resumes at once (ms)`, fmt(resume.burstMs), '-', '≤ 500 ms'],
          [
            `fresh worker RSS, 0 vs ${WAITING} runs waiting`,
            `${bytes(mem.empty)} vs ${bytes(mem.loaded)}`,
            '-',
            'no memory per waiting run',
          ],
        ],
      ),
    );
    const per = (x: number) => x.toFixed(2);
    console.log(
      `\n### PostgreSQL: what one process sends per workflow (${Math.min(N, 500)} × 3 steps, ${CONCURRENCY} in flight, start to end)\n`,
    );
    console.log(
      table(
        ['measure', 'statements (round trips)', 'commits', 'batches', 'writes in batches'],
        [
          [
            'per workflow (start, claim, 3 steps, end)',
            per(trips.workflows.statements),
            per(trips.workflows.commits),
            per(trips.workflows.batches),
            per(trips.workflows.writes),
          ],
          ['one resume (send, claim, end)', String(trips.resume.statements), String(trips.resume.commits), '-', '-'],
        ],
      ),
    );
    console.log(`\n### PostgreSQL: scaling with \`heed worker\` processes (${N} × 3 steps, 64 in flight each)\n`);
    console.log(
      table(
        ['worker processes', 'workflows/s', 'total (ms)'],
        scaling.map(([workers, r]) => [String(workers), fmt(r.perSec), fmt(r.ms)]),
      ),
    );
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await server.stop();
  }
}

await main();
