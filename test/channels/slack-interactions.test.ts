import { describe, expect, it } from 'vitest';
import { buttonPress, harness, must } from './harness.ts';

async function askAlice(h: Awaited<ReturnType<typeof harness>>, extra: Record<string, unknown> = {}) {
  const task = await h.heed.tasks.create({
    type: 'approval',
    title: 'Refund order #1234?',
    action: { tool: 'refund', args: { order: 1234, amount: 120 } },
    assignees: ['user:alice'],
    channels: ['slack'],
    ...extra,
  });
  const slack = must(h.slack);
  await h.until('the DM', () => slack.inChannel('DU0ALICE').length === 1);
  return { task, dm: must(slack.inChannel('DU0ALICE')[0]) };
}

describe('channels: Slack interactions', () => {
  it('refuses forged, stale and unsigned requests, and answers nothing', async () => {
    const h = await harness({ email: false });
    const { task, dm } = await askAlice(h);
    const press = buttonPress('U0ALICE', dm, 'approve');
    const forged = await h.interact(press, { secret: 'not-the-secret-at-all' });
    expect(forged.status).toBe(401);
    const stale = await h.interact(press, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    const unsigned = await fetch(`${h.server.url}/v1/channels/slack/interactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ payload: JSON.stringify(press) }).toString(),
    });
    expect(unsigned.status).toBe(401);
    expect((await h.heed.tasks.get(task.id))?.status).toBe('pending');
  });

  it('refuses a Slack user who is not in people, audits the attempt and tells them', async () => {
    const h = await harness({ email: false });
    const { task, dm } = await askAlice(h);
    const response = await h.interact(buttonPress('U0MALLORY', dm, 'approve'));
    expect(response.status).toBe(200);
    expect((await h.heed.tasks.get(task.id))?.status).toBe('pending');
    const audit = await h.heed.tasks.audit(task.id);
    expect(audit.at(-1)).toMatchObject({ actor: 'slack:U0MALLORY', action: 'refused', via: 'slack' });
    await h.until('the ephemeral note', () => must(h.slack).ephemerals.length === 1);
    expect(must(h.slack).ephemerals[0]).toMatchObject({ user: 'U0MALLORY', channel: 'DU0ALICE' });
  });

  it('counts an unknown Slack user like a forged link: audited once, told until the limit, then ignored', async () => {
    const h = await harness({ email: false });
    const { task, dm } = await askAlice(h);
    const slack = must(h.slack);
    const press = { ...buttonPress('U0MALLORY', dm, 'approve'), team: { id: 'T0ACME' } };
    for (let i = 0; i < 30; i++) expect((await h.interact(press)).status).toBe(200);
    const refusals = (await h.heed.tasks.audit(task.id)).filter((e) => e.action === 'refused');
    expect(refusals.map((e) => [e.actor, (e.detail as { reason: string }).reason])).toEqual([
      ['slack:U0MALLORY', 'unknown Slack user'],
    ]);
    // Told 20 times (the limit), then nothing more is said (no Slack call per press).
    await h.until('20 notes', () => slack.ephemerals.length === 20);
    // The same user in another workspace is another client; a known person still answers.
    await h.interact({ ...press, team: { id: 'T0OTHER' } });
    await h.until('the other note', () => slack.ephemerals.length === 21);
    expect((await h.interact(buttonPress('U0ALICE', dm, 'approve'))).status).toBe(200);
    expect((await h.heed.tasks.get(task.id))?.result).toMatchObject({ outcome: 'approve', by: 'user:alice' });
    expect((await h.heed.tasks.audit(task.id)).filter((e) => e.action === 'refused')).toHaveLength(1);
    expect(slack.ephemerals).toHaveLength(21);
  });

  it('answers Slack in time when views.open stalls, and tells the person where else to answer', async () => {
    const h = await harness({ email: false });
    const { task, dm } = await askAlice(h);
    const slack = must(h.slack);
    slack.stalls.add('views.open');
    // A reject needs a reason (a modal); Slack never answers views.open. Heed gives up under
    // Slack's 3 s limit (the client's own timeout is 10 s) and still answers the request.
    const response = await h.interact(buttonPress('U0ALICE', dm, 'reject'));
    expect(response.status).toBe(200);
    expect(slack.calls.map((c) => c.method)).toContain('views.open');
    expect((await h.heed.tasks.get(task.id))?.status).toBe('pending');
    await h.until('the ephemeral note', () => slack.ephemerals.length === 1);
    expect(slack.ephemerals[0]).toMatchObject({ user: 'U0ALICE', channel: 'DU0ALICE' });
    expect(slack.ephemerals[0]?.text).toContain(`/#/task/${task.id}`);
  });

  it('opens a modal for a reason, and a rejection with that reason closes the copy', async () => {
    const h = await harness({ email: false });
    const { task, dm } = await askAlice(h);
    const slack = must(h.slack);
    expect((await h.interact(buttonPress('U0ALICE', dm, 'reject'))).status).toBe(200);
    expect((await h.heed.tasks.get(task.id))?.status).toBe('pending');
    const [opened] = slack.views;
    expect(opened?.trigger_id).toBe('trigger-U0ALICE-reject');
    const view = must(opened).view as {
      callback_id: string;
      private_metadata: string;
      blocks: { block_id?: string }[];
    };
    expect(view.blocks.map((b) => b.block_id).filter(Boolean)).toEqual(['comment']);

    const submit = (comment: string) =>
      h.interact({
        type: 'view_submission',
        user: { id: 'U0ALICE' },
        view: {
          callback_id: view.callback_id,
          private_metadata: view.private_metadata,
          state: { values: { comment: { value: { type: 'plain_text_input', value: comment } } } },
        },
      });
    const empty = await submit('');
    expect(await empty.json()).toMatchObject({ response_action: 'errors', errors: { comment: expect.any(String) } });
    const done = await submit('Amount is above the refund policy');
    expect(await done.json()).toEqual({ response_action: 'clear' });
    const ended = await h.heed.tasks.get(task.id);
    expect(ended?.result).toMatchObject({
      outcome: 'reject',
      by: 'user:alice',
      via: 'slack',
      comment: 'Amount is above the refund policy',
    });
    await h.until('the copy closed', () => dm.updates > 0);
    expect(JSON.stringify(dm.blocks)).toContain(':x: *Rejected by Alice Doe via Slack*');
  });

  it('opens no modal for someone who may not answer: decided as the answer would be, nothing written', async () => {
    const h = await harness({ email: false });
    const { task, dm } = await askAlice(h, { requester: 'user:carol' });
    const slack = must(h.slack);
    // bob is not asked (he may not even see the task); carol asked for it (four-eyes).
    expect((await h.interact(buttonPress('U0BOB', dm, 'reject'))).status).toBe(200);
    expect((await h.interact(buttonPress('U0CAROL', dm, 'reject'))).status).toBe(200);
    await h.until('the notes', () => slack.ephemerals.length === 2);
    expect(slack.views).toEqual([]);
    expect(slack.ephemerals.find((e) => e.user === 'U0BOB')?.text).toBe('You are not asked to answer this task.');
    expect(slack.ephemerals.find((e) => e.user === 'U0CAROL')?.text).toMatch(/four-eyes/);
    expect((await h.heed.tasks.audit(task.id)).filter((e) => e.action === 'refused')).toEqual([]);
  });

  it('lets the approver edit the arguments in a modal (validated), and the approval carries them', async () => {
    const h = await harness({ email: false });
    const { task, dm } = await askAlice(h, { allowEdit: true });
    await h.interact(buttonPress('U0ALICE', dm, 'approve'));
    const view = must(must(h.slack).views[0]).view as { callback_id: string; private_metadata: string };
    const submit = (args: string) =>
      h.interact({
        type: 'view_submission',
        user: { id: 'U0ALICE' },
        view: { ...view, state: { values: { args: { value: { value: args } }, comment: { value: { value: null } } } } },
      });
    expect(await (await submit('{not json')).json()).toMatchObject({ errors: { args: 'This is not valid JSON.' } });
    expect(await (await submit('{"order":1234,"amount":100}')).json()).toEqual({ response_action: 'clear' });
    const result = (await h.heed.tasks.get(task.id))?.result;
    expect(result?.args).toEqual({ order: 1234, amount: 100 });
    expect(result?.edit?.changes).toEqual([{ path: 'amount', from: 120, to: 100 }]);
  });

  it('first answer wins: answered in the inbox (HTTP), every Slack copy is closed and a late button is refused', async () => {
    const h = await harness({ email: false });
    const { task, dm } = await askAlice(h, { assignees: ['user:alice', 'user:bob'] });
    const slack = must(h.slack);
    await h.until('both DMs', () => slack.messages.length === 2);
    const openCopy = { ...dm, blocks: [...dm.blocks] };
    const answered = await fetch(`${h.server.url}/v1/tasks/${task.id}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-heed-principal': 'user:bob' },
      body: JSON.stringify({ outcome: 'approve' }),
    });
    expect(answered.status).toBe(200);
    await h.until('both copies closed', () => slack.messages.every((m) => m.updates > 0));
    expect(slack.messages.map((m) => m.blocks.some((b) => b.type === 'actions'))).toEqual([false, false]);
    expect(JSON.stringify(dm.blocks)).toContain(':white_check_mark: *Approved by Bob Roe via the API*');
    // A press on a stale copy (e.g. a phone that had not refreshed) changes nothing and says why.
    await h.interact(buttonPress('U0ALICE', openCopy, 'approve'));
    await h.until('the note', () => slack.ephemerals.length === 1);
    expect(slack.ephemerals[0]?.text).toMatch(/already/i);
  });

  it('closes the Slack copies when the task is cancelled, or when the deadline decides', async () => {
    const h = await harness({ email: false });
    const slack = must(h.slack);
    const { task } = await askAlice(h);
    await h.heed.tasks.cancel(task.id, { reason: 'no longer needed' });
    await h.until('cancelled copy closed', () => slack.messages[0]?.updates === 1);
    expect(JSON.stringify(slack.messages[0]?.blocks)).toContain(':x: *Cancelled*');
    const timed = await h.heed.tasks.create({
      type: 'approval',
      title: 'Rotate keys?',
      assignees: ['user:bob'],
      channels: ['slack'],
      deadline: '1h',
    });
    await h.until('the DM', () => slack.inChannel('DU0BOB').length === 1);
    await h.clock.advance('1h');
    await h.until('expired copy closed', () => slack.inChannel('DU0BOB')[0]?.updates === 1);
    expect((await h.heed.tasks.get(timed.id))?.status).toBe('resolved');
    expect(JSON.stringify(slack.inChannel('DU0BOB')[0]?.blocks)).toContain(
      ':x: *No answer in time: rejected automatically*',
    );
  });
});
