/**
 * `heed worker --config FILE` (a real child process on a PostgreSQL store) reads the same
 * configuration as `heed serve`: the demo agents it executes ask `demo.approvers`, and the tasks
 * it asks are sent by email (a real SMTP server) like `heed serve`'s.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { registerDemoWorkflows } from '../../src/demo/workflows.ts';
import { Heed } from '../../src/index.ts';
import { PostgresStore } from '../../src/postgres.ts';
import { TestSmtp } from '../channels/smtp.ts';
import { tempDir } from '../helpers.ts';
import { freshDatabase } from './databases.ts';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const children: ChildProcess[] = [];
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const close of closers.splice(0)) await close().catch(() => {});
});

function startWorker(args: string[], ready = /demo approvals go to .*\n/): Promise<string> {
  const child = spawn(process.execPath, [CLI, 'worker', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) resolve(output);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`heed worker exited (${code}):\n${output}`)));
  });
}

it("runs the demo agents with the config's demo.approvers", async () => {
  const url = await freshDatabase();
  const config = join(tempDir(), 'heed.json');
  writeFileSync(config, JSON.stringify({ demo: { approvers: ['user:boss'] } }));
  const output = await startWorker(['--postgres', url, '--config', config, '--concurrency', '4']);
  expect(output).toContain('demo approvals go to user:boss');
  // A client on the same store that executes nothing (never started): the worker runs the refund.
  const client = new Heed({ store: new PostgresStore(url, { poolSize: 2 }) });
  closers.push(() => client.stop({ grace: 0 }));
  registerDemoWorkflows(client);
  await client.startWorkflow('refund', { customer: 'alice', amount: 90 }, { id: 'refund-1' });
  const task = await vi.waitFor(
    async () => {
      const [found] = (await client.tasks.list({ status: 'pending' })).items;
      if (!found) throw new Error('no task yet');
      return found;
    },
    { timeout: 20_000, interval: 200 },
  );
  expect(task.title).toBe('Refund $90 to alice?');
  expect(task.assignees.map((a) => a.principal)).toEqual(['user:boss']);
}, 60_000);

it('sends the email of a task asked on the worker (its channels come from --config)', async () => {
  const smtp = await new TestSmtp().start();
  closers.push(() => smtp.stop());
  const url = await freshDatabase();
  const config = join(tempDir(), 'heed.json');
  writeFileSync(
    config,
    JSON.stringify({
      demo: { approvers: ['user:boss'] },
      people: { 'user:boss': { name: 'Boss', email: 'boss@example.test' } },
      email: { smtp: smtp.url, from: 'Heed <heed@example.test>' },
      publicUrl: 'https://heed.example.test',
    }),
  );
  await startWorker(['--postgres', url, '--config', config, '--concurrency', '4']);
  // The client executes nothing: the worker runs the refund and asks user:boss.
  const client = new Heed({ store: new PostgresStore(url, { poolSize: 2 }) });
  closers.push(() => client.stop({ grace: 0 }));
  registerDemoWorkflows(client);
  await client.startWorkflow('refund', { customer: 'alice', amount: 90 }, { id: 'refund-1' });
  const mail = await vi.waitFor(
    () => {
      const [found] = smtp.to('boss@example.test');
      if (!found) throw new Error('no mail yet');
      return found;
    },
    { timeout: 30_000, interval: 200 },
  );
  expect(mail.subject).toContain('Refund $90 to alice?');
  // Its one-click links point at the configured public URL and carry a signed token.
  expect(mail.text).toMatch(/https:\/\/heed\.example\.test\/t\/\S+/);
}, 60_000);

it('names the workflows it registered from --import, and says where to start them', async () => {
  const url = await freshDatabase();
  const module = join(tempDir(), 'jobs.mjs');
  writeFileSync(
    module,
    "export default function register(heed) {\n  heed.workflow('greet', async () => 'hi');\n  heed.workflow('nightly-report', async () => 'ok');\n}\n",
  );
  const output = await startWorker(['--postgres', url, '--no-demo', '--import', module], /heed serve --import.*\n/);
  expect(output).toContain(`  workflows greet, nightly-report (${module})`);
  expect(output).toContain('start them through a server that registers them too (heed serve --import MODULE)');
}, 60_000);
