/**
 * Child process of `bench/wakeups.ts`: one measure, on the Heed tree this file sits in (the
 * parent copies it into a checkout of an older commit to measure "before"). Prints one line
 * `RESULT {json}`.
 *
 * Usage: node bench/wakeups-child.ts <measure> [args]
 *   answer <n>                 a person answers the demo refund over HTTP → SSE hears run.succeeded
 *   fanout <n>                 n SSE clients, each following a run, woken at once by HTTP
 *   engine-resume <n> <burst>  in-process floor: heed.send → result(), one at a time and a burst
 *   fill <db> <runs>           a SQLite file with `runs` runs waiting
 *   restart <db> <id>          start on that file + resume run `id` (restart-to-ready)
 *   pg-resume <url> <n> <burst>  PostgreSQL: a `heed worker` process resumes, this one sends
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Heed, SystemClock } from '../src/index.ts';
import { startServer } from '../src/server/serve.ts';
import { SqliteStore } from '../src/sqlite.ts';
import { nowMs, percentile, pool, tempDir } from './util.ts';

const [measure, ...args] = process.argv.slice(2);
const result = (value: unknown) => process.stdout.write(`RESULT ${JSON.stringify(value)}\n`);
const p50 = (values: number[]) => percentile(values, 50);

/** Reads an SSE response until `pattern` matches the text so far; returns the match. */
async function until(reader: ReadableStreamDefaultReader<Uint8Array>, pattern: RegExp, state: { text: string }) {
  const decoder = new TextDecoder();
  for (;;) {
    const match = pattern.exec(state.text);
    if (match) return match;
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before ${pattern}`);
    state.text += decoder.decode(value, { stream: true });
  }
}

async function answer(n: number): Promise<void> {
  const dir = tempDir('wake-answer');
  const heed = new Heed({ store: new SqliteStore(join(dir.path, 'heed.db')) });
  const { registerDemoWorkflows } = await import('../src/demo/workflows.ts');
  registerDemoWorkflows(heed);
  const server = await startServer(heed, { port: 0 });
  const post = async (path: string, body: unknown, principal = 'user:ops') => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-heed-principal': principal },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as { id?: string };
    if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const latencies: number[] = [];
  try {
    for (let i = 0; i < n + 5; i++) {
      // alice asks for her refund; ops approves it (four-eyes: never the one who asked).
      const run = await post(
        '/v1/runs',
        { workflow: 'refund', input: { customer: 'alice', amount: 150 } },
        'user:alice',
      );
      const response = await fetch(`${server.url}/v1/runs/${run.id}/events`, {
        headers: { 'x-heed-principal': 'user:alice' },
      });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const state = { text: '' };
      const created = await until(reader, /event: task\.created\ndata: (.*)\n/, state);
      const taskId = (JSON.parse(created[1] as string) as { data: { taskId: string } }).data.taskId;
      const t0 = nowMs();
      await post(`/v1/tasks/${taskId}/responses`, { outcome: 'approve' });
      await until(reader, /event: run\.succeeded\n/, state);
      if (i >= 5) latencies.push(nowMs() - t0);
      await reader.cancel();
    }
  } finally {
    await server.close();
    dir.remove();
  }
  result({ p50: p50(latencies), p90: percentile(latencies, 90), n });
}

async function fanout(n: number): Promise<void> {
  const dir = tempDir('wake-fanout');
  const heed = new Heed({ store: new SqliteStore(join(dir.path, 'heed.db')) });
  heed.workflow('follow', async (ctx) => {
    await ctx.setStatus('phase', 'waiting');
    const message = await ctx.recv<string>('go');
    await ctx.setStatus('phase', message);
    return message;
  });
  const server = await startServer(heed, { port: 0 });
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  };
  try {
    const ids = Array.from({ length: n }, (_, i) => `follow-${i}`);
    await pool(n, 32, (i) => post('/v1/runs', { workflow: 'follow', id: ids[i] }));
    await heed.idle();
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    let connected = 0;
    const streams = ids.map(async (id) => {
      const response = await fetch(`${server.url}/v1/runs/${id}/events`);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const state = { text: '' };
      connected++;
      await until(reader, /event: status\n/, state);
      await until(reader, /event: run\.succeeded\n/, state);
      latencies.push(nowMs() - (sentAt.get(id) ?? Number.NaN));
      await reader.cancel();
    });
    while (connected < n) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    const t0 = nowMs();
    await pool(n, 32, async (i) => {
      sentAt.set(ids[i] as string, nowMs());
      await post(`/v1/runs/${ids[i]}/messages`, { topic: 'go', message: 'done' });
    });
    await Promise.all(streams);
    result({ p50: p50(latencies), p99: percentile(latencies, 99), allMs: nowMs() - t0, n });
  } finally {
    await server.close();
    dir.remove();
  }
}

async function engineResume(n: number, burst: number): Promise<void> {
  const dir = tempDir('wake-engine');
  const heed = new Heed({ store: new SqliteStore(join(dir.path, 'heed.db')), clock: new SystemClock() });
  const waiter = heed.workflow('waiter', async (ctx) => ctx.recv<number>('go'));
  await heed.start();
  const latencies: number[] = [];
  try {
    for (let i = 0; i < n + 10; i++) {
      const run = await waiter.start(null, { id: `one-${i}` });
      await heed.idle();
      const t0 = nowMs();
      await heed.send(run.id, 'go', i);
      await run.result();
      if (i >= 10) latencies.push(nowMs() - t0);
    }
    const ids = Array.from({ length: burst }, (_, i) => `burst-${i}`);
    await pool(burst, 100, (i) => waiter.start(null, { id: ids[i] as string }));
    await heed.idle();
    const burstLatencies: number[] = [];
    const t0 = nowMs();
    await Promise.all(
      ids.map(async (id, i) => {
        const sent = nowMs();
        await heed.send(id, 'go', i);
        await waiter.handle(id).result();
        burstLatencies.push(nowMs() - sent);
      }),
    );
    result({ p50: p50(latencies), burstMs: nowMs() - t0, burstP50: p50(burstLatencies) });
  } finally {
    await heed.stop({ grace: 0 });
    dir.remove();
  }
}

function waiterOn(heed: Heed) {
  return heed.workflow('waiter', async (ctx) => ctx.recv<number>('go'));
}

async function fill(db: string, runs: number): Promise<void> {
  const heed = new Heed({ store: new SqliteStore(db), clock: new SystemClock(), concurrency: 64 });
  const waiter = waiterOn(heed);
  await heed.start();
  for (let from = 0; from < runs; from += 1000) {
    await pool(Math.min(1000, runs - from), 100, (k) => waiter.start(null, { id: `wait-${from + k}` }));
    await heed.idle();
  }
  await heed.stop();
  result({ runs });
}

async function restart(db: string, id: string): Promise<void> {
  const t0 = nowMs();
  const heed = new Heed({ store: new SqliteStore(db), clock: new SystemClock(), concurrency: 64 });
  const waiter = waiterOn(heed);
  await heed.start();
  const startMs = nowMs() - t0;
  await heed.send(id, 'go', 1);
  await waiter.handle(id).result();
  const readyMs = nowMs() - t0;
  await heed.stop();
  result({ startMs, readyMs });
}

/** `local`: this process executes the runs too (no worker process): the engine's own figure. */
async function pgResume(url: string, n: number, burst: number, local: boolean): Promise<void> {
  const { PostgresStore } = await import('../src/postgres.ts');
  const cli = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');
  const workflows = join(import.meta.dirname, 'pg-workflows.ts');
  let worker: ChildProcess | undefined;
  if (!local) {
    const child = spawn(
      process.execPath,
      [cli, 'worker', '--postgres', url, '--no-demo', '--import', workflows, '--concurrency', '64'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    worker = child;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('executing runs')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`heed worker exited (${code}): ${out}`)));
    });
  }
  const store = new PostgresStore(url, { poolSize: 16 });
  const heed = new Heed({ store });
  if (local) {
    waiterOn(heed);
    await heed.start();
  } else {
    heed.workflow('waiter', async () => 0);
    heed.workflow('three', async () => 0);
    await heed.ready();
  }
  // Ends are pushed (LISTEN/NOTIFY): each run event wakes the check of its run.
  const checks = new Map<string, () => void>();
  const unsubscribe = store.changes.subscribe((change) => {
    if (change.kind === 'run-event') checks.get(change.runId)?.();
  });
  const ended = (id: string) =>
    new Promise<void>((resolve) => {
      const check = async () => {
        if ((await store.getRun(id))?.status === 'succeeded') {
          checks.delete(id);
          resolve();
        }
      };
      checks.set(id, () => void check());
      void check();
    });
  const waiting = async (ids: string[]) => {
    for (const id of ids)
      while ((await store.getRun(id))?.status !== 'waiting') await new Promise((r) => setTimeout(r, 5));
  };
  try {
    const latencies: number[] = [];
    for (let i = 0; i < n + 10; i++) {
      const id = `one-${i}`;
      await heed.startWorkflow('waiter', null, { id });
      await waiting([id]);
      const t0 = nowMs();
      const done = ended(id);
      await heed.send(id, 'go', i);
      await done;
      if (i >= 10) latencies.push(nowMs() - t0);
    }
    const ids = Array.from({ length: burst }, (_, i) => `burst-${i}`);
    await pool(burst, 100, (i) => heed.startWorkflow('waiter', null, { id: ids[i] as string }));
    await waiting(ids);
    // The ends of the burst are counted with one query per notification batch (as bench/postgres.ts
    // does), not one read per run: the figure is the engine's, not this process's reads.
    const pgClient = new (await import('pg')).default.Client({ connectionString: url });
    await pgClient.connect();
    const succeeded = async () =>
      Number(
        (
          await pgClient.query<{ n: string }>(
            "SELECT count(*) AS n FROM runs WHERE status = 'succeeded' AND id LIKE 'burst-%'",
          )
        ).rows[0]?.n,
      );
    let wake: () => void = () => {};
    const unsubscribeBurst = store.changes.subscribe(() => wake());
    const t0 = nowMs();
    await Promise.all(ids.map((id, i) => heed.send(id, 'go', i)));
    while ((await succeeded()) < burst) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50);
      });
    }
    const burstMs = nowMs() - t0;
    unsubscribeBurst();
    await pgClient.end();
    result({ p50: p50(latencies), p90: percentile(latencies, 90), burstMs });
  } finally {
    unsubscribe();
    await heed.stop({ grace: 0 });
    worker?.kill('SIGTERM');
  }
}

switch (measure) {
  case 'answer':
    await answer(Number(args[0]));
    break;
  case 'fanout':
    await fanout(Number(args[0]));
    break;
  case 'engine-resume':
    await engineResume(Number(args[0]), Number(args[1]));
    break;
  case 'fill':
    await fill(args[0] as string, Number(args[1]));
    break;
  case 'restart':
    await restart(args[0] as string, args[1] as string);
    break;
  case 'pg-resume':
    await pgResume(args[0] as string, Number(args[1]), Number(args[2]), args[3] === 'local');
    break;
  default:
    throw new Error(`unknown measure ${measure}`);
}
process.exit(0);
