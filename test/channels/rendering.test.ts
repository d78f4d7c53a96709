/**
 * What a person reads on each channel, rendered: the description's Markdown as each channel
 * writes it (HTML in email and on link pages, plain text in text parts, Slack mrkdwn), who asks
 * (by the directory's name), short choices kept readable, where the task really goes, and a
 * notice kept in the outbox said as such.
 */
import { describe, expect, it } from 'vitest';
import { harness, must } from './harness.ts';

const DESCRIPTION = [
  'A **new** region: _eu-west-1_ or [us-east-1](https://example.com/us), not [this](javascript:alert(1)).',
  '',
  '- cheaper',
  '- closer <script>alert(1)</script>',
  '',
  'Run `deploy --region`.',
].join('\n');

describe('notices as people read them', () => {
  it("renders the description's Markdown for each channel, says who asks, and keeps short choices readable", async () => {
    const h = await harness();
    const smtp = must(h.smtp);
    const slack = must(h.slack);
    const task = await h.heed.tasks.create({
      type: 'clarification',
      title: 'Which region for the new build?',
      description: DESCRIPTION,
      outcomes: ['eu', 'us'],
      requester: 'user:carol',
      assignees: ['user:alice'],
    });
    // Where its notices go: every channel this server has, not only the inbox.
    expect(task.channels).toEqual(['inbox', 'email', 'slack']);
    const shown = await fetch(`${h.server.url}/v1/tasks/${task.id}`, { headers: { 'x-heed-principal': 'user:alice' } });
    expect(((await shown.json()) as { channels: string[] }).channels).toEqual(['inbox', 'email', 'slack']);

    await h.until('the notices', () => smtp.mails.length === 1 && slack.messages.length === 1);
    const mail = must(smtp.to('alice@example.com')[0]);
    // Email HTML: Markdown rendered, raw HTML and javascript: links neutralised, as in the inbox.
    expect(mail.html).toContain('<strong>new</strong>');
    expect(mail.html).toContain('<em>eu-west-1</em>');
    expect(mail.html).toContain('href="https://example.com/us">us-east-1</a>');
    expect(mail.html).toContain('<a style="color:#2457d6;" href="#">this</a>');
    expect(mail.html).toContain('<li>closer &lt;script&gt;alert(1)&lt;/script&gt;</li>');
    expect(mail.html).toContain('<code>deploy --region</code>');
    expect(mail.html).not.toContain('**');
    expect(mail.html).toContain('Asked by <strong style="color:#1d2330;">Carol Poe (user:carol)</strong>');
    expect(mail.html).toMatch(/>EU<\/a>/);
    expect(mail.html).toMatch(/>US<\/a>/);
    // Email text: plain text, links spelled out.
    expect(mail.text).toContain('Asked by Carol Poe (user:carol)');
    expect(mail.text).toContain('A new region: eu-west-1 or us-east-1 (https://example.com/us), not this.');
    expect(mail.text).toContain('- cheaper\n- closer <script>alert(1)</script>');
    expect(mail.text).toContain('Run deploy --region.');
    expect(mail.text).not.toMatch(/\*\*|\]\(/);
    expect(mail.text).toMatch(/^EU: http/m);

    // Slack: mrkdwn, not Markdown.
    const [message] = slack.messages;
    const blocks = JSON.stringify(must(message).blocks);
    expect(blocks).toContain(
      JSON.stringify(
        'A *new* region: _eu-west-1_ or <https://example.com/us|us-east-1>, not this.\n\n• cheaper\n• closer &lt;script&gt;alert(1)&lt;/script&gt;\n\nRun `deploy --region`.',
      ),
    );
    expect(blocks).toContain('Asked by *Carol Poe (user:carol)*');
    expect(blocks).toContain('"text":"EU"');
    expect(blocks).toContain('"text":"US"');

    // The one-click link page: the same Markdown, the choice's label, the people by name.
    const link = must(/EU: (http\S+)/.exec(mail.text ?? '')?.[1], 'the EU link');
    const page = await (await fetch(link)).text();
    expect(page).toContain('<strong>new</strong>');
    expect(page).toContain('<li>cheaper</li>');
    expect(page).not.toContain('<script>');
    expect(page).toContain('Asked by Carol Poe');
    expect(page).toContain('You are answering as Alice Doe (user:alice).');
    expect(page).toContain('Confirm: EU');
    const answered = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(await answered.text()).toContain('answered EU</strong>, recorded.');
    await h.until('the Slack copy closed', () => message?.updates === 1);
    expect(JSON.stringify(message?.blocks)).toContain(
      ':white_check_mark: *Answered EU by Alice Doe via an email link*',
    );
  });

  it('marks a rejection as one: a cross on the closed Slack copy, red on the link page, never a check mark', async () => {
    const h = await harness();
    const smtp = must(h.smtp);
    const slack = must(h.slack);
    const task = await h.heed.tasks.create({
      type: 'approval',
      title: 'Refund order #99?',
      assignees: ['user:alice'],
      requireComment: [],
    });
    await h.until('the notices', () => smtp.mails.length === 1 && slack.messages.length === 1);
    const link = must(/Reject: (http\S+)/.exec(must(smtp.to('alice@example.com')[0]).text ?? '')?.[1], 'reject link');
    const confirm = await (await fetch(link)).text();
    expect(confirm).toContain('<button type="submit" class="danger">Confirm: Reject</button>');
    await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect((await h.heed.tasks.get(task.id))?.result?.outcome).toBe('reject');
    const [message] = slack.messages;
    await h.until('the Slack copy closed', () => message?.updates === 1);
    const closed = JSON.stringify(message?.blocks);
    expect(closed).toContain(':x: *Rejected by Alice Doe via an email link*');
    expect(closed).not.toContain('white_check_mark');
    const again = await (await fetch(link)).text();
    expect(again).toContain('<p class="decided error">Already decided: rejected by Alice Doe via an email link.</p>');
  });

  it('offline, says a notice was kept in the outbox, not sent', async () => {
    const h = await harness({ email: false, slack: false });
    const task = await h.heed.tasks.create({ type: 'approval', title: 'Ship it?', assignees: ['user:alice'] });
    expect(task.channels).toEqual(['inbox', 'email', 'slack']);
    const audit = await h.until('the notices', async () => {
      const entries = (await h.heed.tasks.audit(task.id)).filter((e) => e.action === 'notified');
      return entries.length === 3 ? entries : undefined;
    });
    expect(audit.map((e) => [e.via, (e.detail as { outbox?: boolean }).outbox ?? false])).toEqual([
      ['inbox', false],
      ['email', true],
      ['slack', true],
    ]);
  });
});
