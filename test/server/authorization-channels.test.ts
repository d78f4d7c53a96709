/**
 * The authorization matrix's answer rows (docs/identity-and-authority.md) on every channel: the
 * HTTP API (what the inbox and the CLI use), one-click links (`GET /t/{token}` shows, `POST`
 * answers) and Slack buttons (`POST /v1/channels/slack/interactions`). Who may answer is the same
 * on each, escalated people included. Columns:
 * - alice: requester of the task, and a member of group:approvers
 * - bob: direct assignee; dave: assignee through group:approvers; erin: assignee by escalation
 * - carol: nobody in particular; admin: in `admins`
 * - group: the principal `group:approvers` itself (a development-mode header, a link signed for it
 *   before links were for one person only, a Slack account mapped to it): a group never answers
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { signSlackRequest } from '../../src/channels/slack/signature.ts';
import { type Harness, harness, SIGNING_SECRET } from '../channels/harness.ts';

type Who = 'alice' | 'bob' | 'dave' | 'erin' | 'carol' | 'admin' | 'group';
type Channel = 'HTTP' | 'link page (GET)' | 'link (POST)' | 'Slack button';
type Cell = 'answers' | 'forbidden' | 'not found';
const COLUMNS: Who[] = ['alice', 'bob', 'dave', 'erin', 'carol', 'admin', 'group'];
const CHANNELS: Channel[] = ['HTTP', 'link page (GET)', 'link (POST)', 'Slack button'];

const principal = (who: Who) => (who === 'group' ? 'group:approvers' : `user:${who}`);
const LINK_SECRET = 'a-link-secret-for-the-tests-0123456789';

/** The task kinds: the usual one, and one created without assignees (open), then escalated. */
const KINDS = {
  assigned: { assignees: ['user:bob', 'group:approvers'] },
  'open, escalated': { assignees: [] },
} as const;
type Kind = keyof typeof KINDS;

const expected: Record<Kind, Record<Who, Cell>> = {
  assigned: {
    alice: 'forbidden', // four-eyes, although she is in group:approvers
    bob: 'answers',
    dave: 'answers',
    erin: 'answers',
    carol: 'not found',
    admin: 'forbidden', // sees everything, is asked nothing
    group: 'forbidden',
  },
  // An escalation only adds responders: the task stays open to anyone, on every channel.
  'open, escalated': {
    alice: 'forbidden',
    bob: 'answers',
    dave: 'answers',
    erin: 'answers',
    carol: 'answers',
    admin: 'answers',
    group: 'forbidden',
  },
};

/** A link token as `LinkSigner` signs it, for any principal (groups included, as links once were). */
function token(taskId: string, who: string): string {
  const payload = Buffer.from(JSON.stringify([taskId, who, 'approve', Date.now() + 86_400_000, `n-${Math.random()}`]));
  const encoded = payload.toString('base64url');
  return `${encoded}.${createHmac('sha256', LINK_SECRET).update(encoded).digest('base64url')}`;
}

const fromStatus = (status: number): Cell | `status ${number}` =>
  status === 200 ? 'answers' : status === 403 ? 'forbidden' : status === 404 ? 'not found' : `status ${status}`;

async function setup() {
  const people = Object.fromEntries(
    COLUMNS.map((who) => [principal(who), { name: who, slack: `U0${who.toUpperCase()}` }]),
  );
  return harness({
    email: false,
    slack: false,
    auth: { admins: new Set(['user:admin']) },
    config: { people, groups: { 'user:alice': ['group:approvers'], 'user:dave': ['group:approvers'] } },
  });
}

/** One attempt to answer `taskId` as `who` on `channel`, and what came of it. */
async function attempt(h: Harness, channel: Channel, who: Who, taskId: string): Promise<string> {
  const url = h.server.url;
  if (channel === 'HTTP') {
    const response = await fetch(`${url}/v1/tasks/${taskId}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-heed-principal': principal(who) },
      body: JSON.stringify({ outcome: 'approve' }),
    });
    return fromStatus(response.status);
  }
  if (channel !== 'Slack button') {
    const link = `${url}/t/${token(taskId, principal(who))}`;
    // A GET shows the answer form only to a person who may answer; it writes nothing either way.
    return fromStatus((await fetch(link, { method: channel === 'link page (GET)' ? 'GET' : 'POST' })).status);
  }
  const body = new URLSearchParams({
    payload: JSON.stringify({
      type: 'block_actions',
      user: { id: `U0${who.toUpperCase()}` },
      channel: { id: 'C0ANY' },
      actions: [{ action_id: 'heed:answer:approve', value: JSON.stringify({ taskId, outcome: 'approve' }) }],
    }),
  }).toString();
  const timestamp = Math.floor(Date.now() / 1000);
  const response = await fetch(`${url}/v1/channels/slack/interactions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signSlackRequest(SIGNING_SECRET, timestamp, body),
    },
    body,
  });
  expect(response.status).toBe(200); // Slack is always acknowledged; the task says what happened
  const task = await h.heed.tasks.get(taskId);
  if (task?.result?.by === principal(who)) return 'answers';
  const audit = await h.heed.tasks.audit(taskId);
  return audit.some((e) => e.action === 'refused' && e.actor === principal(who)) ? 'forbidden' : 'not found';
}

describe('the authorization matrix on every channel', () => {
  it('answers the same on HTTP, links and Slack, for every principal, escalated people included', async () => {
    const h = await setup();
    // A fresh task per cell (an answer ends it), each escalated to erin before anyone answers.
    const tasks = new Map<string, string>();
    for (const kind of Object.keys(KINDS) as Kind[]) {
      for (const who of COLUMNS) {
        for (const channel of CHANNELS) {
          const task = await h.heed.tasks.create({
            type: 'approval',
            title: `${kind}: ${who} via ${channel}`,
            requester: 'user:alice',
            assignees: [...KINDS[kind].assignees],
            escalate: [{ after: '1m', to: ['user:erin'] }],
            channels: ['inbox'],
          });
          tasks.set(`${kind}|${who}|${channel}`, task.id);
        }
      }
    }
    await h.heed.idle();
    await h.clock.advance('2m');
    await vi.waitFor(
      async () => {
        for (const id of tasks.values()) {
          expect((await h.heed.tasks.get(id))?.assignees.map((a) => a.principal)).toContain('user:erin');
        }
      },
      { timeout: 20_000 },
    );

    const actual: Record<string, Record<string, string>> = {};
    const wanted: Record<string, Record<string, string>> = {};
    for (const kind of Object.keys(KINDS) as Kind[]) {
      for (const channel of CHANNELS) {
        const row = `${kind} task, ${channel}`;
        actual[row] = {};
        wanted[row] = {};
        for (const who of COLUMNS) {
          const id = tasks.get(`${kind}|${who}|${channel}`) as string;
          (actual[row] as Record<string, string>)[who] = await attempt(h, channel, who, id);
          (wanted[row] as Record<string, string>)[who] = expected[kind][who];
        }
      }
    }
    expect(actual).toEqual(wanted);
  }, 120_000);

  it('refuses to make a link for a group, and a link page shows nothing to a person who may not see the task', async () => {
    const h = await setup();
    const task = await h.heed.tasks.create({
      type: 'approval',
      title: 'Pay the invoice?',
      requester: 'user:alice',
      assignees: ['group:approvers'],
      channels: ['inbox'],
    });
    const make = (who: string) =>
      fetch(`${h.server.url}/v1/tasks/${task.id}/links`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-heed-principal': 'user:admin' },
        body: JSON.stringify({ principal: who, outcome: 'approve' }),
      });
    const group = await make('group:approvers');
    expect(group.status).toBe(400);
    expect(await group.json()).toMatchObject({ error: { code: 'INVALID_PRINCIPAL' } });
    expect((await make('user:dave')).status).toBe(201);
    const carol = await fetch(`${h.server.url}/t/${token(task.id, 'user:carol')}`);
    expect(carol.status).toBe(404);
    expect(await carol.text()).not.toContain('Pay the invoice?');
    const alice = await fetch(`${h.server.url}/t/${token(task.id, 'user:alice')}`);
    expect(alice.status).toBe(403);
    expect(await alice.text()).toContain('four-eyes');
    // The refusals a POST meets are audited once per person and reason, as on HTTP.
    for (let i = 0; i < 3; i++) {
      expect((await fetch(`${h.server.url}/t/${token(task.id, 'user:alice')}`, { method: 'POST' })).status).toBe(403);
    }
    const refusals = (await h.heed.tasks.audit(task.id)).filter((e) => e.action === 'refused');
    expect(refusals.map((e) => [e.actor, e.via])).toEqual([['user:alice', 'link']]);
    expect((await h.heed.tasks.get(task.id))?.status).toBe('pending');
  });
});
