/**
 * Child process of `bench/engine.ts` (run with `--expose-gc`): memory held per waiting run, and
 * restart-to-ready with all of them waiting. Prints one JSON line ({@link WaitingResult}).
 *
 * Usage: node --expose-gc bench/waiting.ts <db path> <runs>
 */
import { Heed, SystemClock } from '../src/index.ts';
import { SqliteStore } from '../src/sqlite.ts';
import { countByStatus, gc, nowMs, pool, timed } from './util.ts';

export interface WaitingResult {
  runs: number;
  gcExposed: boolean;
  createMs: number;
  before: { rss: number; heapUsed: number };
  after: { rss: number; heapUsed: number };
  waitingCounted: number;
  stopMs: number;
  startMs: number;
  firstResumeMs: number;
  secondResumeMs: number;
}

const BATCH = 1_000;
const START_CONCURRENCY = 100;

function waiterWorkflow(heed: Heed) {
  return heed.workflow('waiter', async (ctx) => {
    const message = await ctx.recv<number>('go');
    return message;
  });
}

async function main(): Promise<void> {
  const [dbPath, runsArg] = process.argv.slice(2);
  if (!dbPath || !runsArg) throw new Error('usage: waiting.ts <db path> <runs>');
  const runs = Number(runsArg);

  let heed = new Heed({ store: new SqliteStore(dbPath), clock: new SystemClock(), concurrency: 64 });
  let waiter = waiterWorkflow(heed);
  await heed.start();

  // Warm-up: prepare every statement and JIT the hot paths with runs that then finish.
  const warm = Array.from({ length: 200 }, (_, i) => `warm-${i}`);
  await Promise.all(warm.map((id) => waiter.start(null, { id })));
  await heed.idle();
  await Promise.all(warm.map((id) => heed.send(id, 'go', 0)));
  await heed.idle();

  gc();
  const m0 = process.memoryUsage();

  const ids = Array.from({ length: runs }, (_, i) => `wait-${i}`);
  const create = await timed(async () => {
    for (let offset = 0; offset < runs; offset += BATCH) {
      const batch = ids.slice(offset, offset + BATCH);
      await pool(batch.length, START_CONCURRENCY, (i) => waiter.start(null, { id: batch[i] as string }));
      await heed.idle();
    }
  });

  gc();
  const m1 = process.memoryUsage();
  const waitingCounted = countByStatus(dbPath).waiting ?? 0;

  // Restart: a new engine on the same file with every run still waiting.
  const stop = await timed(() => heed.stop());
  heed = new Heed({ store: new SqliteStore(dbPath), clock: new SystemClock(), concurrency: 64 });
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
    before: { rss: m0.rss, heapUsed: m0.heapUsed },
    after: { rss: m1.rss, heapUsed: m1.heapUsed },
    waitingCounted,
    stopMs: stop.ms,
    startMs: start.ms,
    firstResumeMs,
    secondResumeMs,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
