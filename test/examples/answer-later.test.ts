import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { childOutput } from '../cli/child-output.ts';
import { tempDir } from '../helpers.ts';
import { runExample } from './run-example.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

describe('examples answered later, as they say', () => {
  it('says how to answer on its own store, and following it resumes the run in the server it names', async () => {
    const db = join(tempDir(), 'banking.db');
    const waiting = await runExample('banking/main.ts', ['Transfer $150 to Alice'], db, '');
    expect(waiting.code).toBe(0);
    expect(waiting.out).toContain('no answer given');
    const taskId = /npx heed respond (\S+) approve --as user:you --url http:\/\/127\.0\.0\.1:4001/.exec(
      waiting.out,
    )?.[1] as string;
    const runId = /localhost:4001\/v1\/runs\/(\S+)/.exec(waiting.out)?.[1] as string;
    expect(taskId).toBeDefined();
    expect(runId).toBeDefined();
    // The server it names serves that store with the demo workflows, this agent among them.
    expect(waiting.out).toContain(`npx heed serve --db ${db} --port 4001\n`);
    expect(waiting.out).toContain(`http://127.0.0.1:4001/#/task/${encodeURIComponent(taskId)} signed in as user:you`);
    const server = spawn(process.execPath, [MAIN, 'serve', '--db', db, '--port', '0'], {
      env: { ...process.env, NO_COLOR: '1', OPENAI_API_KEY: '', HEED_MODEL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const printed = childOutput(server);
    try {
      await printed.waitFor('is serving on');
      const url = /is serving on (\S+)/.exec(printed.text())?.[1] as string;
      const answered = await fetch(`${url}/v1/tasks/${encodeURIComponent(taskId)}/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-heed-principal': 'user:you', 'x-heed-via': 'cli' },
        body: JSON.stringify({ outcome: 'approve' }),
      });
      expect(answered.status).toBe(200);
      // The server resumes the run: the agent's reply is where the example said.
      await vi.waitFor(
        async () => {
          const run = await (await fetch(`${url}/v1/runs/${encodeURIComponent(runId)}`)).json();
          expect(run).toMatchObject({
            status: 'succeeded',
            output: { reply: expect.stringContaining('Transferred $150 to Alice') },
          });
        },
        { timeout: 20_000, interval: 100 },
      );
    } finally {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('close', resolve));
    }
  }, 120_000);

  it('async-approval, for real, says how to answer it from another terminal, and doing so ends its wait', async () => {
    const db = join(tempDir(), 'async.db');
    const example = spawn(
      process.execPath,
      [join(import.meta.dirname, '..', '..', 'examples', 'async-approval', 'main.ts')],
      {
        env: { ...process.env, HEED_EXAMPLE_DB: db, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const waiting = childOutput(example);
    try {
      await waiting.waitFor('--url http://127.0.0.1:4001');
      expect(waiting.text()).toContain('deadline +480m');
      expect(waiting.text()).toContain(`npx heed serve --db ${db} --port 4001 --no-demo`);
      const taskId = /npx heed respond (\S+) approve --as user:analyst-lead --url/.exec(waiting.text())?.[1] as string;
      const server = spawn(process.execPath, [MAIN, 'serve', '--db', db, '--port', '0', '--no-demo'], {
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const printed = childOutput(server);
      try {
        await printed.waitFor('is serving on');
        const url = /is serving on (\S+)/.exec(printed.text())?.[1] as string;
        const answered = await fetch(`${url}/v1/tasks/${encodeURIComponent(taskId)}/responses`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-heed-principal': 'user:analyst-lead', 'x-heed-via': 'cli' },
          body: JSON.stringify({ outcome: 'approve' }),
        });
        expect(answered.status).toBe(200);
        // The waiting example hears it and prints the outcome, as it said.
        await waiting.waitFor('resumed: {"outcome":"approve","by":"user:analyst-lead"');
      } finally {
        server.kill('SIGTERM');
        await new Promise((resolve) => server.once('close', resolve));
      }
    } finally {
      example.kill('SIGTERM');
    }
  }, 120_000);
});
