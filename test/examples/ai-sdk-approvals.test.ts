import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { childOutput } from '../cli/child-output.ts';
import { tempDir } from '../helpers.ts';
import { runExample } from './run-example.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

describe('examples/ai-sdk-approvals: an app with its own streamText loop, approvals in Heed', () => {
  it('approves at the prompt; rejects with a reason; or leaves the approval waiting and picks the conversation up in a later run', async () => {
    const dir = tempDir();
    const approved = await runExample(
      'ai-sdk-approvals/main.ts',
      ['Transfer $150 to Alice'],
      join(dir, 'a.db'),
      'approve\n\n',
    );
    expect(approved.code).toBe(0);
    expect(approved.out).toContain('? Transfer $150 to Alice?');
    expect(approved.out).toContain('agent: Sent $150 to Alice.');

    const rejected = await runExample(
      'ai-sdk-approvals/main.ts',
      ['Transfer $150 to Alice'],
      join(dir, 'b.db'),
      'reject\nToo much\n',
    );
    expect(rejected.out).toContain('agent: I did not do it: Rejected by user:you: Too much.');
    expect(rejected.out).not.toContain('Sent $150');

    const db = join(dir, 'c.db');
    const waiting = await runExample('ai-sdk-approvals/main.ts', ['Transfer $150 to Alice'], db, '');
    expect(waiting.out).toContain('no answer given');
    // It says how to answer later, and that is true: an inbox served on the example's store…
    const taskId = /\? Transfer \$150 to Alice\?\s+\(Heed task (\S+)\)/.exec(waiting.out)?.[1] as string;
    expect(waiting.out).toContain(`npx heed serve --db ${db} --port 4001 --no-demo`);
    expect(waiting.out).toContain(`http://127.0.0.1:4001/#/task/${encodeURIComponent(taskId)} signed in as user:you`);
    expect(waiting.out).toContain(`npx heed respond ${taskId} approve --as user:you --url http://127.0.0.1:4001`);
    const server = spawn(process.execPath, [MAIN, 'serve', '--db', db, '--port', '0', '--no-demo'], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const printed = childOutput(server);
    try {
      await printed.waitFor('is serving on');
      const url = /is serving on (\S+)/.exec(printed.text())?.[1] as string;
      // …where user:you answers it as the inbox page does.
      const answered = await fetch(`${url}/v1/tasks/${encodeURIComponent(taskId)}/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-heed-principal': 'user:you', 'x-heed-via': 'inbox' },
        body: JSON.stringify({ outcome: 'approve' }),
      });
      expect(answered.status).toBe(200);
    } finally {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('close', resolve));
    }
    // …and the app, run again, carries on from its saved conversation.
    const resumed = await runExample('ai-sdk-approvals/main.ts', [], db, '');
    expect(resumed.out).toContain('agent: Sent $150 to Alice.');
    expect(resumed.out).not.toContain('? Transfer');
  }, 120_000);
});
