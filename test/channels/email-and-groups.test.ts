import { describe, expect, it } from 'vitest';
import { buttonPress, harness, must } from './harness.ts';

describe('channels: email, groups and durable retries', () => {
  it('reaches a group: each member by email, and on Slack the group channel, where a member answers as themself', async () => {
    const h = await harness({ slackChannels: { 'group:approvers': 'C0APPROVERS' } });
    const slack = must(h.slack);
    const smtp = must(h.smtp);
    const task = await h.heed.tasks.create({
      type: 'approval',
      title: 'Deploy v2 to production?',
      assignees: ['group:approvers', 'email:ext@partner.example'],
      deadline: '8h',
    });
    await h.until('the notices', () => smtp.mails.length === 3 && slack.messages.length === 1);
    expect(smtp.mails.map((m) => m.to && 'text' in m.to && m.to.text).sort()).toEqual([
      'alice@example.com',
      'carol@example.com',
      'ext@partner.example',
    ]);
    const alice = must(smtp.to('alice@example.com')[0]);
    expect(alice.text).toContain('Also asked: ext@partner.example, the approvers group (group:approvers)');
    expect(alice.html).toMatch(/<a href="http:\/\/127\.0\.0\.1:\d+\/t\/[^"]+"[^>]*>Approve<\/a>/);
    expect(alice.html).toContain('Deadline');
    expect(alice.messageId).toMatch(/^<heed\.[0-9a-f]{32}@example\.com>$/);
    const [posted] = slack.inChannel('C0APPROVERS');
    // A channel message has no personal links: buttons answer as whoever presses them.
    expect(JSON.stringify(posted?.blocks)).not.toContain('/t/');
    expect((await h.interact(buttonPress('U0CAROL', must(posted), 'approve'))).status).toBe(200);
    expect((await h.heed.tasks.get(task.id))?.result).toMatchObject({
      outcome: 'approve',
      by: 'user:carol',
      via: 'slack',
    });
    await h.until('the channel copy closed', () => posted?.updates === 1);
  });

  it('signs links for one person only: a group mailed at its own address is pointed to the inbox', async () => {
    const h = await harness({
      slack: false,
      config: { people: { 'group:ops': { name: 'Ops', email: 'ops@example.com' } }, groups: {} },
    });
    const smtp = must(h.smtp);
    const task = await h.heed.tasks.create({
      type: 'approval',
      title: 'Restart the cluster?',
      assignees: ['group:ops'],
    });
    await h.until('the mail', () => smtp.mails.length === 1);
    const mail = must(smtp.to('ops@example.com')[0]);
    expect(mail.html).not.toContain('/t/');
    expect(mail.text).not.toContain('/t/');
    expect(mail.html).toContain(`/#/task/${task.id}`);
  });

  it("narrows to the task's channels: channels ['email'] sends no Slack message", async () => {
    const h = await harness();
    await h.heed.tasks.create({ type: 'approval', title: 'Email only', assignees: ['user:bob'], channels: ['email'] });
    await h.until('the mail', () => must(h.smtp).mails.length === 1);
    await h.heed.idle();
    expect(must(h.slack).messages).toHaveLength(0);
  });

  it('retries a refused mail with durable backoff, then records it sent once', async () => {
    const h = await harness({ slack: false });
    const smtp = must(h.smtp);
    smtp.refuse = 1;
    const task = await h.heed.tasks.create({ type: 'approval', title: 'Retry me', assignees: ['user:alice'] });
    const key = `${task.id}:created:0:email:alice@example.com`;
    await h.until('the failed first attempt', async () => (await h.heed.deliveries.getDelivery(key))?.error);
    expect(await h.heed.deliveries.getDelivery(key)).toMatchObject({ status: 'pending', attempts: 1 });
    expect(smtp.mails).toHaveLength(0);
    await h.clock.advance('10s');
    await h.until('the second attempt', () => smtp.mails.length === 1);
    await h.until('the record', async () => (await h.heed.deliveries.getDelivery(key))?.status === 'sent');
    expect(await h.heed.deliveries.getDelivery(key)).toMatchObject({ status: 'sent', attempts: 2, error: null });
  });

  it('gives up after its attempts, audits not-notified, and the deadline still decides', async () => {
    const h = await harness({ slack: false });
    const smtp = must(h.smtp);
    smtp.refuse = 1000;
    const task = await h.heed.tasks.create({
      type: 'approval',
      title: 'Nobody can be mailed',
      assignees: ['user:alice'],
      deadline: '1h',
    });
    const key = `${task.id}:created:0:email:alice@example.com`;
    await h.until('the first attempt', async () => (await h.heed.deliveries.getDelivery(key))?.attempts === 1);
    for (const wait of ['10s', '30s', '90s', '270s', '600s']) {
      const before = (await h.heed.deliveries.getDelivery(key))?.attempts ?? 0;
      await h.clock.advance(wait);
      await h.until(
        `the attempt after ${wait}`,
        async () => ((await h.heed.deliveries.getDelivery(key))?.attempts ?? 0) > before,
      );
    }
    await h.until('given up', async () => (await h.heed.deliveries.getDelivery(key))?.status === 'failed');
    const audit = await h.heed.tasks.audit(task.id);
    expect(audit.find((e) => e.action === 'not-notified')).toMatchObject({
      via: 'email',
      detail: { recipient: 'user:alice', address: 'alice@example.com', kind: 'created' },
    });
    expect(await h.heed.metrics.text()).toContain('heed_deliveries_failed_total{channel="email"} 1');
    await h.clock.advance('1h');
    await h.until('the deadline', async () => (await h.heed.tasks.get(task.id))?.status !== 'pending');
    expect((await h.heed.tasks.get(task.id))?.result).toMatchObject({ outcome: 'reject', by: 'system' });
  });
});
