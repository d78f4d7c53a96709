/**
 * MCP tasks and elicitation with the official SDK client, over Streamable HTTP (`/mcp`): a
 * task-augmented call answered by another person, reminders, status notifications, reconnects,
 * list and cancel, a server restart while waiting; confirmations asked in the client's own UI
 * (form and URL mode) and bound to that user; clients without the extension as before.
 */
import { Client, type ClientOptions } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  type CallToolResult,
  CallToolResultSchema,
  CreateTaskResultSchema,
  type ElicitRequest,
  ElicitRequestSchema,
  type ElicitResult,
  ElicitationCompleteNotificationSchema,
  type Task as McpTask,
  TaskStatusNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type RunningServer, startServer } from '../../src/server/serve.ts';
import { testEngine } from '../helpers.ts';
import { type Body, testServer } from '../server/helpers.ts';

const KEYS = new Map([
  ['key-bot', 'agent:bot'],
  ['key-alice', 'user:alice'],
  ['key-mallory', 'user:mallory'],
]);

/**
 * The server's policies: `send_email` is a confirmation (the requester names who confirms, and may
 * be that person); questions go to whom the caller names; every other approval is user:alice's,
 * four-eyes, reminded after an hour.
 */
const POLICIES = {
  policies: [
    { name: 'confirmations', match: { tool: 'send_email' }, callerAssigns: true, selfApproval: 'allowed' as const },
    { name: 'questions', match: { type: 'clarification' as const }, callerAssigns: true },
    { name: 'agents', approvers: ['user:alice'], remind: { after: '1h' } },
  ],
};

const clients: Client[] = [];
const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
  await Promise.all(servers.splice(0).map((s) => s.close().catch(() => {})));
});

type Elicited = ElicitRequest['params'];

/** An SDK client on `/mcp` with `key`; with `answer`, it declares elicitation and answers with it. */
async function mcpClient(
  url: string,
  key: string,
  elicit?: { modes: ('form' | 'url')[]; answer: (params: Elicited) => ElicitResult | Promise<ElicitResult> },
): Promise<Client & { elicited: Elicited[] }> {
  const options: ClientOptions = elicit
    ? {
        capabilities: {
          elicitation: {
            ...(elicit.modes.includes('form') ? { form: {} } : {}),
            ...(elicit.modes.includes('url') ? { url: {} } : {}),
          },
        },
      }
    : {};
  const client = Object.assign(new Client({ name: 'heed-test', version: '1.0.0' }, options), {
    elicited: [] as Elicited[],
  });
  if (elicit) {
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      client.elicited.push(request.params);
      return elicit.answer(request.params);
    });
  }
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    }),
  );
  clients.push(client);
  return client;
}

/** A task-augmented `tools/call`: the server answers at once with the MCP task. */
async function callAsTask(client: Client, name: string, args: Record<string, unknown>): Promise<McpTask> {
  const created = await client.request(
    { method: 'tools/call', params: { name, arguments: args, task: { ttl: 60_000 } } },
    CreateTaskResultSchema,
  );
  return created.task;
}

/** Answers a task over Heed's HTTP API with an API key. */
async function answer(url: string, key: string, id: string, body: Record<string, unknown>, via = 'api') {
  const response = await fetch(`${url}/v1/tasks/${encodeURIComponent(id)}/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-heed-via': via },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Body };
}

describe('MCP tasks over /mcp', () => {
  it('a task-augmented call is working while user:alice is reminded; her answer over HTTP completes it with the decision', async () => {
    const s = await testServer({ auth: { keys: KEYS }, heed: POLICIES });
    const bot = await mcpClient(s.url, 'key-bot');
    const task = await callAsTask(bot, 'request_approval', {
      action: 'deploy',
      args: { version: '2.1' },
      assignees: ['user:mallory'],
    });
    expect(task).toMatchObject({ status: 'working', statusMessage: 'waiting for user:alice', ttl: null });
    // The MCP task is the Heed task; the policy chose the approver (the model's wish is ignored and said so).
    const heedTask = await s.heed.tasks.get(task.taskId);
    expect(heedTask).toMatchObject({
      status: 'pending',
      requester: 'agent:bot',
      assignees: [{ principal: 'user:alice' }],
    });
    expect(heedTask?.policy?.ignored.map((i) => i.path)).toEqual(['assignees']);

    // Reminded by the server's policy, while the MCP task stays working.
    await s.heed.idle();
    await s.clock.advance('2h');
    await s.heed.idle();
    expect((await s.heed.tasks.get(task.taskId))?.remindersSent).toBe(1);
    expect((await bot.experimental.tasks.getTask(task.taskId)).status).toBe('working');

    // tasks/result waits; the status notification comes on its stream before the result.
    const statuses: McpTask[] = [];
    bot.setNotificationHandler(TaskStatusNotificationSchema, (n) => {
      statuses.push(n.params);
    });
    const result = bot.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema, { timeout: 60_000 });
    expect((await answer(s.url, 'key-alice', task.taskId, { outcome: 'approve', comment: 'ship it' })).status).toBe(
      200,
    );
    const done = (await result) as CallToolResult;
    expect(done.structuredContent).toMatchObject({
      taskId: task.taskId,
      approved: true,
      outcome: 'approve',
      by: 'user:alice',
      comment: 'ship it',
      args: { version: '2.1' },
      policy: { name: 'agents', ignored: [{ path: 'assignees' }] },
    });
    await vi.waitFor(() => expect(statuses.map((t) => t.status)).toContain('completed'));

    // A client that reconnects later finds it by id: tasks/get and tasks/result read the Heed task.
    const later = await mcpClient(s.url, 'key-bot');
    expect(await later.experimental.tasks.getTask(task.taskId)).toMatchObject({
      taskId: task.taskId,
      status: 'completed',
      statusMessage: 'decided: approve by user:alice',
    });
    expect(
      ((await later.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema)) as CallToolResult)
        .structuredContent,
    ).toEqual(done.structuredContent);
  });

  it('callToolStream follows a task to its end (working, then completed with the result)', async () => {
    const s = await testServer({ auth: { keys: KEYS }, heed: POLICIES });
    const bot = await mcpClient(s.url, 'key-bot');
    const statuses: string[] = [];
    let result: CallToolResult | undefined;
    for await (const message of bot.experimental.tasks.callToolStream(
      { name: 'ask_human', arguments: { question: 'Which region?', choices: ['eu', 'us'], assignees: ['user:alice'] } },
      CallToolResultSchema,
      { task: { ttl: 60_000 } },
    )) {
      if (message.type === 'taskCreated') {
        expect((await answer(s.url, 'key-alice', message.task.taskId, { outcome: 'us' })).status).toBe(200);
      }
      if (message.type === 'taskStatus') statuses.push(message.task.status);
      if (message.type === 'result') result = message.result as CallToolResult;
      if (message.type === 'error') throw message.error;
    }
    expect(statuses.at(-1)).toBe('completed');
    expect(result?.structuredContent).toMatchObject({ answer: 'us', by: 'user:alice' });
  });

  it('tasks/list holds the caller’s own tasks; tasks/cancel cancels the Heed task, only for its requester', async () => {
    const s = await testServer({ auth: { keys: KEYS }, heed: POLICIES });
    const bot = await mcpClient(s.url, 'key-bot');
    const first = await callAsTask(bot, 'request_approval', { action: 'deploy' });
    const second = await callAsTask(bot, 'request_approval', { action: 'rollback' });
    const { tasks } = await bot.experimental.tasks.listTasks();
    // Both were created at the same (virtual) instant: their order is the store's.
    expect(tasks.map((t) => [t.taskId, t.status]).sort()).toEqual(
      [
        [first.taskId, 'working'],
        [second.taskId, 'working'],
      ].sort(),
    );
    const mallory = await mcpClient(s.url, 'key-mallory');
    expect((await mallory.experimental.tasks.listTasks()).tasks).toEqual([]);

    // Someone who may not see it: not found. The approver sees it but may not cancel it.
    await expect(mallory.experimental.tasks.cancelTask(first.taskId)).rejects.toThrow(/not found/i);
    const alice = await mcpClient(s.url, 'key-alice');
    await expect(alice.experimental.tasks.cancelTask(first.taskId)).rejects.toThrow(/FORBIDDEN/);
    expect((await s.heed.tasks.get(first.taskId))?.status).toBe('pending');

    const cancelled = await bot.experimental.tasks.cancelTask(first.taskId);
    expect(cancelled).toMatchObject({
      taskId: first.taskId,
      status: 'cancelled',
      statusMessage: 'cancelled by agent:bot',
    });
    expect(await s.heed.tasks.get(first.taskId)).toMatchObject({ status: 'cancelled', result: { by: 'agent:bot' } });
    await expect(bot.experimental.tasks.cancelTask(first.taskId)).rejects.toThrow(/terminal/);
    // The person can no longer answer it, and its result says so.
    expect((await answer(s.url, 'key-alice', first.taskId, { outcome: 'approve' })).status).toBe(409);
    const result = (await bot.experimental.tasks.getTaskResult(first.taskId, CallToolResultSchema)) as CallToolResult;
    expect(result.structuredContent).toMatchObject({ approved: false, status: 'cancelled' });
    expect((await bot.experimental.tasks.getTask(second.taskId)).status).toBe('working');
  });

  it('an expired task is failed, with the expiry as its result', async () => {
    const s = await testServer({
      auth: { keys: KEYS },
      heed: { policies: [{ name: 'short', approvers: ['user:alice'], deadline: '1h', onTimeout: 'expire' }] },
    });
    const bot = await mcpClient(s.url, 'key-bot');
    const task = await callAsTask(bot, 'request_approval', { action: 'deploy' });
    await s.heed.idle();
    await s.clock.advance('2h');
    await s.heed.idle();
    expect(await bot.experimental.tasks.getTask(task.taskId)).toMatchObject({ status: 'failed' });
    const result = (await bot.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema)) as CallToolResult;
    expect(result.structuredContent).toMatchObject({ approved: false, status: 'expired' });
  });

  it('survives a server restart while waiting: the new server answers tasks/get and completes the task', async () => {
    const { heed, reopen } = testEngine(POLICIES);
    const first = await startServer(heed, { port: 0, auth: { keys: KEYS } });
    servers.push(first);
    const bot = await mcpClient(first.url, 'key-bot');
    const task = await callAsTask(bot, 'request_approval', { action: 'rotate_keys', args: { env: 'prod' } });
    await bot.close();
    await first.close();
    await heed.stop({ grace: 0 });

    const again = reopen();
    const second = await startServer(again, { port: 0, auth: { keys: KEYS } });
    servers.push(second);
    const back = await mcpClient(second.url, 'key-bot');
    expect(await back.experimental.tasks.getTask(task.taskId)).toMatchObject({ status: 'working' });
    const result = back.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema, { timeout: 60_000 });
    expect((await answer(second.url, 'key-alice', task.taskId, { outcome: 'approve' })).status).toBe(200);
    expect(((await result) as CallToolResult).structuredContent).toMatchObject({
      approved: true,
      by: 'user:alice',
      args: { env: 'prod' },
    });
  });
});

describe('elicitation: the MCP client’s own user answers a confirmation in the client', () => {
  it('form mode: a plain call asks user:alice in her client and records her decision as hers', async () => {
    const s = await testServer({ auth: { keys: KEYS }, heed: POLICIES });
    const alice = await mcpClient(s.url, 'key-alice', {
      modes: ['form'],
      answer: () => ({ action: 'accept', content: { decision: 'approve', comment: 'yes, send it' } }),
    });
    const result = (await alice.callTool(
      {
        name: 'request_approval',
        arguments: { action: 'send_email', args: { to: 'bob@example.com' }, assignees: ['user:alice'] },
      },
      undefined,
      { timeout: 60_000 },
    )) as CallToolResult;
    expect(result.structuredContent).toMatchObject({
      approved: true,
      by: 'user:alice',
      via: 'mcp',
      comment: 'yes, send it',
      args: { to: 'bob@example.com' },
    });
    const [asked] = alice.elicited;
    expect(asked).toMatchObject({ mode: 'form', requestedSchema: { type: 'object', required: ['decision'] } });
    expect(asked?.message).toContain('send_email {"to":"bob@example.com"}');
    expect((asked as { requestedSchema: { properties: Body } }).requestedSchema.properties.decision.oneOf).toEqual([
      { const: 'approve', title: expect.any(String) },
      { const: 'reject', title: expect.any(String) },
    ]);
    const id = (result.structuredContent as { taskId: string }).taskId;
    // The audit chain says she answered her own request, through MCP.
    const audit = await s.heed.tasks.audit(id);
    expect(audit.find((e) => e.action === 'responded')).toMatchObject({
      actor: 'user:alice',
      via: 'mcp',
      detail: { ownRequest: true },
    });
  });

  it('an answer the task refuses (a reject without its reason) is asked again, with the reason', async () => {
    const s = await testServer({ auth: { keys: KEYS }, heed: POLICIES });
    const replies: ElicitResult[] = [
      { action: 'accept', content: { decision: 'reject' } },
      { action: 'accept', content: { decision: 'reject', comment: 'wrong recipient' } },
    ];
    const alice = await mcpClient(s.url, 'key-alice', {
      modes: ['form'],
      answer: () => replies.shift() ?? { action: 'cancel' },
    });
    const result = (await alice.callTool(
      { name: 'request_approval', arguments: { action: 'send_email', assignees: ['user:alice'] } },
      undefined,
      { timeout: 60_000 },
    )) as CallToolResult;
    expect(result.structuredContent).toMatchObject({ approved: false, by: 'user:alice', comment: 'wrong recipient' });
    expect(alice.elicited).toHaveLength(2);
    expect(alice.elicited[1]?.message).toMatch(/^Not recorded: .*comment/);
  });

  it('a task-augmented call is input_required; tasks/result asks and completes with her answer', async () => {
    const s = await testServer({ auth: { keys: KEYS }, heed: POLICIES });
    const alice = await mcpClient(s.url, 'key-alice', {
      modes: ['form'],
      answer: (params) =>
        (params as { requestedSchema: { properties: Record<string, unknown> } }).requestedSchema.properties.decision
          ? { action: 'accept', content: { decision: 'eu' } }
          : { action: 'decline' },
    });
    const statuses: string[] = [];
    let result: CallToolResult | undefined;
    for await (const message of alice.experimental.tasks.callToolStream(
      { name: 'ask_human', arguments: { question: 'Which region?', choices: ['eu', 'us'], assignees: ['user:alice'] } },
      CallToolResultSchema,
      { task: { ttl: 60_000 }, timeout: 60_000 },
    )) {
      if (message.type === 'taskCreated') statuses.push(message.task.status);
      if (message.type === 'taskStatus') statuses.push(message.task.status);
      if (message.type === 'result') result = message.result as CallToolResult;
      if (message.type === 'error') throw message.error;
    }
    expect(statuses[0]).toBe('input_required');
    expect(result?.structuredContent).toMatchObject({ answer: 'eu', by: 'user:alice', via: 'mcp' });
    expect(alice.elicited).toHaveLength(1);
  });

  it('is bound to that user: an answer to her elicitation from someone else records nothing', async () => {
    const s = await testServer({ auth: { keys: KEYS }, heed: POLICIES });
    let elicitationId!: (id: string) => void;
    const asked = new Promise<string>((resolve) => {
      elicitationId = resolve;
    });
    // Alice's client leaves the form open (declines); the JSON-RPC id of the request is what an answer names.
    const alice = await mcpClient(s.url, 'key-alice', { modes: ['form'], answer: () => ({ action: 'decline' }) });
    alice.fallbackNotificationHandler = async () => {};
    const transport = alice.transport as StreamableHTTPClientTransport;
    const send = transport.send.bind(transport);
    transport.send = async (message, options) => {
      const id = (message as { id?: unknown; result?: unknown }).id;
      if (typeof id === 'string' && 'result' in message) elicitationId(id);
      return send(message, options);
    };
    const task = await callAsTask(alice, 'request_approval', { action: 'send_email', assignees: ['user:alice'] });
    expect(task.status).toBe('input_required');
    const waiting = alice.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema, { timeout: 60_000 });
    const id = await asked;

    const post = (key: string, content: Record<string, unknown>) =>
      fetch(`${s.url}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id, result: { action: 'accept', content } }),
      });
    expect((await post('key-mallory', { decision: 'approve' })).status).toBe(202);
    expect((await post('key-alice', { decision: 'reject', comment: 'not today' })).status).toBe(202);
    const done = (await waiting) as CallToolResult;
    expect(done.structuredContent).toMatchObject({ approved: false, by: 'user:alice', comment: 'not today' });
    const ended = await s.heed.tasks.get(task.taskId);
    expect(ended?.responses.map((r) => r.principal)).toEqual(['user:alice']);
    expect((await s.heed.tasks.audit(task.taskId)).some((e) => e.actor === 'user:mallory')).toBe(false);
  });

  it('URL mode links a task that needs the inbox (editable arguments) to its inbox page, and says when it is over', async () => {
    const s = await testServer({ auth: { keys: KEYS }, heed: POLICIES });
    const alice = await mcpClient(s.url, 'key-alice', { modes: ['form', 'url'], answer: () => ({ action: 'accept' }) });
    const completed: string[] = [];
    alice.setNotificationHandler(ElicitationCompleteNotificationSchema, (n) => {
      completed.push(n.params.elicitationId);
    });
    let taskId!: (id: string) => void;
    const created = new Promise<string>((resolve) => {
      taskId = resolve;
    });
    const call = alice.callTool(
      {
        name: 'request_approval',
        arguments: {
          action: 'send_email',
          args: { to: 'bob@example.com' },
          allowEdit: true,
          assignees: ['user:alice'],
        },
      },
      undefined,
      {
        timeout: 60_000,
        onprogress: (p) => {
          const id = /Heed task (\S+) is pending/.exec(p.message ?? '')?.[1];
          if (id) taskId(id);
        },
      },
    ) as Promise<CallToolResult>;
    const id = await created;
    await vi.waitFor(() => expect(alice.elicited).toHaveLength(1));
    const [asked] = alice.elicited as (Elicited & { url: string; elicitationId: string })[];
    expect(asked).toMatchObject({ mode: 'url', url: `${s.url}/#/task/${id}` });
    // Accepting the link records nothing: she answers in the inbox, as herself.
    expect((await s.heed.tasks.get(id))?.status).toBe('pending');
    const edited = await answer(
      s.url,
      'key-alice',
      id,
      { outcome: 'approve', args: { to: 'carol@example.com' } },
      'inbox',
    );
    expect(edited.status).toBe(200);
    expect((await call).structuredContent).toMatchObject({
      approved: true,
      via: 'inbox',
      args: { to: 'carol@example.com' },
    });
    await vi.waitFor(() => expect(completed).toEqual([asked?.elicitationId]));
  });

  it('policies decide: four-eyes is not a confirmation, so the requester is not asked', async () => {
    const s = await testServer({ auth: { keys: KEYS }, heed: POLICIES });
    const alice = await mcpClient(s.url, 'key-alice', {
      modes: ['form', 'url'],
      answer: () => ({ action: 'decline' }),
    });
    // `deploy` falls under "agents": user:alice approves, but not her own request.
    const task = await callAsTask(alice, 'request_approval', { action: 'deploy', assignees: ['user:alice'] });
    expect(task.status).toBe('working');
    expect((await answer(s.url, 'key-alice', task.taskId, { outcome: 'approve' })).status).toBe(403);
    // A question addressed to someone else is theirs, not the caller's.
    const question = await callAsTask(alice, 'ask_human', { question: 'Lunch?', assignees: ['user:mallory'] });
    expect(question.status).toBe('working');
    // Another's request that she approves is not a confirmation either: she answers it on her channels.
    const bot = await mcpClient(s.url, 'key-bot');
    const theirs = await callAsTask(bot, 'request_approval', { action: 'deploy' });
    expect((await alice.experimental.tasks.getTask(theirs.taskId)).status).toBe('working');
    const waiting = alice.experimental.tasks.getTaskResult(theirs.taskId, CallToolResultSchema, { timeout: 60_000 });
    expect((await answer(s.url, 'key-alice', theirs.taskId, { outcome: 'approve' })).status).toBe(200);
    expect(((await waiting) as CallToolResult).structuredContent).toMatchObject({ approved: true, via: 'api' });
    expect(alice.elicited).toEqual([]);
  });

  it('a client without elicitation works as before: no session id, a working task, answered elsewhere', async () => {
    const s = await testServer({ auth: { keys: KEYS }, heed: POLICIES });
    const initialize = await fetch(`${s.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer key-alice',
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      }),
    });
    expect(initialize.status).toBe(200);
    expect(initialize.headers.get('mcp-session-id')).toBeNull();

    const alice = await mcpClient(s.url, 'key-alice');
    const task = await callAsTask(alice, 'request_approval', { action: 'send_email', assignees: ['user:alice'] });
    expect(task.status).toBe('working');
    const waiting = alice.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema, { timeout: 60_000 });
    expect((await answer(s.url, 'key-alice', task.taskId, { outcome: 'approve' }, 'inbox')).status).toBe(200);
    expect(((await waiting) as CallToolResult).structuredContent).toMatchObject({ approved: true, via: 'inbox' });
  });
});
