/**
 * Wake-up benchmark (issue 19): how fast a decision reaches the run and its subscribers, and how
 * fast a restarted process with many runs waiting serves again. Prints one markdown table:
 *
 * - a person answers the demo refund over HTTP → the run ends → its SSE subscriber hears
 *   `run.succeeded` (p50);
 * - 500 SSE clients (in another process), each following a run, woken at once by HTTP: message
 *   sent → `run.succeeded` heard (p50);
 * - PostgreSQL: one resume across processes (p50) and 1,000 resumes at once (a `heed worker`
 *   process resumes, this one sends and hears the ends);
 * - restart-to-ready with 100,000 runs waiting (start + first resume).
 *
 * Each row beside the engine's own figure in the same run (in-process `send` → `result()`, the
 * restart of an empty store) and beside DBOS Transact where it has the same measure
 * (`../shared/peers/dbos/bench-dbos-wait.mjs`, from a temporary copy where npm installs its
 * dependencies; `HEED_DBOS_DIR` names a copy already installed; `BENCH_DBOS=0` skips it).
 *
 * `BENCH_ROWS=pg,restart` measures only those rows (answer, fanout, pg, restart).
 * `BENCH_BEFORE=<git ref>` also measures that commit's tree (extracted with `git archive` into a
 * temporary folder, this file's child script copied in) in the same run: the "before" column.
 * Every measure runs in its own child process (`wakeups-child.ts`). Measures only; asserts nothing.
 */
import { type ExecFileException, execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createDatabase, startEmbeddedPostgres } from '../test/postgres/embedded.ts';
import { fmt, SCALE, scaled, sig, table, tempDir } from './util.ts';

const ROOT = join(import.meta.dirname, '..');
const SIZES = {
  answers: scaled(50, 10),
  fanout: scaled(500, 20),
  engineResumes: scaled(200, 20),
  pgResumes: scaled(200, 20),
  pgBurst: scaled(1_000, 50),
  waiting: scaled(100_000, 1_000),
  restarts: 3,
};
/** `BENCH_ROWS=pg,restart` measures and prints only those rows (answer, fanout, pg, restart). */
const ROWS = new Set((process.env.BENCH_ROWS ?? 'answer,fanout,pg,restart').split(',').map((r) => r.trim()));
const log = (message: string) => process.stderr.write(`[bench:wakeups] ${message}\n`);
const run = promisify(execFile);

/** A Heed tree to measure: its root (where `bench/wakeups-child.ts` is) and a label. */
interface Tree {
  label: string;
  root: string;
}

/** Runs one measure of `tree` in a child process; returns its RESULT, or `undefined` (logged). */
async function measure<T>(tree: Tree, args: string[]): Promise<T | undefined> {
  try {
    const { stdout } = await run(process.execPath, [join(tree.root, 'bench', 'wakeups-child.ts'), ...args], {
      cwd: tree.root,
      timeout: 900_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new Error(`no RESULT in ${stdout.slice(0, 300)}`);
    return JSON.parse(line.slice(7)) as T;
  } catch (error) {
    const e = error as ExecFileException & { stderr?: string };
    log(`${tree.label} ${args[0]} failed: ${(e.stderr ?? e.message).split('\n').slice(-6).join(' | ')}`);
    return undefined;
  }
}

/** The tree of `ref`, extracted into a temporary folder beside this tree's node_modules. */
function extract(ref: string): Tree & { remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'heed-bench-before-'));
  const archive = execFileSync('git', ['archive', '--format=tar', ref, 'src', 'bench', 'test/postgres', 'scripts'], {
    cwd: ROOT,
    maxBuffer: 256 * 1024 * 1024,
  });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  // This run's child script and helpers, measuring that tree's src/.
  for (const file of ['wakeups-child.ts', 'util.ts', 'pg-workflows.ts']) {
    cpSync(join(ROOT, 'bench', file), join(dir, 'bench', file));
  }
  const short = execFileSync('git', ['rev-parse', '--short', ref], { cwd: ROOT }).toString().trim();
  return { label: `before (${short})`, root: dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

interface DbosWait {
  resumeLatencyMs: { p50: number };
  totalResumeMs: number;
}

/** DBOS Transact's wait/resume bench (child mode) against `port`: one at a time, and 1,000 at once. */
async function dbos(port: number): Promise<{ p50?: number; burstMs?: number; note?: string }> {
  if (process.env.BENCH_DBOS === '0') return { note: 'skipped (BENCH_DBOS=0)' };
  let dir = process.env.HEED_DBOS_DIR;
  if (!dir) {
    const peer = [join(ROOT, '..', 'shared', 'peers', 'dbos'), join(ROOT, '..', '..', 'shared', 'peers', 'dbos')].find(
      (d) => existsSync(join(d, 'bench-dbos-wait.mjs')),
    );
    if (!peer) return { note: 'skipped: ../shared/peers/dbos not found' };
    dir = join(mkdtempSync(join(tmpdir(), 'heed-bench-dbos-')), 'dbos');
    cpSync(peer, dir, { recursive: true });
    try {
      log('installing DBOS Transact into a temporary copy (npm install)…');
      await run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir, timeout: 300_000 });
    } catch (error) {
      return { note: `skipped: npm install failed (${(error as Error).message.split('\n')[0]})` };
    }
  }
  const child = async (db: string, extra: string[]) => {
    const { stdout } = await run(
      process.execPath,
      [
        '--expose-gc',
        '--no-deprecation',
        join(dir, 'bench-dbos-wait.mjs'),
        '--child',
        '--port',
        String(port),
        '--db',
        db,
        ...extra,
      ],
      { cwd: dir, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 },
    );
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new Error('no RESULT');
    return JSON.parse(line.slice(7)) as DbosWait;
  };
  try {
    const one = await child('dbos_wait_one', [
      '--n',
      String(SIZES.pgResumes),
      '--send-concurrency',
      '1',
      '--await-each',
      '--warmup',
      '10',
    ]);
    const burst = await child('dbos_wait_burst', ['--n', String(SIZES.pgBurst), '--send-concurrency', '64']);
    return { p50: one.resumeLatencyMs.p50, burstMs: burst.totalResumeMs };
  } catch (error) {
    return { note: `failed: ${(error as Error).message.split('\n')[0]}` };
  }
}

interface Latency {
  p50: number;
}
interface Burst {
  p50: number;
  burstMs: number;
}
interface Restart {
  startMs: number;
  readyMs: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const ms = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? '-' : `${sig(value)} ms`);

async function main(): Promise<void> {
  const trees: Tree[] = [];
  const before = process.env.BENCH_BEFORE ? extract(process.env.BENCH_BEFORE) : undefined;
  if (before) trees.push(before);
  const after: Tree = { label: 'now', root: ROOT };
  trees.push(after);
  const dir = tempDir('wakeups');
  const server = await startEmbeddedPostgres({ user: 'postgres', password: 'pw' });
  // Interrupted: stop the PostgreSQL server and remove the temporary trees before leaving.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void server.stop().finally(() => {
        dir.remove();
        before?.remove();
        process.exit(130);
      });
    });
  }
  try {
    const results = new Map<string, Record<string, unknown>>();
    const put = (tree: Tree, key: string, value: unknown) => {
      const r = results.get(tree.label) ?? {};
      r[key] = value;
      results.set(tree.label, r);
    };
    log(`${cpus().length} cores; trees: ${trees.map((t) => t.label).join(', ')}`);

    log('engine floor: in-process send → result()');
    const engine =
      ROWS.has('answer') || ROWS.has('fanout')
        ? await measure<Burst & { burstP50: number }>(after, [
            'engine-resume',
            String(SIZES.engineResumes),
            String(SIZES.fanout),
          ])
        : undefined;
    for (const tree of trees) {
      if (ROWS.has('answer')) {
        log(`${tree.label}: ${SIZES.answers} refunds answered over HTTP`);
        put(tree, 'answer', await measure<Latency>(tree, ['answer', String(SIZES.answers)]));
      }
      if (ROWS.has('fanout')) {
        log(`${tree.label}: ${SIZES.fanout} SSE clients woken at once`);
        put(tree, 'fanout', await measure<Latency>(tree, ['fanout', String(SIZES.fanout)]));
      }
      if (ROWS.has('pg')) {
        log(`${tree.label}: PostgreSQL resumes across processes`);
        const url = await createDatabase(server.url, `heed_wake_${trees.indexOf(tree)}`);
        put(tree, 'pg', await measure<Burst>(tree, ['pg-resume', url, String(SIZES.pgResumes), String(SIZES.pgBurst)]));
      }
    }
    log('PostgreSQL, one process (worker and sender)');
    const pgLocal = ROWS.has('pg')
      ? await measure<Burst>(after, [
          'pg-resume',
          await createDatabase(server.url, 'heed_wake_local'),
          String(SIZES.pgResumes),
          String(SIZES.pgBurst),
          'local',
        ])
      : undefined;

    const full = join(dir.path, 'full.db');
    const empty = join(dir.path, 'empty.db');
    if (ROWS.has('restart')) {
      log(`filling a SQLite file with ${fmt(SIZES.waiting)} waiting runs`);
      await measure(after, ['fill', full, String(SIZES.waiting)]);
      await measure(after, ['fill', empty, '1']);
    }
    const restarts = new Map<string, Restart[]>();
    for (let i = 0; ROWS.has('restart') && i < SIZES.restarts; i++) {
      for (const tree of trees) {
        const r = await measure<Restart>(tree, ['restart', full, `wait-${i * trees.length + trees.indexOf(tree)}`]);
        if (r) restarts.set(tree.label, [...(restarts.get(tree.label) ?? []), r]);
      }
    }
    const emptyRestart = ROWS.has('restart') ? await measure<Restart>(after, ['restart', empty, 'wait-0']) : undefined;

    log('DBOS Transact wait/resume');
    const dbosResult = ROWS.has('pg') ? await dbos(server.port) : { note: 'not measured' };

    const cell = (tree: Tree, key: string, pick: (v: never) => number | undefined) => {
      const value = results.get(tree.label)?.[key];
      return value === undefined ? '-' : ms(pick(value as never));
    };
    const restartOf = (tree: Tree) => {
      const list = restarts.get(tree.label) ?? [];
      return list.length === 0
        ? '-'
        : `${ms(median(list.map((r) => r.readyMs)))} (start ${ms(median(list.map((r) => r.startMs)))})`;
    };
    const headers = [
      'measure',
      'aim',
      ...trees.map((t) => `Heed ${t.label}`),
      "engine's own (same run)",
      'DBOS Transact',
    ];
    const rows = [
      ROWS.has('answer') && [
        'a person answers over HTTP → run ends → SSE subscriber hears it, p50 (demo refund)',
        '≤ 5 ms',
        ...trees.map((t) => cell(t, 'answer', (v: Latency) => v.p50)),
        `${ms(engine?.p50)} (in-process send → result())`,
        '-',
      ],
      ROWS.has('fanout') && [
        `${fmt(SIZES.fanout)} SSE subscribers woken at once, message sent → run.succeeded heard, p50`,
        '≤ 20 ms',
        ...trees.map((t) => cell(t, 'fanout', (v: Latency) => v.p50)),
        `${ms(engine?.burstP50)} (${fmt(SIZES.fanout)} in-process sends → result(), p50)`,
        '-',
      ],
      ROWS.has('pg') && [
        `PostgreSQL: one resume across processes p50 / ${fmt(SIZES.pgBurst)} resumes at once`,
        '≤ 3 ms / ≤ 0.5 s',
        ...trees.map((t) => {
          const v = results.get(t.label)?.pg as Burst | undefined;
          return v ? `${ms(v.p50)} / ${ms(v.burstMs)}` : '-';
        }),
        pgLocal ? `${ms(pgLocal.p50)} / ${ms(pgLocal.burstMs)} (worker and sender in one process)` : '-',
        dbosResult.p50 !== undefined
          ? `${ms(dbosResult.p50)} / ${ms(dbosResult.burstMs)} (in one process)`
          : (dbosResult.note ?? '-'),
      ],
      ROWS.has('restart') && [
        `restart-to-ready with ${fmt(SIZES.waiting)} runs waiting (start + first resume), median of ${SIZES.restarts}`,
        '≤ 10 ms',
        ...trees.map(restartOf),
        `${ms(emptyRestart?.readyMs)} (an empty store)`,
        '-',
      ],
    ];
    process.stdout.write(
      [
        '# Heed wake-up benchmark',
        '',
        `Node ${process.version}; ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}; BENCH_SCALE=${SCALE}; SQLite durability full; one embedded PostgreSQL for Heed and DBOS.`,
        '',
        table(
          headers,
          rows.filter((row): row is string[] => row !== false),
        ),
        '',
      ].join('\n'),
    );
  } finally {
    await server.stop();
    dir.remove();
    before?.remove();
  }
}

await main();
