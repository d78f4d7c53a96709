import { describe, expect, it } from 'vitest';
import { buttonPress, harness, must } from './harness.ts';

/** Alice leads the team; Bob is finance. The policy runs them in that order. */
const STAGED = {
  policies: [
    {
      name: 'big-refunds',
      match: { tool: 'refund' },
      stages: [
        { name: 'team lead', approvers: ['user:alice'] },
        { name: 'finance', approvers: ['user:bob'] },
      ],
    },
  ],
};

describe('channels: a staged approval', () => {
  it('reaches each stage in its turn, by email and Slack, saying which stage it is and who approved before', async () => {
    const h = await harness({ heed: STAGED });
    const smtp = must(h.smtp);
    const slack = must(h.slack);
    const task = await h.heed.tasks.create({
      type: 'approval',
      title: 'Refund order #1234?',
      action: { tool: 'refund', args: { order: 1234, amount: 12_000 } },
      requester: 'user:carol',
    });
    await h.until(
      'the first stage notified',
      () => slack.inChannel('DU0ALICE').length === 1 && smtp.mails.length === 1,
    );
    expect(smtp.mails.map((m) => m.to && JSON.stringify(m.to))).toEqual([expect.stringContaining('alice@example.com')]);
    expect(smtp.mails[0]?.text).toContain('Stage: Stage 1 of 2 (team lead)');
    expect(slack.inChannel('DU0BOB')).toEqual([]);

    // Alice approves with the Slack button: stage 2 (Bob) is asked, and told who approved stage 1.
    const response = await h.interact(buttonPress('U0ALICE', must(slack.inChannel('DU0ALICE')[0]), 'approve'));
    expect(response.status).toBe(200);
    await h.until('the second stage notified', () => slack.inChannel('DU0BOB').length === 1 && smtp.mails.length === 2);
    const mail = must(smtp.mails[1]);
    expect(JSON.stringify(mail.to)).toContain('bob@example.com');
    expect(mail.subject).toBe('Your turn: Refund order #1234?');
    expect(mail.text).toContain('Stage: Stage 2 of 2 (finance); stage 1 (team lead) approved by Alice Doe');
    expect(JSON.stringify(slack.inChannel('DU0BOB')[0]?.blocks)).toContain(
      'Stage 2 of 2 (finance); stage 1 (team lead) approved by Alice Doe',
    );
    expect((await h.heed.tasks.get(task.id))?.status).toBe('pending');

    const last = await h.interact(buttonPress('U0BOB', must(slack.inChannel('DU0BOB')[0]), 'approve'));
    expect(last.status).toBe(200);
    const done = await h.until('the decision', async () => {
      const t = await h.heed.tasks.get(task.id);
      return t?.status === 'resolved' ? t : undefined;
    });
    expect(done.result).toMatchObject({ outcome: 'approve', by: 'user:bob', via: 'slack' });
    expect(done.stages?.map((s) => s.approvedBy)).toEqual([['user:alice'], ['user:bob']]);
  });
});
