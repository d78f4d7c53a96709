/**
 * `npm start`: a durable wait survives a crash. A worker process starts a refund workflow that
 * waits for a person's decision; the demo kills the worker with SIGKILL while it waits, delivers
 * the decision while no process is running, starts a fresh worker, and the run finishes exactly
 * where it stopped: the step before the wait does not run again.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { styleText } from 'node:util';
import { Heed } from '../src/index.ts';
import { SqliteStore } from '../src/sqlite.ts';
import { registerRefundWorkflow } from './demo-workflow.ts';

const dir = join(process.cwd(), '.heed', 'demo');
const dbPath = join(dir, 'demo.db');
const effectsLog = join(dir, 'effects.log');
const workerScript = join(import.meta.dirname, 'worker-process.ts');

const say = (text: string) => console.log(`${styleText('cyan', '▸')} ${text}`);
const show = (label: string, value: unknown) => console.log(`  ${styleText('dim', label)} ${JSON.stringify(value)}`);

function startWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [workerScript, dbPath, effectsLog], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`worker exited early with code ${code}`)));
    child.stdout?.once('data', () => {
      child.removeAllListeners('exit');
      resolve(child);
    });
  });
}

async function until<T>(what: string, read: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
writeFileSync(effectsLog, '');
// The demo's own process is only a client: it registers the workflow (to start it by name) but
// never calls `start()`, so it executes nothing; the worker processes do.
const client = new Heed({ store: new SqliteStore(dbPath) });
registerRefundWorkflow(client, effectsLog);

say(`Heed restart demo on ${styleText('bold', dbPath)}`);
let worker = await startWorker();
say(`worker process ${worker.pid} started`);

const run = await client.startWorkflow(
  'refund-approval',
  { customer: 'alice', amountCents: 15_000 },
  { id: 'refund-1' },
);
const status = await until('the agent to ask for approval', () => client.getStatus(run.id, 'agent'));
say(`run ${run.id} asks a person and waits:`);
show('status', status);
const detail = await client.runs.get(run.id);
show('waiting on', detail?.waitingOn);

worker.kill('SIGKILL');
await new Promise((resolve) => worker.once('exit', resolve));
say(styleText('red', `worker ${worker.pid} killed with SIGKILL while the run waits`));

await client.send(run.id, 'decision', { approved: true, by: 'user:bob' }, { idempotencyKey: 'bob-approves-refund-1' });
await client.send(run.id, 'decision', { approved: true, by: 'user:bob' }, { idempotencyKey: 'bob-approves-refund-1' });
say('bob approved while no process was running (sent twice with one idempotency key: kept once)');

worker = await startWorker();
say(`new worker process ${worker.pid} started`);
const output = await run.result({ timeout: '30s' });
say(styleText('green', 'the run resumed where it stopped and finished:'));
show('output', output);
const effects = readFileSync(effectsLog, 'utf8').trim().split('\n');
say('step bodies that really ran (draft-refund ran once, before the crash):');
for (const line of effects) console.log(`  ${line}`);
const history = (await client.runs.get(run.id))?.history ?? [];
say(`recorded history: ${history.map((h) => `${h.seq}.${h.kind}:${h.name}`).join('  ')}`);

worker.kill('SIGTERM');
await new Promise((resolve) => worker.once('exit', resolve));
await client.stop();
say('done. Run `npm test` for the full suite.');
