import { describe, expect, it } from 'vitest';
import { buttonPress, harness, must } from './harness.ts';

describe('channels: the AXME scenario end to end on a virtual clock', () => {
  it('mails and DMs Alice, reminds her at 5 min in the same threads, escalates to Bob at 30 min, Bob approves from Slack at 2 h, the email link then says "already decided" and every Slack copy is closed', async () => {
    const h = await harness();
    const smtp = must(h.smtp);
    const slack = must(h.slack);
    const exportData = h.heed.workflow('data-export', async (ctx, input: { dataset: string }) => {
      const decision = await ctx.ask({
        type: 'approval',
        title: `Export ${input.dataset}?`,
        description: 'The agent wants to export a customer table.',
        action: { tool: 'export_table', args: { table: input.dataset, rows: 48210 } },
        payload: { piiDetected: true },
        assignees: ['user:alice'],
        remind: { after: '5m', max: 1 },
        escalate: [{ after: '30m', to: ['user:bob'] }],
        deadline: '8h',
      });
      return { outcome: decision.outcome, by: decision.by, via: decision.via };
    });
    const run = await exportData.start({ dataset: 'customers_q1' }, { id: 'export-1' });
    await h.until('the first notices', () => smtp.mails.length === 1 && slack.messages.length === 1);

    const [first] = smtp.to('alice@example.com');
    expect(first?.subject).toBe('Export customers_q1?');
    expect(first?.text).toContain('export_table with');
    expect(first?.text).toContain('"rows": 48210');
    expect(first?.text).toContain('Deadline:');
    expect(first?.html).toContain('Approve</a>');
    expect(first?.html).not.toMatch(/<img|<link|src="http/); // no remote assets
    const approveLink = /Approve: (http\S+)/.exec(first?.text ?? '')?.[1] ?? '';
    expect(approveLink).toMatch(/\/t\//);
    const [aliceDm] = slack.inChannel('DU0ALICE');
    expect(aliceDm?.metadata?.event_type).toBe('heed_notice');
    const actions = must(aliceDm).blocks.find((b) => b.type === 'actions') as {
      elements: { text: { text: string } }[];
    };
    const buttons = actions.elements;
    expect(buttons.map((b) => b.text.text)).toEqual(['Approve', 'Reject…', 'Open in inbox']);

    await h.clock.advance('5m');
    await h.until('the reminders', () => smtp.mails.length === 2 && slack.messages.length === 2);
    const reminder = smtp.to('alice@example.com')[1];
    expect(reminder?.subject).toBe('Reminder: Export customers_q1?');
    expect(reminder?.inReplyTo).toBe(first?.messageId);
    expect(reminder?.references).toEqual(first?.messageId);
    expect(slack.inChannel('DU0ALICE')[1]?.thread_ts).toBe(aliceDm?.ts);

    await h.clock.advance('25m');
    await h.until('the escalation', () => smtp.mails.length === 3 && slack.messages.length === 3);
    const toBob = smtp.to('bob@example.com');
    expect(toBob.map((m) => m.subject)).toEqual(['Escalated: Export customers_q1?']);
    expect(toBob[0]?.inReplyTo).toBeUndefined();
    expect(toBob[0]?.text).toContain('Also asked: Alice Doe (user:alice)');
    const [bobDm] = slack.inChannel('DU0BOB');
    expect(bobDm?.thread_ts).toBeUndefined();

    await h.clock.advance('90m');
    const pressed = await h.interact(buttonPress('U0BOB', must(bobDm), 'approve'));
    expect(pressed.status).toBe(200);
    expect(await run.result()).toEqual({ outcome: 'approve', by: 'user:bob', via: 'slack' });

    // Every Slack copy (Alice's DM, her reminder in the thread, Bob's DM) is closed in place.
    await h.until('the Slack copies closed', () => slack.messages.every((m) => m.updates > 0));
    for (const message of slack.messages) {
      expect(message.blocks.some((b) => b.type === 'actions')).toBe(false);
      expect(JSON.stringify(message.blocks)).toContain(':white_check_mark: *Approved by Bob Roe via Slack*');
    }
    // Alice's email link now says who decided, and changes nothing.
    const page = await fetch(approveLink);
    expect(page.status).toBe(409);
    expect(await page.text()).toContain('Already decided: approved by Bob Roe via Slack.');
    const post = await fetch(approveLink, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(post.status).toBe(409);
    expect(await post.text()).toContain('Already decided: approved by Bob Roe via Slack.');

    const task = must((await h.heed.tasks.list()).items[0]);
    const deliveries = await h.heed.deliveries.taskDeliveries(task.id);
    expect(
      deliveries
        .filter((d) => d.recipient !== '*')
        .map((d) => `${d.event} ${d.channel} ${d.recipient} ${d.status} ${d.attempts}`),
    ).toEqual([
      'created:0 email user:alice sent 1',
      'created:0 slack user:alice sent 1',
      'reminder:1 email user:alice sent 1',
      'reminder:1 slack user:alice sent 1',
      'escalated:1 email user:bob sent 1',
      'escalated:1 slack user:bob sent 1',
    ]);
    const audit = (await h.heed.tasks.audit(task.id)).map((e) => `${e.action}@${e.via}`);
    expect(audit.filter((a) => a.startsWith('notified'))).toHaveLength(9); // inbox, email, slack × 3
    expect(audit.at(-1)).toBe('resolved@slack');
    // Nothing more is sent after the end.
    await h.clock.advance('8h');
    await h.heed.idle();
    expect(smtp.mails).toHaveLength(3);
    expect(slack.callsOf('chat.postMessage')).toHaveLength(3);
  });
});
