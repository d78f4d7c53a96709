// biome-ignore-all lint/suspicious/noExplicitAny: HTTP bodies are arbitrary JSON checked by the assertions
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.ts';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Starts `heed serve --demo` on a free port and resolves with its URL once it listens. */
function serve(db: string, port = 0): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--demo', '--db', db, '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /serving on (http:\/\/\S+)/.exec(out)?.[1];
      if (url) resolve({ child, url });
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`heed serve exited (${code}): ${out}`)));
  });
}

const json = async (response: Response) => ({
  status: response.status,
  body: (await response.json()) as Record<string, any>,
});

// Two `heed serve` processes, one after the other: slow to start on a loaded 2-core machine.
describe('heed serve', { timeout: 120_000 }, () => {
  it('keeps a waiting task across a SIGKILL and finishes the run after a restart', async () => {
    const db = join(tempDir('heed-serve-'), 'heed.db');
    const first = await serve(db);
    const run = await json(
      await fetch(`${first.url}/v1/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ workflow: 'refund', input: { customer: 'alice', amount: 150 }, id: 'refund-1' }),
      }),
    );
    expect(run.status).toBe(201);
    // Until the task is asked and the run waits for it (bounded by the test's timeout, not by a
    // polling budget that two Node processes starting on a loaded machine can exceed).
    let task: Record<string, any> | undefined;
    for (;;) {
      task = (
        await json(await fetch(`${first.url}/v1/tasks?status=pending`, { headers: { 'x-heed-principal': 'user:ops' } }))
      ).body.items[0];
      const waiting = (await json(await fetch(`${first.url}/v1/runs/refund-1`))).body.status === 'waiting';
      if (task && waiting) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(task).toMatchObject({ title: 'Refund $150 to alice?', status: 'pending' });

    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));

    const second = await serve(db);
    const answered = await json(
      await fetch(`${second.url}/v1/tasks/${task?.id}/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-heed-principal': 'user:ops' },
        body: JSON.stringify({ outcome: 'approve' }),
      }),
    );
    expect(answered.status).toBe(200);
    let finished: Record<string, any> | undefined;
    for (;;) {
      finished = (await json(await fetch(`${second.url}/v1/runs/refund-1`))).body;
      if (['succeeded', 'failed', 'cancelled'].includes(finished.status)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(finished).toMatchObject({ status: 'succeeded', output: { refunded: true, approvedBy: 'user:ops' } });

    second.child.kill('SIGTERM');
    expect(await new Promise((resolve) => second.child.once('exit', (code) => resolve(code)))).toBe(0);
  });

  it('refuses to listen beyond loopback without API keys', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'serve', '--host', '0.0.0.0', '--db', join(tempDir('heed-serve-'), 'x.db')],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let err = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(err).toMatch(/without API keys/);
  });
});
