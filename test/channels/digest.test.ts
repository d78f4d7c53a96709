/**
 * The daily digest over real SMTP: at the configured hour each person with pending tasks gets one
 * mail listing them (groups through their members, never one's own request), nobody else does;
 * a day's digest is one durable run (starting it again sends nothing more), and the next day's
 * follows with what still waits.
 */
import { describe, expect, it } from 'vitest';
import { DIGEST_WORKFLOW, digestRunId } from '../../src/channels/digest.ts';
import { harness } from './harness.ts';

describe('the daily digest', () => {
  it('mails each person what waits for them at the hour, once a day', async () => {
    const h = await harness({ slack: false, serve: { digest: { hour: 8 } } });
    const smtp = h.smtp;
    if (!smtp) throw new Error('no smtp');
    const { heed, clock } = h;
    const refund = await heed.tasks.create({ type: 'approval', title: 'Refund $40?', assignees: ['user:alice'] });
    const deploy = await heed.tasks.create({
      type: 'approval',
      title: 'Deploy eu-west?',
      assignees: ['group:approvers'],
    });
    // Bob's own request waits for Alice, not for him.
    await heed.tasks.create({
      type: 'approval',
      title: 'Bob wants a day off',
      assignees: ['user:alice', 'user:bob'],
      requester: 'user:bob',
    });
    await heed.idle();
    const notices = smtp.mails.length;
    // The virtual clock starts at 2026-01-01 00:00 UTC: nothing before 08:00.
    await clock.advance('7h');
    await heed.idle();
    expect(smtp.mails.length).toBe(notices);
    expect((await heed.handle(digestRunId('2026-01-01')).info())?.status).toBe('waiting');

    await clock.advance('1h');
    await h.until('the digests', () => smtp.to('carol@example.com').some((m) => m.subject?.includes('wait')));
    await h.until('the run', async () => (await heed.handle(digestRunId('2026-01-01')).info())?.status === 'succeeded');
    const digests = (address: string) => smtp.to(address).filter((m) => m.subject?.includes('for you'));
    const [alice] = digests('alice@example.com');
    expect(alice?.subject).toBe('3 requests wait for you');
    expect(alice?.text).toContain('Good morning Alice Doe');
    expect(alice?.text).toContain('Refund $40?');
    expect(alice?.text).toContain(`/#/task/${refund.id}`);
    expect(alice?.text).toContain('Bob wants a day off');
    expect(digests('carol@example.com').map((m) => m.subject)).toEqual(['1 request waits for you']);
    expect(digests('carol@example.com')[0]?.text).toContain('Deploy eu-west?');
    expect(digests('bob@example.com')).toEqual([]);
    const run = await heed.handle(digestRunId('2026-01-01')).result();
    expect(run).toEqual({ sent: 2 });

    // Starting the day's digest again (another process, a restart) is the same run: no new mail.
    await heed.startWorkflow(DIGEST_WORKFLOW, { day: '2026-01-01', at: 0 }, { id: digestRunId('2026-01-01') });
    await heed.idle();
    expect(digests('alice@example.com')).toHaveLength(1);

    // The next day: only what still waits.
    await heed.tasks.respond(deploy.id, { outcome: 'approve' }, { principal: 'user:carol', via: 'email' });
    await heed.tasks.respond(refund.id, { outcome: 'approve' }, { principal: 'user:alice', via: 'email' });
    await clock.advance('24h');
    await h.until('the second digest', () => digests('alice@example.com').length === 2);
    await h.until('the run', async () => (await heed.handle(digestRunId('2026-01-02')).info())?.status === 'succeeded');
    expect(digests('alice@example.com')[1]?.subject).toBe('1 request waits for you');
    expect(digests('carol@example.com')).toHaveLength(1);
    expect((await heed.handle(digestRunId('2026-01-03')).info())?.status).toBe('waiting');
  });
});
