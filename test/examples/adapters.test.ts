import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Heed } from '../../src/index.ts';
import { startServer } from '../../src/server/serve.ts';
import { SqliteStore } from '../../src/sqlite.ts';
import { tempDir } from '../helpers.ts';
import { runExample } from './run-example.ts';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

describe.each([
  { example: 'langgraph', speaker: 'graph' },
  { example: 'mastra', speaker: 'workflow' },
])('examples/$example: a refund approved in Heed, offline', ({ example, speaker }) => {
  it('approves at the prompt; rejects with a reason; or leaves it waiting, is answered with `heed respond` over HTTP, and resumes in a later process', async () => {
    const dir = tempDir();
    const script = `${example}/main.ts`;
    const approved = await runExample(script, ['A-17', '150'], join(dir, 'a.db'), 'approve\n\n');
    expect(approved.code).toBe(0);
    expect(approved.out).toContain('? Refund A-17 ($150.00)?');
    expect(approved.out).toContain(`${speaker}: refunded $150.00 (approved by user:you)`);
    expect(approved.out).toContain(`${speaker}: customer told about order A-17`);

    const rejected = await runExample(script, ['B-2', '20'], join(dir, 'b.db'), 'reject\nalready refunded\n');
    expect(rejected.out).toContain(
      `${speaker}: not refunded. This tool call was rejected by user:you: already refunded`,
    );
    expect(rejected.out).not.toContain('refunded $20.00');

    const db = join(dir, 'c.db');
    const waiting = await runExample(script, ['C-3', '40'], db, '');
    expect(waiting.code).toBe(0);
    expect(waiting.out).toContain('no answer given');
    expect(waiting.out).toContain(`then run this again with no arguments: npm run example -- ${example}`);
    // Meanwhile, with no example process running, someone answers from the CLI against an inbox on the store…
    const heed = new Heed({ store: new SqliteStore(db) });
    const server = await startServer(heed, { port: 0 });
    try {
      const [task] = (await heed.tasks.list({ status: 'pending' })).items;
      expect(task).toMatchObject({ action: { tool: 'refund', args: { order: 'C-3', cents: 4000 } } });
      expect(waiting.out).toContain(`npx heed respond ${task?.id} approve --as user:you`);
      // Asynchronously: the server answering it runs in this process.
      const said = await promisify(execFile)(process.execPath, [
        CLI,
        'respond',
        task?.id ?? '',
        'approve',
        '--as',
        'user:you',
        '--url',
        server.url,
      ]);
      expect(said.stdout).toContain('resolved (approve by user:you)');
    } finally {
      await server.close();
      await heed.stop();
    }
    // …and the example, run again with no arguments, resumes the run from the store.
    const resumed = await runExample(script, [], db, '');
    expect(resumed.out).toContain(`${speaker}: refunded $40.00 (approved by user:you)`);
    expect(resumed.out).not.toContain('? Refund');
  }, 120_000);
});
