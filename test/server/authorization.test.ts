// biome-ignore-all lint/suspicious/noExplicitAny: HTTP bodies are arbitrary JSON checked by the assertions
/**
 * The authorization matrix (docs/identity-and-authority.md), cell by cell, over real HTTP, with
 * API keys and in development mode. Each row is an action on a resource; each column a principal:
 * - alice: requester of the task and initiator of the run
 * - bob: direct assignee; dave: assignee through group:approvers; erin: assignee by escalation
 * - carol: nobody in particular; ci: holds the `events` and `messages` permissions
 * - admin: in `admins`; system: development mode without a principal (an admin that cannot answer)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Heed } from '../../src/index.ts';
import { testServer } from './helpers.ts';

type Mode = 'keys' | 'dev';
type Who = 'alice' | 'bob' | 'dave' | 'erin' | 'carol' | 'ci' | 'admin' | 'system';
const PEOPLE: Who[] = ['alice', 'bob', 'dave', 'erin', 'carol', 'ci', 'admin'];

const principal = (who: Who) => (who === 'system' ? 'system' : `user:${who}`);
const keys = new Map(PEOPLE.map((who) => [`k-${who}`, principal(who)]));
const groups: Record<string, string[]> = { 'user:dave': ['group:approvers'] };

interface Fixture {
  task: string;
  /** A chat thread of alice's. */
  chat: string;
  run: string;
  lifecycle: string;
  /** A pending task of alice's (for actions that change it). */
  freshTask(): Promise<string>;
  /** A waiting run of alice's. */
  freshRun(): Promise<string>;
  /** A task of alice's that bob approved (for using an approval, which works once). */
  freshApproval(): Promise<string>;
}

interface Row {
  action: string;
  /** The row of the matrix in docs/identity-and-authority.md it checks: the start of its action cell. */
  matrix?: string;
  /** The request for one cell. */
  request(f: Fixture): Promise<{ method: string; path: string; body?: unknown }>;
  /** Expected status per principal; `default` for the others. `dev` overrides in development mode. */
  expect: Partial<Record<Who | 'default', number>>;
  dev?: Partial<Record<Who | 'default', number>>;
}

let chats = 0;
const newChatId = () => `chat-${++chats}`;
/** A user message in the AI SDK UI message shape, as `useChat` sends it. */
const chatTurn = (id: string, agent: string) => ({
  id,
  agent,
  messages: [{ id: `m${++chats}`, role: 'user', parts: [{ type: 'text', text: 'hi' }] }],
});

/** An AG-UI run (`RunAgentInput`, as `HttpAgent` posts it) with a user message. */
const agUiTurn = (threadId: string, agent: string) => ({
  threadId,
  runId: `r${++chats}`,
  messages: [{ id: `m${++chats}`, role: 'user', content: 'hi' }],
  forwardedProps: { agent },
});

const OK = { alice: 200, bob: 200, dave: 200, erin: 200, admin: 200, system: 200, default: 404 };
const ADMINS_AND_ALICE = (status: number) => ({ alice: status, admin: status, system: status, default: 404 });
const EVERYONE_404 = { default: 404 };

const ROWS: Row[] = [
  { action: 'GET /v1/me', request: async () => ({ method: 'GET', path: '/v1/me' }), expect: { default: 200 } },
  { action: 'GET task', request: async (f) => ({ method: 'GET', path: `/v1/tasks/${f.task}` }), expect: OK },
  {
    action: 'GET task audit',
    matrix: 'read a task',
    request: async (f) => ({ method: 'GET', path: `/v1/tasks/${f.task}/audit` }),
    expect: OK,
  },
  {
    action: 'GET task result',
    matrix: 'read a task',
    request: async (f) => ({ method: 'GET', path: `/v1/tasks/${f.task}/result` }),
    expect: OK,
  },
  {
    action: 'answer task',
    matrix: 'answer a task, on any channel',
    request: async (f) => ({
      method: 'POST',
      path: `/v1/tasks/${await f.freshTask()}/responses`,
      body: { outcome: 'approve' },
    }),
    // The requester may not approve their own request; admins see it but are not assignees;
    // `system` (Heed itself) never answers.
    expect: { alice: 403, bob: 200, dave: 200, erin: 200, admin: 403, default: 404 },
    dev: { system: 401 },
  },
  {
    action: 'cancel task',
    matrix: 'cancel a task',
    request: async (f) => ({ method: 'POST', path: `/v1/tasks/${await f.freshTask()}/cancel` }),
    expect: { alice: 200, admin: 200, system: 200, bob: 403, dave: 403, erin: 403, default: 404 },
  },
  {
    action: 'list inbox of user:bob',
    matrix: 'list tasks',
    request: async () => ({ method: 'GET', path: '/v1/tasks?assignee=user:bob' }),
    expect: { bob: 200, admin: 200, system: 200, default: 403 },
  },
  {
    action: 'list tasks requested by user:alice',
    matrix: 'list tasks',
    request: async () => ({ method: 'GET', path: '/v1/tasks?requester=user:alice' }),
    expect: { alice: 200, admin: 200, system: 200, default: 403 },
  },
  {
    action: 'create task as requester user:alice',
    matrix: 'create a task',
    request: async () => ({
      method: 'POST',
      path: '/v1/tasks',
      body: { type: 'approval', title: 'In alice’s name', requester: 'user:alice', assignees: ['user:bob'] },
    }),
    expect: { alice: 201, admin: 201, system: 201, default: 403 },
  },
  {
    action: 'create a task looser than its policy (silence approves)',
    matrix: 'create a task',
    request: async () => ({
      method: 'POST',
      path: '/v1/tasks',
      body: { type: 'approval', title: 'Ship it?', assignees: ['user:bob'], onTimeout: 'approve', deadline: '1m' },
    }),
    // The server's policy decides; an admin's request is the server's own.
    expect: { admin: 201, system: 201, default: 422 },
  },
  {
    action: 'use an approval (consume)',
    matrix: 'use an approval before acting',
    request: async (f) => ({
      method: 'POST',
      path: `/v1/tasks/${await f.freshApproval()}/consume`,
      body: { tool: 'pay', args: { invoice: 7 } },
    }),
    expect: { alice: 200, admin: 200, system: 200, bob: 403, default: 404 },
  },
  {
    action: 'reassign a task',
    matrix: 'hand a task to someone else',
    request: async (f) => ({
      method: 'POST',
      path: `/v1/tasks/${await f.freshTask()}/reassign`,
      body: { to: ['user:carol'], reason: 'Carol pays invoices' },
    }),
    // Those asked (bob; dave through group:approvers; erin by escalation) and admins; the requester
    // is refused under the default rule; others do not see it.
    expect: { alice: 403, bob: 200, dave: 200, erin: 200, admin: 200, system: 200, default: 404 },
  },
  {
    action: 'set your own absence',
    matrix: "set, clear or read someone's absence",
    // Later in the year, so that nothing moves and the other rows keep their people.
    request: async () => ({
      method: 'PUT',
      path: '/v1/me/away',
      body: { from: '2026-10-01', until: '2026-10-02', delegate: 'group:approvers' },
    }),
    // Only a person can be away: `system` (development mode without a principal) cannot.
    expect: { system: 422, default: 200 },
  },
  {
    action: "set bob's absence",
    matrix: "set, clear or read someone's absence",
    request: async () => ({
      method: 'PUT',
      path: '/v1/people/user:bob/away',
      body: { from: '2026-10-01', until: '2026-10-02', delegate: 'group:approvers' },
    }),
    expect: { bob: 200, admin: 200, system: 200, default: 403 },
  },
  {
    action: "read bob's absence",
    matrix: "set, clear or read someone's absence",
    request: async () => ({ method: 'GET', path: '/v1/people/user:bob/away' }),
    expect: { bob: 200, admin: 200, system: 200, default: 403 },
  },
  {
    action: 'read your own insights',
    matrix: 'read decision insights',
    request: async () => ({ method: 'GET', path: '/v1/insights' }),
    expect: { default: 200 },
  },
  {
    action: "read bob's insights",
    matrix: 'read decision insights',
    request: async () => ({ method: 'GET', path: '/v1/insights?principal=user:bob' }),
    expect: { bob: 200, admin: 200, system: 200, default: 403 },
  },
  {
    action: 'read the metrics',
    matrix: 'read the metrics',
    request: async () => ({ method: 'GET', path: '/metrics' }),
    expect: { ci: 200, admin: 200, system: 200, default: 403 },
  },
  {
    action: 'read the approval policies',
    matrix: 'read the approval policies',
    request: async () => ({ method: 'GET', path: '/v1/policies' }),
    expect: { admin: 200, system: 200, default: 403 },
  },
  {
    action: 'GET run',
    matrix: 'read, stream, cancel a run',
    request: async (f) => ({ method: 'GET', path: `/v1/runs/${f.run}` }),
    expect: ADMINS_AND_ALICE(200),
  },
  {
    action: 'export run history',
    matrix: 'read, stream, cancel a run',
    request: async (f) => ({ method: 'GET', path: `/v1/runs/${f.run}/history` }),
    expect: ADMINS_AND_ALICE(200),
  },
  {
    action: 'stream run events',
    matrix: 'read, stream, cancel a run',
    request: async (f) => ({ method: 'GET', path: `/v1/runs/${f.run}/events` }),
    expect: ADMINS_AND_ALICE(200),
  },
  {
    action: 'cancel run',
    matrix: 'read, stream, cancel a run',
    request: async (f) => ({ method: 'POST', path: `/v1/runs/${await f.freshRun()}/cancel` }),
    expect: ADMINS_AND_ALICE(200),
  },
  {
    action: 'resume a run or move it to another version',
    matrix: 'resume a blocked, failed or cancelled run',
    request: async (f) => ({ method: 'POST', path: `/v1/runs/${await f.freshRun()}/resume`, body: {} }),
    // Admins only; a waiting run is neither blocked, failed nor cancelled (409).
    expect: { alice: 403, admin: 409, system: 409, default: 404 },
  },
  {
    action: 'send a message to a run',
    matrix: 'send a message to a run',
    request: async (f) => ({
      method: 'POST',
      path: `/v1/runs/${await f.freshRun()}/messages`,
      body: { topic: 'other', message: 1 },
    }),
    // The initiator sees the run but needs the `messages` permission.
    expect: { alice: 403, ci: 202, admin: 202, system: 202, default: 404 },
  },
  {
    action: 'emit an event',
    matrix: 'emit an event',
    request: async () => ({ method: 'POST', path: '/v1/events', body: { name: 'ping', data: {} } }),
    expect: { ci: 202, admin: 202, system: 202, default: 403 },
  },
  {
    action: 'start an open workflow',
    matrix: 'start a workflow',
    request: async () => ({ method: 'POST', path: '/v1/runs', body: { workflow: 'open' } }),
    expect: { default: 201 },
  },
  {
    action: 'start a restricted workflow (startable: group:approvers)',
    matrix: 'start a workflow',
    request: async () => ({ method: 'POST', path: '/v1/runs', body: { workflow: 'restricted' } }),
    expect: { dave: 201, admin: 201, system: 201, default: 403 },
    dev: { default: 201 },
  },
  {
    action: "start with alice's run id",
    matrix: 'start a workflow',
    request: async (f) => ({ method: 'POST', path: '/v1/runs', body: { workflow: 'open', id: f.run } }),
    expect: { alice: 201, admin: 201, system: 201, default: 409 },
  },
  {
    action: 'start the internal task workflow',
    matrix: 'internal runs',
    request: async () => ({ method: 'POST', path: '/v1/runs', body: { workflow: 'heed.task', input: {} } }),
    expect: EVERYONE_404,
  },
  {
    action: 'GET internal run',
    matrix: 'internal runs',
    request: async (f) => ({ method: 'GET', path: `/v1/runs/${f.lifecycle}` }),
    expect: EVERYONE_404,
  },
  {
    action: 'stream internal run',
    matrix: 'internal runs',
    request: async (f) => ({ method: 'GET', path: `/v1/runs/${f.lifecycle}/events` }),
    expect: EVERYONE_404,
  },
  {
    action: 'cancel internal run',
    matrix: 'internal runs',
    request: async (f) => ({ method: 'POST', path: `/v1/runs/${f.lifecycle}/cancel` }),
    expect: EVERYONE_404,
  },
  {
    action: 'message internal run',
    matrix: 'internal runs',
    request: async (f) => ({
      method: 'POST',
      path: `/v1/runs/${f.lifecycle}/messages`,
      body: { topic: 'heed.task.settled' },
    }),
    expect: EVERYONE_404,
  },
  {
    action: 'chat with an open agent',
    matrix: 'start a workflow',
    request: async () => ({ method: 'POST', path: '/v1/chat', body: chatTurn(newChatId(), 'open') }),
    expect: { default: 200 },
  },
  {
    action: 'chat with a restricted agent',
    matrix: 'start a workflow',
    request: async () => ({ method: 'POST', path: '/v1/chat', body: chatTurn(newChatId(), 'restricted') }),
    expect: { dave: 200, admin: 200, system: 200, default: 403 },
    dev: { default: 200 },
  },
  {
    action: "a turn in alice's chat",
    matrix: 'read, stream, cancel a run',
    request: async (f) => ({ method: 'POST', path: '/v1/chat', body: chatTurn(f.chat, 'open') }),
    // Those who may see it are told its turn is still going (409); to others it does not exist.
    expect: { alice: 409, admin: 409, system: 409, default: 404 },
  },
  {
    action: "resume alice's chat stream",
    matrix: 'read, stream, cancel a run',
    request: async (f) => ({ method: 'GET', path: `/v1/chat/${f.chat}/stream` }),
    expect: ADMINS_AND_ALICE(200),
  },
  {
    action: "read alice's chat",
    matrix: 'read, stream, cancel a run',
    request: async (f) => ({ method: 'GET', path: `/v1/chat/${f.chat}` }),
    expect: ADMINS_AND_ALICE(200),
  },
  {
    action: 'AG-UI run with an open agent',
    matrix: 'start a workflow',
    request: async () => ({ method: 'POST', path: '/v1/ag-ui', body: agUiTurn(newChatId(), 'open') }),
    expect: { default: 200 },
  },
  {
    action: 'AG-UI run with a restricted agent',
    matrix: 'start a workflow',
    request: async () => ({ method: 'POST', path: '/v1/ag-ui', body: agUiTurn(newChatId(), 'restricted') }),
    expect: { dave: 200, admin: 200, system: 200, default: 403 },
    dev: { default: 200 },
  },
  {
    action: "an AG-UI run on alice's chat thread",
    matrix: 'read, stream, cancel a run',
    // Those who may use it get the stream (its RUN_ERROR says the turn is still going); others: 404.
    request: async (f) => ({ method: 'POST', path: '/v1/ag-ui', body: agUiTurn(f.chat, 'open') }),
    expect: ADMINS_AND_ALICE(200),
  },
  {
    action: 'chat with the internal task workflow',
    matrix: 'internal runs',
    request: async () => ({ method: 'POST', path: '/v1/chat', body: chatTurn(newChatId(), 'heed.task') }),
    expect: EVERYONE_404,
  },
  {
    action: 'GET the run of a chat thread (internal)',
    matrix: 'internal runs',
    request: async (f) => ({ method: 'GET', path: `/v1/runs/chat:${f.chat}` }),
    expect: EVERYONE_404,
  },
  {
    action: 'list webhook deliveries',
    matrix: 'webhook deliveries',
    request: async () => ({ method: 'GET', path: '/v1/webhooks/deliveries' }),
    expect: { admin: 200, system: 200, default: 403 },
  },
];

function expected(row: Row, mode: Mode, who: Who): number {
  const override = mode === 'dev' ? row.dev : undefined;
  return (override?.[who] ?? row.expect[who] ?? override?.default ?? row.expect.default) as number;
}

async function setup(mode: Mode) {
  const s = await testServer({
    ...(mode === 'keys'
      ? { auth: { keys, admins: new Set(['user:admin']) } }
      : { auth: { admins: new Set(['user:admin']) } }),
    groupsOf: (p) => groups[p] ?? [],
    heed: { policies: [{ name: 'apps', callerAssigns: true }] },
    startable: { open: ['*'], restricted: ['group:approvers'] },
    permissions: { events: ['user:ci'], messages: ['user:ci'], metrics: ['user:ci'] },
    setup: (heed: Heed) => {
      heed.workflow('open', async (ctx) => ctx.recv('go'));
      heed.workflow('restricted', async (ctx) => ctx.recv('go'));
    },
  });
  const send = async (who: Who, method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (mode === 'keys') headers.authorization = `Bearer k-${who}`;
    else if (who !== 'system') headers['x-heed-principal'] = principal(who);
    const controller = new AbortController();
    const response = await fetch(`${s.url}${path}`, {
      method,
      headers,
      signal: controller.signal,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const streaming = (response.headers.get('content-type') ?? '').startsWith('text/event-stream');
    const parsed = streaming ? undefined : await response.json().catch(() => undefined);
    controller.abort();
    return { status: response.status, body: parsed as any };
  };
  /** A pending task of alice's, escalated once: bob and group:approvers asked, then erin. */
  const freshTask = async () => {
    const created = await send('alice', 'POST', '/v1/tasks', {
      type: 'approval',
      title: 'Pay the invoice?',
      assignees: ['user:bob', 'group:approvers'],
      escalate: [{ after: '1m', to: ['user:erin'] }],
    });
    const id = created.body.id as string;
    await s.heed.idle();
    await s.clock.advance('2m');
    await vi.waitFor(async () =>
      expect((await s.heed.tasks.get(id))?.assignees.map((a) => a.principal)).toContain('user:erin'),
    );
    return id;
  };
  const task = await freshTask();
  const run = (await send('alice', 'POST', '/v1/runs', { workflow: 'open', id: 'alice-run' })).body.id as string;
  expect((await send('alice', 'POST', '/v1/chat', chatTurn('alice-chat', 'open'))).status).toBe(200);
  const fixture: Fixture = {
    task,
    chat: 'alice-chat',
    run,
    lifecycle: `task:${task}`,
    freshTask,
    freshRun: async () => (await send('alice', 'POST', '/v1/runs', { workflow: 'open' })).body.id as string,
    freshApproval: async () => {
      const created = await send('alice', 'POST', '/v1/tasks', {
        type: 'approval',
        title: 'Pay invoice 7?',
        action: { tool: 'pay', args: { invoice: 7 } },
        assignees: ['user:bob'],
      });
      await s.heed.tasks.respond(created.body.id, { outcome: 'approve' }, { principal: 'user:bob' });
      return created.body.id as string;
    },
  };
  return { s, send, fixture };
}

/** The action cells of the matrix as the documentation shows it. */
function documentedRows(): string[] {
  const page = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'identity-and-authority.md'), 'utf8');
  const table = /^\| action \| who may \| others \|\n\| --- \| --- \| --- \|\n((?:\|.*\|\n)+)/m.exec(page)?.[1] ?? '';
  return table
    .trim()
    .split('\n')
    .map((row) => row.split(' | ')[0]?.replace(/^\|\s*/, '') ?? '');
}

/** Rows walked by other tests, and where. */
const ELSEWHERE: Record<string, string> = {
  'answer by one-click link': 'test/server/authorization-channels.test.ts',
  'answer with a Slack button or modal': 'test/server/authorization-channels.test.ts',
  'answer with a Teams card button': 'test/channels/teams.test.ts',
  'agents waiting': '"agents waiting, by who may see them" below',
  'answer from an AG-UI resume': 'test/ag-ui/ag-ui.test.ts',
  'answer many tasks at once': 'test/server/batch.test.ts',
  'let an approval stand': 'test/server/standing.test.ts',
  'list standing approvals': 'test/server/standing.test.ts',
  'revoke a standing approval': 'test/server/standing.test.ts',
  'an A2A task': 'test/a2a/a2a.test.ts',
  'send a message to the A2A agent': 'test/a2a/a2a.test.ts',
  'an MCP task': 'test/mcp/mcp-tasks.test.ts',
  'answer an MCP elicitation': 'test/mcp/mcp-tasks.test.ts',
};

describe('the authorization matrix over HTTP', () => {
  it('walks every row of the matrix the documentation shows, and only those', () => {
    const documented = documentedRows();
    expect(documented.length).toBeGreaterThan(10);
    const rowOf = (start: string) => documented.filter((action) => action.startsWith(start));
    // Each row here names exactly one documented row…
    expect(ROWS.filter((r) => r.matrix && rowOf(r.matrix).length !== 1).map((r) => r.action)).toEqual([]);
    // …and each documented row is walked here or by the test ELSEWHERE names.
    const walked = new Set(ROWS.flatMap((r) => (r.matrix ? rowOf(r.matrix) : [])));
    const missing = documented.filter(
      (action) => !walked.has(action) && !Object.keys(ELSEWHERE).some((start) => action.startsWith(start)),
    );
    expect(missing).toEqual([]);
  });

  for (const mode of ['keys', 'dev'] as const) {
    it(`gives every principal exactly its cell, ${mode === 'keys' ? 'with API keys' : 'in development mode'}`, async () => {
      const { send, fixture } = await setup(mode);
      const columns: Who[] = mode === 'dev' ? [...PEOPLE, 'system'] : PEOPLE;
      const actual: Record<string, Record<string, number>> = {};
      const wanted: Record<string, Record<string, number>> = {};
      for (const row of ROWS) {
        actual[row.action] = {};
        wanted[row.action] = {};
        for (const who of columns) {
          const { method, path, body } = await row.request(fixture);
          (actual[row.action] as Record<string, number>)[who] = (await send(who, method, path, body)).status;
          (wanted[row.action] as Record<string, number>)[who] = expected(row, mode, who);
        }
      }
      expect(actual).toEqual(wanted);
    }, 120_000);
  }

  it('lists only what the caller may see: runs, agents waiting, inboxes', async () => {
    const { send, fixture } = await setup('keys');
    const alice = (await send('alice', 'GET', '/v1/runs')).body.items.map((r: any) => r.id);
    expect(alice).toContain(fixture.run);
    expect((await send('alice', 'GET', `/v1/runs?initiator=user:alice`)).body.items.map((r: any) => r.id)).toContain(
      fixture.run,
    );
    // Nobody lists internal runs, not even an admin; another principal lists none of alice's.
    expect((await send('carol', 'GET', '/v1/runs')).body.items).toEqual([]);
    expect((await send('admin', 'GET', '/v1/runs?workflow=heed.task')).body.items).toEqual([]);
    const all = (await send('admin', 'GET', '/v1/runs?limit=1000')).body.items;
    expect(all.map((r: any) => r.workflow)).not.toContain('heed.task');
    expect(all.find((r: any) => r.id === fixture.run)).toMatchObject({ initiator: 'user:alice' });
    // The inbox of each assignee has the task; carol's has nothing.
    expect((await send('dave', 'GET', '/v1/tasks')).body.items.map((t: any) => t.id)).toContain(fixture.task);
    expect((await send('erin', 'GET', '/v1/tasks')).body.items.map((t: any) => t.id)).toContain(fixture.task);
    expect((await send('carol', 'GET', '/v1/tasks')).body.items).toEqual([]);
  });
});

describe('agents waiting, by who may see them', () => {
  it('shows each principal only the agents it started or whose tasks it may answer', async () => {
    const s = await testServer({
      auth: { keys, admins: new Set(['user:admin']) },
      startable: { agent: ['*'] },
      setup: (heed: Heed) =>
        heed.workflow('agent', async (ctx, input: { to: string }) => {
          await ctx.setStatus('agent', { status: 'pending_approval', tool: 'transfer', args: { to: input.to } });
          return ctx.ask({ type: 'approval', title: `Pay ${input.to}?`, assignees: ['user:bob'] });
        }),
    });
    const start = (key: string) =>
      s.call('POST', '/v1/runs', { key, body: { workflow: 'agent', input: { to: 'Zed' } } }).then((r) => r.body.id);
    const mine = await start('k-alice');
    await s.heed.idle();
    await vi.waitFor(async () =>
      expect((await s.call('GET', '/v1/tasks', { key: 'k-bob' })).body.items).toHaveLength(1),
    );
    const waiting = async (key: string) => (await s.call('GET', '/v1/agents/waiting', { key })).body.items;
    expect((await waiting('k-alice')).map((a: any) => a.runId)).toEqual([mine]);
    expect((await waiting('k-alice'))[0].status).toMatchObject({ args: { to: 'Zed' } });
    // bob is asked: he sees the agent and its task, not the agent's published arguments.
    const bobs = await waiting('k-bob');
    expect(bobs.map((a: any) => a.runId)).toEqual([mine]);
    expect(bobs[0].status).toEqual({ status: 'pending_approval' });
    expect(bobs[0].tasks).toHaveLength(1);
    expect(await waiting('k-carol')).toEqual([]);
    expect((await waiting('k-admin')).map((a: any) => a.runId)).toEqual([mine]);
  });
});
