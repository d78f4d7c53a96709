/**
 * The human loop beside the engine under it, in one run (issue 19's table):
 *
 * - the engine's own figure: 3-step workflows/s (SQLite, PostgreSQL);
 * - `ctx.ask` round trips (start a run, it asks, the task is answered, the run ends), SQLite and
 *   PostgreSQL;
 * - HTTP `POST /v1/tasks`, `POST /v1/tasks/{id}/responses` and `GET /v1/health` per second, the
 *   server in this process (SQLite) and the load generator (autocannon) in a child process;
 * - peers where they have the same measure: DBOS Transact (workflows/s, recv/send round trips on
 *   the same PostgreSQL server) and LangGraph.js (interrupt/resume on its SQLite saver), each
 *   installed with npm into a temporary copy of `../shared/peers/*`; when that is not possible the
 *   table says why.
 *
 * Prints a markdown table; measures, never asserts. `BENCH_SCALE=0.1` for a quick run;
 * `BENCH_PEERS=0` skips the peers, `BENCH_PG=0` PostgreSQL.
 */
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { delimiter, join, sep } from 'node:path';
import { promisify } from 'node:util';
import { Heed, SystemClock } from '../src/index.ts';
import { PostgresStore } from '../src/postgres.ts';
import { startServer } from '../src/server/serve.ts';
import { SqliteStore } from '../src/sqlite.ts';
import type { Store } from '../src/store/store.ts';
import { createDatabase, startEmbeddedPostgres } from '../test/postgres/embedded.ts';
import { DURABILITY, fmt, nowMs, pool, SCALE, scaled, sig, table, tempDir, timed } from './util.ts';

const SIZES = {
  workflows: scaled(2_000, 50),
  asks: scaled(2_000, 50),
  http: scaled(5_000, 200),
  peers: scaled(1_000, 50),
};
const CONCURRENCY = 64;
const CONNECTIONS = 32;
const log = (message: string) => process.stderr.write(`[bench:human-loop] ${message}\n`);

// ── child mode: the load generator ────────────────────────────────────────────────────────────

interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  /** Fixed path, or one path per request. */
  paths: string[];
  body?: unknown;
  headers?: Record<string, string>;
  amount: number;
}

interface LoadResult {
  ok: number;
  non2xx: number;
  errors: number;
  ms: number;
  p50: number;
  p99: number;
}

/** In the child: runs autocannon as `spec` says, prints one `RESULT {...}` line. */
async function loadChild(spec: LoadSpec): Promise<void> {
  const { default: autocannon } = await import('autocannon');
  let next = 0;
  const t0 = nowMs();
  const result = await autocannon({
    url: spec.url,
    connections: CONNECTIONS,
    amount: spec.amount,
    requests: [
      {
        method: spec.method,
        headers: { 'content-type': 'application/json', ...spec.headers },
        ...(spec.body === undefined ? {} : { body: JSON.stringify(spec.body) }),
        setupRequest: (request: { path: string }) => {
          request.path = spec.paths[spec.paths.length === 1 ? 0 : next++ % spec.paths.length] as string;
          return request;
        },
      },
    ],
  });
  const out: LoadResult = {
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    ms: nowMs() - t0,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
  process.stdout.write(`RESULT ${JSON.stringify(out)}\n`);
}

/** Runs the load generator in a child process; resolves with its result. */
async function load(spec: LoadSpec): Promise<LoadResult> {
  const dir = tempDir('load');
  const file = join(dir.path, 'spec.json');
  writeFileSync(file, JSON.stringify(spec));
  try {
    const child = spawn(process.execPath, [import.meta.filename, '--load', file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const line = out.split('\n').find((l) => l.startsWith('RESULT '));
    if (code !== 0 || !line) throw new Error(`load generator failed (${code}): ${out.slice(0, 300)}`);
    return JSON.parse(line.slice(7)) as LoadResult;
  } finally {
    dir.remove();
  }
}

// ── Heed measures ─────────────────────────────────────────────────────────────────────────────

function heedOn(store: Store): Heed {
  return new Heed({ store, clock: new SystemClock(), concurrency: CONCURRENCY });
}

/** 3-step workflows/s, 64 in flight (the engine's own figure, as `bench/engine.ts` measures it). */
async function engineRate(makeStore: (name: string) => Promise<Store>): Promise<number> {
  const heed = heedOn(await makeStore('engine'));
  const wf = heed.workflow('three', async (ctx, input: number) => {
    const a = await ctx.step('a', () => input + 1);
    const b = await ctx.step('b', () => a * 2);
    return ctx.step('c', () => b - 1);
  });
  await heed.start();
  await Promise.all(Array.from({ length: 100 }, (_, i) => wf.start(i, { id: `warm-${i}` })));
  await heed.idle();
  const n = SIZES.workflows;
  const { ms } = await timed(async () => {
    await pool(n, CONCURRENCY, (i) => wf.start(i, { id: `run-${i}` }));
    await heed.idle();
  });
  await heed.stop();
  return n / (ms / 1000);
}

/**
 * `ctx.ask` round trips/s, as `bench/tasks.ts` counts them: N runs start (64 in flight) and ask,
 * and once every run waits (a person takes longer than the ask), every task is answered (64 in
 * flight); the clock stops when every run has ended with its answer.
 */
async function askRate(makeStore: (name: string) => Promise<Store>): Promise<number> {
  const heed = heedOn(await makeStore('asks'));
  const wf = heed.workflow('asker', async (ctx) => (await ctx.ask({ type: 'approval', title: 'Go?' })).outcome);
  await heed.start();
  const round = async (prefix: string, n: number) => {
    const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
    await pool(n, CONCURRENCY, (i) => wf.start(null, { id: ids[i] as string }));
    await heed.idle();
    const pending = await pendingIds(heed);
    await pool(pending.length, CONCURRENCY, (i) =>
      heed.tasks.respond(pending[i] as string, { outcome: 'approve' }, { principal: 'user:x' }),
    );
    // Every run resumed and ended (the engine is idle). Not `result()` per run: its fallback reads
    // of thousands of waiting handles would be measured, not the loop.
    await heed.idle();
    return ids;
  };
  await round('warm', 50);
  const n = SIZES.asks;
  const { ms, value: ids } = await timed(() => round('ask', n));
  // After the clock: every run really ended with the answer.
  const outcomes = await Promise.all(
    ids.map((id) =>
      wf
        .handle(id)
        .result({ timeout: '1m' })
        .catch(() => null),
    ),
  );
  const wrong = outcomes.filter((o) => o !== 'approve').length;
  if (wrong > 0) log(`WARNING: ${wrong} of ${n} asking runs did not end with the answer`);
  await heed.stop();
  return n / (ms / 1000);
}

interface HttpRates {
  health: LoadResult;
  create: LoadResult;
  respond: LoadResult;
}

/** The server in this process on SQLite; autocannon in a child: health, create, respond. */
async function httpRates(dir: string): Promise<HttpRates> {
  const heed = new Heed({ store: new SqliteStore(join(dir, 'http.db'), { durability: DURABILITY }) });
  const server = await startServer(heed, { port: 0 });
  try {
    const n = SIZES.http;
    const task = { type: 'approval', title: 'Transfer $150 to Alice?', assignees: ['user:bob'] };
    // Warm-up: the same routes, a few hundred times.
    await load({ url: server.url, method: 'GET', paths: ['/v1/health'], amount: 500 });
    await load({ url: server.url, method: 'POST', paths: ['/v1/tasks'], body: task, amount: 300 });
    const health = await load({ url: server.url, method: 'GET', paths: ['/v1/health'], amount: n * 2 });
    const before = new Set((await pendingIds(heed)).values());
    const create = await load({ url: server.url, method: 'POST', paths: ['/v1/tasks'], body: task, amount: n });
    const ids = (await pendingIds(heed)).filter((id) => !before.has(id));
    const respond = await load({
      url: server.url,
      method: 'POST',
      paths: ids.map((id) => `/v1/tasks/${id}/responses`),
      body: { outcome: 'approve' },
      headers: { 'x-heed-principal': 'user:bob' },
      amount: ids.length,
    });
    return { health, create, respond };
  } finally {
    await server.close();
  }
}

async function pendingIds(heed: Heed): Promise<string[]> {
  const ids: string[] = [];
  for (let cursor: string | undefined; ; ) {
    const page = await heed.tasks.list({ status: 'pending', limit: 1000, cursor });
    ids.push(...page.items.map((t) => t.id));
    if (!page.nextCursor) return ids;
    cursor = page.nextCursor;
  }
}

// ── peers ─────────────────────────────────────────────────────────────────────────────────────

/** `../shared/peers/<name>` beside the clone or, from a worktree, one level up. */
function peerDir(name: string): string | undefined {
  return [join(import.meta.dirname, '..', '..', 'shared'), join(import.meta.dirname, '..', '..', '..', 'shared')]
    .map((shared) => join(shared, 'peers', name))
    .find((dir) => existsSync(join(dir, 'package.json')));
}

/**
 * The environment without `node_modules/.bin` on PATH (which `npx` and `npm run` put first): the
 * peers are installed, and LangGraph's native module (better-sqlite3) built, by the system's
 * `npm` and `node`, and LangGraph runs on that same `node`.
 */
const SYSTEM_ENV = {
  ...process.env,
  PATH: (process.env.PATH ?? '')
    .split(delimiter)
    .filter((entry) => !entry.includes(`node_modules${sep}.bin`))
    .join(delimiter),
};

/** The temporary copies of the peers, removed at the end. */
const peerCopies: string[] = [];

/** A writable copy of the peer with its dependencies installed, or why not. */
async function installPeer(name: string): Promise<{ dir: string } | { note: string }> {
  if (process.env.BENCH_PEERS === '0') return { note: 'skipped (BENCH_PEERS=0)' };
  const source = peerDir(name);
  if (!source) return { note: `skipped: ../shared/peers/${name} not found` };
  const parent = mkdtempSync(join(tmpdir(), `heed-bench-${name}-`));
  peerCopies.push(parent);
  const dir = join(parent, name);
  cpSync(source, dir, { recursive: true });
  try {
    log(`installing ${name} into a temporary copy (npm ci)…`);
    await promisify(execFile)('npm', ['ci', '--no-audit', '--no-fund'], {
      cwd: dir,
      timeout: 900_000,
      env: SYSTEM_ENV,
    });
    return { dir };
  } catch (error) {
    return { note: `not measured: could not install its dependencies offline (${firstLine(error)})` };
  }
}

/** The gist of a failure: the last line a failed command wrote to stderr, or the message's first. */
const firstLine = (error: unknown) => {
  const stderr = String((error as { stderr?: unknown }).stderr ?? '')
    .split('\n')
    .filter((line) => line.trim() !== '' && !/^\s+at /.test(line));
  return (stderr.at(-1) ?? (error as Error).message.split('\n')[0] ?? '').slice(0, 160);
};

/**
 * Runs a peer's script (with `node`, default this process's Node) and returns its `RESULT {...}`
 * line (DBOS's convention) or its last line, JSON.
 */
async function runPeer(dir: string, args: string[], node = process.execPath): Promise<Record<string, unknown>> {
  const run = await promisify(execFile)(node, args, {
    env: SYSTEM_ENV,
    cwd: dir,
    timeout: 900_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = run.stdout.trim().split('\n');
  const tagged = lines.find((l) => l.startsWith('RESULT '));
  return JSON.parse(tagged ? tagged.slice(7) : (lines.at(-1) as string)) as Record<string, unknown>;
}

interface PeerRates {
  /** The Node version that ran the peer, when not this process's. */
  node?: string;
  workflows?: number;
  roundTrips?: number;
  resumes?: number;
  note?: string;
}

/** DBOS Transact on the same PostgreSQL server: 3-step workflows/s, and recv/send round trips. */
async function dbosRates(port: number): Promise<PeerRates> {
  const installed = await installPeer('dbos');
  if ('note' in installed) return { note: installed.note };
  try {
    const n = SIZES.peers;
    const common = ['--no-deprecation'];
    const tp = await runPeer(installed.dir, [
      ...common,
      'bench-dbos.mjs',
      '--child',
      '--port',
      String(port),
      '--db',
      'dbos_tp',
      '--n',
      String(SIZES.workflows),
      '--steps',
      '3',
      '--concurrency',
      '64',
    ]);
    const wait = await runPeer(installed.dir, [
      '--expose-gc',
      ...common,
      'bench-dbos-wait.mjs',
      '--child',
      '--port',
      String(port),
      '--db',
      'dbos_wait',
      '--n',
      String(n),
    ]);
    const parkMs = wait.startToAllWaitingMs as number;
    const resumeMs = wait.totalResumeMs as number;
    return {
      workflows: tp.workflowsPerSec as number,
      roundTrips: n / ((parkMs + resumeMs) / 1000),
      resumes: wait.resumesPerSec as number,
    };
  } catch (error) {
    return { note: `failed: ${firstLine(error)}` };
  }
}

/**
 * LangGraph.js on its SQLite saver (synchronous=FULL, as Heed's default): interrupt, then resume.
 * Run by the system's `node` (see {@link SYSTEM_ENV}), the one `npm` built its native module for,
 * which may be older than this one (the table says which).
 */
async function langgraphRates(dir: string): Promise<PeerRates> {
  const installed = await installPeer('langgraph');
  if ('note' in installed) return { note: installed.note };
  try {
    const n = SIZES.peers;
    const version = (await promisify(execFile)('node', ['--version'], { env: SYSTEM_ENV })).stdout.trim();
    const out = await runPeer(
      installed.dir,
      [
        '--expose-gc',
        'worker.mjs',
        '--db',
        join(dir, 'langgraph.sqlite'),
        '--n',
        String(n),
        '--startConc',
        '32',
        '--resume',
        'same',
        '--resumeConc',
        '32',
        '--warmup',
        '50',
        '--sync',
        'full',
      ],
      'node',
    );
    const start = out.start as { wallMs: number };
    const resume = out.resume as { wallMs: number; resumesPerSec: number };
    return {
      roundTrips: n / ((start.wallMs + resume.wallMs) / 1000),
      resumes: resume.resumesPerSec,
      node: version,
    };
  } catch (error) {
    return { note: `failed: ${firstLine(error)}` };
  }
}

// ── main ──────────────────────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const started = nowMs();
  const dir = tempDir('human-loop');
  const sqlite = async (name: string) =>
    new SqliteStore(join(dir.path, `${name}-${crypto.randomUUID()}.db`), { durability: DURABILITY });
  const withPg = process.env.BENCH_PG !== '0';
  // The DBOS peer's child connects as postgres/pw: the one server both use is made with those.
  const pg = withPg ? await startEmbeddedPostgres({ user: 'postgres', password: 'pw' }) : undefined;
  let dbNo = 0;
  const postgres = async (name: string) => {
    if (!pg) throw new Error('PostgreSQL is off');
    return new PostgresStore(await createDatabase(pg.url, `heed_${name}_${++dbNo}`));
  };
  try {
    log(`engine: ${SIZES.workflows} 3-step workflows on SQLite`);
    const engineSqlite = await engineRate(sqlite);
    log(`${SIZES.asks} ctx.ask round trips on SQLite`);
    const askSqlite = await askRate(sqlite);
    log(`HTTP: ${SIZES.http} requests per route, autocannon in a child process`);
    const http = await httpRates(dir.path);
    let enginePg = Number.NaN;
    let askPg = Number.NaN;
    if (pg) {
      log(`engine: ${SIZES.workflows} 3-step workflows on PostgreSQL`);
      enginePg = await engineRate(postgres);
      log(`${SIZES.asks} ctx.ask round trips on PostgreSQL`);
      askPg = await askRate(postgres);
    }
    log('peers');
    const dbos = pg ? await dbosRates(pg.port) : { note: 'skipped (BENCH_PG=0)' };
    const langgraph = await langgraphRates(dir.path);

    const rate = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? 'n/a' : `${fmt(v)}/s`);
    const httpRate = (r: LoadResult) =>
      `${fmt(r.ok / (r.ms / 1000))}/s${r.non2xx || r.errors ? ` (${r.non2xx} non-2xx, ${r.errors} errors)` : ''}`;
    const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) ? `${sig(a / b)}×` : 'n/a');
    const healthRate = http.health.ok / (http.health.ms / 1000);
    const createRate = http.create.ok / (http.create.ms / 1000);
    const respondRate = http.respond.ok / (http.respond.ms / 1000);
    const peerCell = (p: PeerRates, v: number | undefined) =>
      p.note ? p.note : `${rate(v)}${p.node && p.node !== process.version ? ` (Node ${p.node})` : ''}`;
    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    process.stdout.write(
      [
        '# The human loop beside the engine (one run)',
        '',
        `Node ${process.version}; ${cpus().length} cores (${cpu}); ${fmt(totalmem() / 2 ** 30, 1)} GiB RAM; BENCH_SCALE=${SCALE}; SQLite durability ${DURABILITY}; ${CONCURRENCY} in flight; autocannon ${CONNECTIONS} connections in a child process; total ${sig((nowMs() - started) / 1000)} s.`,
        '',
        table(
          ['Measure', 'Heed', 'aim', 'DBOS Transact', 'LangGraph.js (SQLite saver)'],
          [
            ['3-step workflows, SQLite (the engine)', rate(engineSqlite), '', 'n/a (PostgreSQL only)', 'n/a'],
            ['3-step workflows, PostgreSQL (the engine)', rate(enginePg), '', peerCell(dbos, dbos.workflows), 'n/a'],
            [
              `ctx.ask round trips (start, ask, answer, run ends) × ${fmt(SIZES.asks)}, SQLite`,
              rate(askSqlite),
              '≥ 5,000/s',
              'n/a (PostgreSQL only)',
              `${peerCell(langgraph, langgraph.roundTrips)} (interrupt + resume × ${fmt(SIZES.peers)})`,
            ],
            [
              `ctx.ask round trips × ${fmt(SIZES.asks)}, PostgreSQL`,
              rate(askPg),
              '',
              `${peerCell(dbos, dbos.roundTrips)} (recv + send × ${fmt(SIZES.peers)})`,
              'n/a',
            ],
            [
              '  ask round trips ÷ engine workflows, SQLite / PostgreSQL',
              `${ratio(askSqlite, engineSqlite)} / ${ratio(askPg, enginePg)}`,
              '',
              '',
              '',
            ],
            [
              '  resumes alone (answer → run ends)',
              'in the round trip',
              '',
              peerCell(dbos, dbos.resumes),
              peerCell(langgraph, langgraph.resumes),
            ],
            [`HTTP GET /v1/health × ${fmt(SIZES.http * 2)}`, httpRate(http.health), '', 'n/a', 'n/a'],
            [`HTTP POST /v1/tasks × ${fmt(SIZES.http)}, SQLite`, httpRate(http.create), '≥ 3,000/s', 'n/a', 'n/a'],
            [
              `HTTP POST /v1/tasks/{id}/responses × ${fmt(http.respond.ok + http.respond.non2xx)}, SQLite`,
              httpRate(http.respond),
              '≥ 3,000/s',
              'n/a',
              'n/a',
            ],
            [
              '  create / respond ÷ health',
              `${ratio(createRate, healthRate)} / ${ratio(respondRate, healthRate)}`,
              '≥ 0.6×',
              '',
              '',
            ],
            [
              '  HTTP latency p50 / p99: health, create, respond',
              [http.health, http.create, http.respond].map((r) => `${r.p50} / ${r.p99} ms`).join('; '),
              '',
              '',
              '',
            ],
          ],
        ),
        '',
      ].join('\n'),
    );
  } finally {
    await pg?.stop();
    dir.remove();
    for (const copy of peerCopies) rmSync(copy, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--load') {
  const { readFileSync } = await import('node:fs');
  await loadChild(JSON.parse(readFileSync(process.argv[3] as string, 'utf8')) as LoadSpec);
} else {
  await main();
}
