/**
 * A Heed worker process for the crash tests, killed with SIGKILL at chosen moments.
 *
 * Usage: `node fixture-worker.ts <dbPath> <workDir> [--block=<step>]`
 *
 * - Prints `READY <pid>` on stdout once `heed.start()` resolved.
 * - Reads commands on stdin, one a line: `start <workflow> <runId> <input JSON>` (answers
 *   `STARTED <runId>`). Exits when stdin closes, so a crashed test never leaves it behind.
 * - Every step body appends a `begin` line to `<workDir>/effects.jsonl` when it starts and an
 *   `effect` line just before it returns (both synchronous, so durable before anything else
 *   happens), and prints `STEP-BEGIN <runId> <step> <attempt>` / `STEP-END <runId> <step>`.
 * - `--block=<step>`: in this process, `pipeline` steps named `<step>` never return.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Heed, type StepContext, type WorkflowContext } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite.ts';
import type { EffectKind, EffectLine } from './effects.ts';

const [dbPath, workDir, ...flags] = process.argv.slice(2);
if (!dbPath || !workDir) {
  process.stderr.write('usage: fixture-worker.ts <dbPath> <workDir> [--block=<step>]\n');
  process.exit(2);
}
const blocked = new Set(flags.filter((f) => f.startsWith('--block=')).map((f) => f.slice('--block='.length)));
const effectsPath = join(workDir, 'effects.jsonl');

/** Writes one protocol line to stdout synchronously, so it is out before any later SIGKILL. */
function say(line: string): void {
  writeFileSync(1, `${line}\n`);
}

/** Appends one line to the side-effect log (synchronous: on disk before the step goes on). */
function record(kind: EffectKind, runId: string, step: string, info: StepContext, data?: unknown): void {
  const line: EffectLine = {
    kind,
    runId,
    step,
    key: info.idempotencyKey,
    attempt: info.attempt,
    pid: process.pid,
    data,
  };
  appendFileSync(effectsPath, `${JSON.stringify(line)}\n`);
}

/** A promise that never settles: the step hangs until the process dies. */
function forever(): Promise<never> {
  return new Promise<never>(() => {});
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A step body that logs `begin`, runs `work`, logs `effect` with its result and returns it.
 * `work` may block or crash the process.
 */
function tracked<T>(runId: string, step: string, work: (info: StepContext) => Promise<T> | T) {
  return async (info: StepContext): Promise<T> => {
    record('begin', runId, step, info);
    say(`STEP-BEGIN ${runId} ${step} ${info.attempt}`);
    const value = await work(info);
    record('effect', runId, step, info, value);
    say(`STEP-END ${runId} ${step}`);
    return value;
  };
}

/** `ctx.step(step, …)` with a {@link tracked} body. */
function trackedStep<T>(ctx: WorkflowContext, step: string, work: (info: StepContext) => Promise<T> | T): Promise<T> {
  return ctx.step(step, tracked(ctx.runId, step, work));
}

const heed = new Heed({
  store: new SqliteStore(dbPath),
  lease: '1s',
  pollInterval: '100ms',
  onError: (error) => process.stderr.write(`ERROR ${error instanceof Error ? error.stack : String(error)}\n`),
});

/** Three chained steps; each result feeds the next, so replayed values are visible in the output. */
heed.workflow('pipeline', async (ctx, input: { x: number; delayMs?: number }) => {
  const body = (step: string, prev: string) =>
    tracked(ctx.runId, step, async () => {
      if (blocked.has(step)) await forever();
      if (input.delayMs) await delay(input.delayMs);
      return `${prev}>${step}${input.x}`;
    });
  const a = await ctx.step('a', body('a', 'start'));
  const b = await ctx.step('b', body('b', a));
  return ctx.step('c', body('c', b));
});

/** The middle step crashes the process right after its side effect, the first time only. */
heed.workflow('crashy', async (ctx) => {
  const marker = join(workDir, `crashed-${ctx.runId}`);
  await trackedStep(ctx, 'reserve', () => 'reserved');
  const charged = await ctx.step('charge', (info) => {
    record('begin', ctx.runId, 'charge', info);
    say(`STEP-BEGIN ${ctx.runId} charge ${info.attempt}`);
    // The side effect (a charge, keyed by the idempotency key), durable before anything else.
    record('effect', ctx.runId, 'charge', info, info.idempotencyKey);
    if (!existsSync(marker)) {
      writeFileSync(marker, String(process.pid));
      say(`CRASHING ${ctx.runId}`);
      process.kill(process.pid, 'SIGKILL');
      return forever();
    }
    say(`STEP-END ${ctx.runId} charge`);
    return info.idempotencyKey;
  });
  await trackedStep(ctx, 'notify', () => 'notified');
  return { charged };
});

/** Waits for a message; a second, short `recv` shows that no duplicate was delivered. */
heed.workflow('inbox', async (ctx) => {
  await trackedStep(ctx, 'prepare', () => 'prepared');
  const reply = await ctx.recv<{ text: string }>('reply');
  const extra = await ctx.recv('reply', { timeout: '300ms' });
  const handled = await trackedStep(ctx, 'handle', () => `handled ${reply?.text}`);
  return { reply, extra, handled };
});

/** Durably sleeps two seconds between two steps. */
heed.workflow('napper', async (ctx) => {
  await trackedStep(ctx, 'before', () => 'before');
  await ctx.sleep('2s');
  const woke = await trackedStep(ctx, 'after', () => 'after');
  return { woke };
});

/** Waits for the reply event of its ticket. */
heed.workflow('ticket', async (ctx, input: { ticketId: string }) => {
  await trackedStep(ctx, 'open', () => input.ticketId);
  const event = await ctx.waitForEvent<{ ticketId: string; answer: string }>('ticket.reply', {
    match: { ticketId: input.ticketId },
  });
  await trackedStep(ctx, 'close', () => event?.data.answer);
  return { name: event?.name, data: event?.data };
});

await heed.start();

const commands = createInterface({ input: process.stdin });
commands.on('line', (line) => {
  const [command, workflow, runId, ...rest] = line.split(' ');
  if (command !== 'start' || !workflow || !runId) {
    process.stderr.write(`ERROR unknown command: ${line}\n`);
    return;
  }
  const input: unknown = rest.length > 0 ? JSON.parse(rest.join(' ')) : undefined;
  heed.startWorkflow(workflow, input, { id: runId }).then(
    () => say(`STARTED ${runId}`),
    (error: unknown) => process.stderr.write(`ERROR start ${runId}: ${String(error)}\n`),
  );
});
commands.on('close', () => process.exit(0));

say(`READY ${process.pid}`);
