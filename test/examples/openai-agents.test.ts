import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Heed } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite.ts';
import { tempDir } from '../helpers.ts';
import { runExample } from './run-example.ts';

describe('examples/openai-agents: the OpenAI Agents SDK with an offline model, approvals in Heed', () => {
  it('approves at the prompt; rejects with a reason; or leaves the approval waiting and resumes the run in a later process', async () => {
    const dir = tempDir();
    const approved = await runExample(
      'openai-agents/main.ts',
      ['Refund order A-17 ($150): it arrived broken'],
      join(dir, 'a.db'),
      'approve\n\n',
    );
    expect(approved.code).toBe(0);
    expect(approved.out).toContain('model: offline (a local Responses API)');
    expect(approved.out).toContain('? Refund A-17 ($150.00)?');
    expect(approved.out).toContain('agent: Done: refunded $150.00 for order A-17.');

    const rejected = await runExample(
      'openai-agents/main.ts',
      ['Refund order B-2 ($20)'],
      join(dir, 'b.db'),
      'reject\nalready refunded\n',
    );
    expect(rejected.out).toContain('agent: I did not refund it.');
    expect(rejected.out).toContain('already refunded');
    expect(rejected.out).not.toContain('Done: refunded');

    const db = join(dir, 'c.db');
    const waiting = await runExample('openai-agents/main.ts', ['Refund order C-3 ($40)'], db, '');
    expect(waiting.code).toBe(0);
    expect(waiting.out).toContain('no answer given');
    expect(waiting.out).toContain(`npx heed serve --db ${db} --port 4001 --no-demo`);
    // Someone answers meanwhile (the inbox, Slack, `heed respond`), with no agent process running…
    const heed = new Heed({ store: new SqliteStore(db) });
    const [task] = (await heed.tasks.list({ status: 'pending' })).items;
    expect(task).toMatchObject({
      title: 'Refund C-3 ($40.00)?',
      action: { tool: 'refund', args: { order: 'C-3', cents: 4000 } },
    });
    await heed.tasks.respond(task?.id ?? '', { outcome: 'approve' }, { principal: 'user:you', via: 'inbox' });
    await heed.stop();
    // …and the example, run again with no message, resumes the run from its stored RunState.
    const resumed = await runExample('openai-agents/main.ts', [], db, '');
    expect(resumed.out).toContain('agent: Done: refunded $40.00 for order C-3.');
    expect(resumed.out).not.toContain('? Refund');
  }, 120_000);
});
