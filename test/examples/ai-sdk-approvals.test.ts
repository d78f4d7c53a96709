import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Heed } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite.ts';
import { tempDir } from '../helpers.ts';
import { runExample } from './run-example.ts';

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
    // Someone answers in Heed meanwhile (the inbox, Slack, `heed respond`)…
    const heed = new Heed({ store: new SqliteStore(db) });
    const [task] = (await heed.tasks.list({ status: 'pending' })).items;
    expect(task?.title).toBe('Transfer $150 to Alice?');
    await heed.tasks.respond(task?.id ?? '', { outcome: 'approve' }, { principal: 'user:you', via: 'inbox' });
    await heed.stop();
    // …and the app, run again, carries on from its saved conversation.
    const resumed = await runExample('ai-sdk-approvals/main.ts', [], db, '');
    expect(resumed.out).toContain('agent: Sent $150 to Alice.');
    expect(resumed.out).not.toContain('? Transfer');
  }, 120_000);
});
