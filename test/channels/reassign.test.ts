import { describe, expect, it } from 'vitest';
import { buttonPress, harness, must } from './harness.ts';

describe('channels: a reassigned task', () => {
  it('closes the old person’s Slack copy, saying who it went to and why, and tells the new person by email and Slack', async () => {
    const h = await harness({ heed: { policies: [{ name: 'apps', callerAssigns: true }] } });
    const smtp = must(h.smtp);
    const slack = must(h.slack);
    const task = await h.heed.tasks.create({
      type: 'approval',
      title: 'Deploy to eu-west?',
      assignees: ['user:alice'],
      requester: 'user:carol',
    });
    await h.until('alice notified', () => slack.inChannel('DU0ALICE').length === 1 && smtp.mails.length === 1);
    await h.heed.tasks.reassign(task.id, { to: ['user:bob'], reason: 'Bob owns eu-west' }, { principal: 'user:alice' });
    await h.until('bob notified', () => slack.inChannel('DU0BOB').length === 1 && smtp.mails.length === 2);
    const alices = must(slack.inChannel('DU0ALICE')[0]);
    await h.until('alice’s copy closed', () => alices.updates > 0);
    expect(alices.text).toBe('Deploy to eu-west?: Handed to Bob Roe by Alice Doe: Bob owns eu-west');
    expect(JSON.stringify(alices.blocks)).not.toContain('"type":"button"');
    const bobs = must(slack.inChannel('DU0BOB')[0]);
    expect(JSON.stringify(bobs.blocks)).toContain('This was handed to you');
    expect(smtp.mails[1]?.subject).toBe('Handed to you: Deploy to eu-west?');
    // Bob answers with his button: the task ends, and his copy closes too.
    const response = await h.interact(buttonPress('U0BOB', bobs, 'approve'));
    expect(response.status).toBe(200);
    await h.until('ended', async () => (await h.heed.tasks.get(task.id))?.status === 'resolved');
    expect((await h.heed.tasks.get(task.id))?.result).toMatchObject({
      outcome: 'approve',
      by: 'user:bob',
      via: 'slack',
    });
  });
});
