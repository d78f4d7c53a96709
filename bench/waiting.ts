/**
 * Child process of `bench/engine.ts` (run with `--expose-gc`): memory held per waiting run, and
 * restart-to-ready with all of them waiting. Prints one JSON line ({@link WaitingResult}).
 *
 * Usage: node --expose-gc bench/waiting.ts <db path> <runs>
 */
import { Heed, SystemClock } from '../src/index.ts';
import { SqliteStore } from '../src/sqlite.ts';
import { countByStatus, DURABILITY, gc, nowMs, pool, timed } from './util.ts';

export interface Memory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
}

export interface WaitingResult {
  runs: number;
  gcExposed: boolean;
  createMs: number;
  /** Before creating any waiting run, after GC. */
  before: Memory;
  /** With half of them waiting, after GC (for the marginal cost between half and all). */
  half: Memory & { runs: number };
  /** With all of them waiting, after GC. */
  after: Memory;
  waitingCounted: number;
  stopMs: number;
  startMs: number;
  firstResumeMs: number;
  secondResumeMs: number;
}

const BATCH = 1_000;
const START_CONCURRENCY = 100;

/** Memory after a full GC. */
function memory(): Memory {
  gc();
  const { rss, heapUsed, heapTotal } = process.memoryUsage();
  return { rss, heapUsed, heapTotal };
}

function waiterWorkflow(heed: Heed) {
  return heed.workflow('waiter', async (ctx) => {
    const message = await ctx.recv<number>('go');
    return message;
  });
}

/**
 * `--fresh <db path>`: what a worker process that just started holds, with whatever is waiting in
 * the file: start the engine, resume one run to prove it serves, GC, print memory as JSON.
 */
async function fresh(dbPath: string): Promise<void> {
  const heed = new Heed({
    store: new SqliteStore(dbPath, { durability: DURABILITY }),
    clock: new SystemClock(),
    concurrency: 64,
  });
  const waiter = waiterWorkflow(heed);
  await heed.start();
  const probe = await waiter.start(null, { id: `probe-${process.pid}` });
  await heed.idle();
  await heed.send(probe.id, 'go', 1);
  await probe.result();
  const m = memory();
  await heed.stop();
  process.stdout.write(`${JSON.stringify(m)}\n`);
}

async function main(): Promise<void> {
  if (process.argv[2] === '--fresh') return fresh(process.argv[3] as string);
  const [dbPath, runsArg] = process.argv.slice(2);
  if (!dbPath || !runsArg) throw new Error('usage: waiting.ts <db path> <runs>');
  const runs = Number(runsArg);

  let heed = new Heed({
    store: new SqliteStore(dbPath, { durability: DURABILITY }),
    clock: new SystemClock(),
    concurrency: 64,
  });
  let waiter = waiterWorkflow(heed);
  await heed.start();

  // Warm-up: prepare every statement and JIT the hot paths with runs that then finish.
  const warm = Array.from({ length: 200 }, (_, i) => `warm-${i}`);
  await Promise.all(warm.map((id) => waiter.start(null, { id })));
  await heed.idle();
  await Promise.all(warm.map((id) => heed.send(id, 'go', 0)));
  await heed.idle();

  const m0 = memory();
  let half: WaitingResult['half'] | undefined;

  const ids = Array.from({ length: runs }, (_, i) => `wait-${i}`);
  const create = await timed(async () => {
    for (let offset = 0; offset < runs; offset += BATCH) {
      const batch = ids.slice(offset, offset + BATCH);
      await pool(batch.length, START_CONCURRENCY, (i) => waiter.start(null, { id: batch[i] as string }));
      await heed.idle();
      const done = Math.min(runs, offset + BATCH);
      if (!half && done >= runs / 2) half = { ...memory(), runs: done };
    }
  });
  const m1 = memory();
  const waitingCounted = countByStatus(dbPath).waiting ?? 0;

  // Restart: a new engine on the same file with every run still waiting.
  const stop = await timed(() => heed.stop());
  heed = new Heed({
    store: new SqliteStore(dbPath, { durability: DURABILITY }),
    clock: new SystemClock(),
    concurrency: 64,
  });
  waiter = waiterWorkflow(heed);
  const start = await timed(() => heed.start());
  const resumeOne = async (id: string) => {
    const t0 = nowMs();
    await heed.send(id, 'go', 1);
    await waiter.handle(id).result();
    return nowMs() - t0;
  };
  const firstResumeMs = await resumeOne(ids[Math.floor(runs / 2)] as string);
  const secondResumeMs = await resumeOne(ids[Math.floor(runs / 3)] as string);
  await heed.stop();

  const result: WaitingResult = {
    runs,
    gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
    createMs: create.ms,
    before: m0,
    half: half ?? { ...m1, runs },
    after: m1,
    waitingCounted,
    stopMs: stop.ms,
    startMs: start.ms,
    firstResumeMs,
    secondResumeMs,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
