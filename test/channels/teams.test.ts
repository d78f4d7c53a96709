import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { channelsConfig } from '../../src/channels/config.ts';
import { harness, must, TEAMS_USERS } from './harness.ts';
import { APP_ID, type TeamsActivity } from './teams-server.ts';

type H = Awaited<ReturnType<typeof harness>>;

const ALICE = must(TEAMS_USERS['user:alice']);
const BOB = must(TEAMS_USERS['user:bob']);
const CAROL = must(TEAMS_USERS['user:carol']);

async function askTeams(h: H, extra: Record<string, unknown> = {}) {
  const task = await h.heed.tasks.create({
    type: 'approval',
    title: 'Refund order #1234?',
    action: { tool: 'refund', args: { order: 1234, amount: 120 } },
    payload: { customer: 'ACME' },
    assignees: ['user:alice', 'user:bob'],
    requester: 'user:carol',
    channels: ['teams'],
    deadline: '8h',
    ...extra,
  });
  const teams = must(h.teams);
  await h.until('the cards', () => teams.activities.length === task.assignees.length);
  const card = (user: string) => {
    const conversation = teams.conversationWith(user);
    return conversation ? must(teams.inConversation(conversation)[0]) : undefined;
  };
  return { task, alices: must(card(ALICE)), bobs: card(BOB) as TeamsActivity };
}

const actionsOf = (a: TeamsActivity) => (a.card.actions as Record<string, unknown>[] | undefined) ?? [];

describe('channels: Microsoft Teams', () => {
  it('sends each assignee an Adaptive Card with the notice and Action.Execute buttons, through the SDK with its token', async () => {
    const h = await harness({ email: false, slack: false, teams: true });
    const { task, alices } = await askTeams(h);
    const teams = must(h.teams);
    expect(alices.text).toBe('Your decision is needed: Refund order #1234?');
    const card = JSON.stringify(alices.card);
    expect(alices.card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(card).toContain('Refund order #1234?');
    expect(card).toContain('Asked by **Carol Poe (user:carol)**');
    expect(card).toContain('`refund`');
    expect(card).toContain('\\"amount\\": 120');
    expect(card).toContain('\\"customer\\": \\"ACME\\"');
    expect(card).toContain('"title":"Deadline"');
    expect(card).toContain('Bob Roe (user:bob)');
    // Reject needs a reason (Slack asks it in a modal): the card has the field, and says so.
    expect(card).toContain('"type":"Input.Text","id":"heed.comment"');
    expect(card).toContain('a reason is needed to reject');
    expect(actionsOf(alices)).toEqual([
      {
        type: 'Action.Execute',
        title: 'Approve',
        verb: 'heed.answer',
        data: { taskId: task.id, outcome: 'approve' },
        style: 'positive',
      },
      {
        type: 'Action.Execute',
        title: 'Reject',
        verb: 'heed.answer',
        data: { taskId: task.id, outcome: 'reject' },
        style: 'destructive',
      },
      { type: 'Action.OpenUrl', title: 'Open in inbox', url: expect.stringContaining(`/#/task/${task.id}`) },
    ]);
    // Each card went to a 1:1 conversation opened with the person, with a token from the token endpoint.
    expect(teams.conversations.size).toBe(2);
    const connectorCalls = teams.calls.filter((c) => c.path.startsWith('/v3/'));
    expect(connectorCalls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /v3/conversations',
      'POST /v3/conversations',
    ]);
    expect(connectorCalls.every((c) => teams.issued.includes(c.authorization?.replace('Bearer ', '') ?? ''))).toBe(
      true,
    );
    const deliveries = await h.heed.deliveries.taskDeliveries(task.id);
    expect(
      deliveries
        .filter((d) => d.channel === 'teams' && d.recipient !== '*')
        .map((d) => `${d.recipient} ${d.status} ${d.event}`)
        .sort(),
    ).toEqual(['user:alice sent created:0', 'user:bob sent created:0']);
  });

  it('answers a button press as the Teams user, replies with the refreshed card and closes every copy', async () => {
    const h = await harness({ email: false, slack: false, teams: true });
    const { task, alices, bobs } = await askTeams(h);
    const teams = must(h.teams);
    const bobsOpen = structuredClone(bobs);
    const response = await teams.press(h.server.url, ALICE, alices, 'approve');
    expect(response.status).toBe(200);
    const reply = (await response.json()) as { statusCode: number; type: string; value: Record<string, unknown> };
    expect(reply.statusCode).toBe(200);
    expect(reply.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(reply.value.actions).toBeUndefined();
    expect(JSON.stringify(reply.value)).toContain('✅ **Approved by Alice Doe via Microsoft Teams**');
    expect((await h.heed.tasks.get(task.id))?.result).toMatchObject({
      outcome: 'approve',
      by: 'user:alice',
      via: 'teams',
    });
    // The closing run updates every copy in place: Alice's and Bob's.
    await h.until('every card closed', () => alices.updates > 0 && bobs.updates > 0);
    for (const copy of [alices, bobs]) {
      expect(copy.card.actions).toBeUndefined();
      expect(JSON.stringify(copy.card)).toContain('Approved by Alice Doe via Microsoft Teams');
      expect(copy.text).toBe('Refund order #1234?: Approved by Alice Doe via Microsoft Teams');
    }
    // Bob presses his (stale) card: his answer is not taken, and he is shown the outcome.
    const late = (await (
      await teams.press(h.server.url, BOB, bobsOpen, 'reject', undefined, { 'heed.comment': 'no' })
    ).json()) as {
      value: unknown;
    };
    expect(JSON.stringify(late.value)).toContain('Approved by Alice Doe');
    expect((await h.heed.tasks.get(task.id))?.result).toMatchObject({ outcome: 'approve', by: 'user:alice' });
  });

  it('closes the Teams cards when the task is answered on another channel', async () => {
    const h = await harness({ email: false, slack: false, teams: true });
    const { task, alices, bobs } = await askTeams(h);
    await h.heed.tasks.respond(
      task.id,
      { outcome: 'reject', comment: 'too much' },
      { principal: 'user:bob', via: 'inbox' },
    );
    await h.until('every card closed', () => alices.updates > 0 && bobs.updates > 0);
    expect(JSON.stringify(alices.card)).toContain('❌ **Rejected by Bob Roe via the inbox**');
  });

  it('refuses a person who is not asked, and a Teams user who is not in people (audited once)', async () => {
    const h = await harness({ email: false, slack: false, teams: true });
    const { task, alices } = await askTeams(h);
    const teams = must(h.teams);
    const carol = (await (await teams.press(h.server.url, CAROL, alices, 'approve')).json()) as {
      type: string;
      value: string;
    };
    expect(carol.type).toBe('application/vnd.microsoft.activity.message');
    expect(carol.value).toMatch(/not/i);
    expect((await h.heed.tasks.get(task.id))?.status).toBe('pending');
    const audit = await h.heed.tasks.audit(task.id);
    expect(audit.at(-1)).toMatchObject({ actor: 'user:carol', action: 'refused', via: 'teams' });

    for (let i = 0; i < 3; i++) {
      const mallory = (await (await teams.press(h.server.url, 'aad-ma11047', alices, 'approve')).json()) as {
        value: string;
      };
      expect(mallory.value).toBe('Heed does not know your Teams account, so it cannot take your answer.');
    }
    const refusals = (await h.heed.tasks.audit(task.id)).filter((e) => e.actor === 'teams:aad-ma11047');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ action: 'refused', via: 'teams' });
    expect((await h.heed.tasks.get(task.id))?.status).toBe('pending');
  });

  it('refuses requests without a valid Bot Framework token, and answers nothing', async () => {
    const h = await harness({ email: false, slack: false, teams: true });
    const { task, alices } = await askTeams(h);
    const teams = must(h.teams);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const attempts = [
      null, // no token
      teams.sign({}, { key: privateKey }), // signed by another key
      teams.sign({ aud: 'some-other-bot' }), // for another bot
      teams.sign({ iss: 'https://evil.example.com/v2.0' }), // an issuer nobody trusts
      teams.sign({ exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200 }),
    ];
    for (const token of attempts) {
      const response = await teams.press(h.server.url, ALICE, alices, 'approve', token);
      expect(response.status).toBe(401);
    }
    expect((await h.heed.tasks.get(task.id))?.status).toBe('pending');
  });

  it('is not there without a Teams app id, and takes the secret from the environment', async () => {
    const h = await harness({ email: false, slack: false });
    expect(h.channels.teams).toBeUndefined();
    expect(h.channels.notifiers.map((n) => n.channel)).toEqual(['email', 'slack']);
    const response = await fetch(`${h.server.url}/v1/channels/teams/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(404);
    const config = channelsConfig({ teams: { appId: APP_ID } }, { HEED_TEAMS_APP_PASSWORD: 's3cret' });
    expect(config.teams).toEqual({ appId: APP_ID, appPassword: 's3cret' });
  });

  it('ignores activities other than a Heed button, and refuses a malformed button', async () => {
    const h = await harness({ email: false, slack: false, teams: true });
    const teams = must(h.teams);
    const post = (body: unknown) =>
      fetch(`${h.server.url}/v1/channels/teams/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${teams.sign()}` },
        body: JSON.stringify(body),
      });
    const message = await post({ type: 'message', text: 'hello', channelId: 'msteams', from: { id: '29:x' } });
    expect(message.status).toBe(200);
    expect(await message.json()).toEqual({});
    const bad = await post({
      type: 'invoke',
      name: 'adaptiveCard/action',
      channelId: 'msteams',
      value: { action: { type: 'Action.Execute', verb: 'other.verb', data: { taskId: 't', outcome: 'approve' } } },
    });
    expect(bad.status).toBe(400);
  });

  it('takes one answer of a quorum, shows it without buttons, and closes every card when the quorum is met', async () => {
    const h = await harness({ email: false, slack: false, teams: true });
    const { task, alices, bobs } = await askTeams(h, { quorum: 2 });
    const teams = must(h.teams);
    const first = (await (await teams.press(h.server.url, ALICE, alices, 'approve')).json()) as {
      value: Record<string, unknown>;
    };
    expect(first.value.actions).toBeUndefined();
    expect(JSON.stringify(first.value)).toContain('You answered Approve; waiting for the others');
    expect((await h.heed.tasks.get(task.id))?.status).toBe('pending');
    await teams.press(h.server.url, BOB, bobs, 'approve');
    expect((await h.heed.tasks.get(task.id))?.status).toBe('resolved');
    await h.until('every card closed', () => alices.updates > 0 && bobs.updates > 0);
    expect(JSON.stringify(alices.card)).toContain('✅');
  });

  it('reminds as a reply under the first card, and the reply is closed with the rest', async () => {
    const h = await harness({ email: false, slack: false, teams: true });
    const { task, alices } = await askTeams(h, { assignees: ['user:alice'], remind: { after: '5m', max: 1 } });
    const teams = must(h.teams);
    expect(teams.activities).toHaveLength(1);
    await h.clock.advance('5m');
    await h.until('the reminder', () => teams.activities.length === 2);
    const reminder = must(teams.activities[1]);
    expect(reminder.conversation).toBe(alices.conversation);
    expect(reminder.replyToId).toBe(alices.id);
    expect(reminder.text).toBe('Reminder: still waiting for you: Refund order #1234?');
    expect(actionsOf(reminder).map((a) => a.title)).toEqual(['Approve', 'Reject', 'Open in inbox']);
    // A reject without the reason is not taken (said in a message); with it, it is.
    const bare = (await (await teams.press(h.server.url, ALICE, reminder, 'reject')).json()) as { type: string };
    expect(bare.type).toBe('application/vnd.microsoft.activity.message');
    expect((await h.heed.tasks.get(task.id))?.status).toBe('pending');
    const pressed = await teams.press(h.server.url, ALICE, reminder, 'reject', undefined, {
      'heed.comment': 'Not for ACME',
    });
    expect(pressed.status).toBe(200);
    expect((await h.heed.tasks.get(task.id))?.result).toMatchObject({
      outcome: 'reject',
      via: 'teams',
      comment: 'Not for ACME',
    });
    await h.until('both closed', () => alices.updates > 0 && reminder.updates > 0);
  });

  it('closes the old person’s card when the task is reassigned, and sends the new person one', async () => {
    const h = await harness({
      email: false,
      slack: false,
      teams: true,
      heed: { policies: [{ name: 'apps', callerAssigns: true }] },
    });
    const { task, alices } = await askTeams(h, { assignees: ['user:alice'] });
    const teams = must(h.teams);
    await h.heed.tasks.reassign(task.id, { to: ['user:bob'], reason: 'Bob owns refunds' }, { principal: 'user:alice' });
    await h.until('bob’s card', () => teams.conversationWith(BOB) !== undefined);
    await h.until('alice’s card closed', () => alices.updates > 0);
    expect(alices.text).toBe('Refund order #1234?: Handed to Bob Roe by Alice Doe: Bob owns refunds');
    const bobs = must(teams.inConversation(must(teams.conversationWith(BOB)))[0]);
    expect(bobs.text).toBe('This was handed to you: Refund order #1234?');
  });
});
