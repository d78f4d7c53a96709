import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type CallToolResult, CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server/serve.ts';
import { onlySqlite, testEngine } from '../helpers.ts';
import { type Body, testServer } from '../server/helpers.ts';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const KEYS = new Map([
  ['key-bot', 'agent:bot'],
  ['key-alice', 'user:alice'],
  ['key-mallory', 'user:mallory'],
]);

/** The server's policy: what an agent asks, user:alice decides (the agents' own `assignees` are only a wish). */
const AGENT_POLICY = { policies: [{ name: 'agents', approvers: ['user:alice'] }] };

const clients: Client[] = [];
const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
  await Promise.all(servers.splice(0).map((s) => s.close().catch(() => {})));
});

async function connect(transport: Transport): Promise<Client> {
  const client = new Client({ name: 'heed-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

function httpClient(url: string, key: string): Promise<Client> {
  return connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    }),
  );
}

function stdioClient(...args: string[]): Promise<Client> {
  return connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', ...args], stderr: 'pipe' }));
}

/** Calls a tool and resolves with the task id from its first progress notification, and the call itself. */
function callWaiting(client: Client, name: string, args: Record<string, unknown>, options: { timeout?: number } = {}) {
  let taskId!: (id: string) => void;
  const firstProgress = new Promise<string>((resolve) => {
    taskId = resolve;
  });
  const messages: string[] = [];
  const call = client.callTool({ name, arguments: args }, undefined, {
    timeout: options.timeout ?? 60_000,
    onprogress: (progress) => {
      messages.push(progress.message ?? '');
      const id = /Heed task (\S+) is pending/.exec(progress.message ?? '')?.[1];
      if (id) taskId(id);
    },
  }) as Promise<CallToolResult>;
  return { taskId: firstProgress, call, messages };
}

/** Answers a task over Heed's HTTP API with an API key. */
async function answer(url: string, key: string, id: string, body: Record<string, unknown>) {
  const response = await fetch(`${url}/v1/tasks/${encodeURIComponent(id)}/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Body };
}

describe('the MCP server over Streamable HTTP (/mcp)', () => {
  it('lists the three tools, creates the task as the caller and returns the decision given over HTTP by another principal', async () => {
    const s = await testServer({ auth: { keys: KEYS }, heed: AGENT_POLICY });
    const client = await httpClient(s.url, 'key-bot');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['ask_human', 'get_task', 'request_approval']);

    const pending = callWaiting(client, 'request_approval', {
      action: 'deploy',
      args: { region: 'eu', version: '1.4.2' },
      assignees: ['user:alice'],
      allowEdit: true,
      deadline: '3d',
    });
    const id = await pending.taskId;
    const task = await s.heed.tasks.get(id);
    expect(task).toMatchObject({
      status: 'pending',
      requester: 'agent:bot',
      action: { tool: 'deploy', args: { region: 'eu', version: '1.4.2' } },
      assignees: [{ principal: 'user:alice', level: 0 }],
    });
    // The requester cannot approve its own request, nor can someone who was not asked.
    expect((await answer(s.url, 'key-bot', id, { outcome: 'approve' })).status).toBe(403);
    expect((await answer(s.url, 'key-mallory', id, { outcome: 'approve' })).status).toBe(404);
    const answered = await answer(s.url, 'key-alice', id, {
      outcome: 'approve',
      comment: 'us is quieter today',
      args: { region: 'us', version: '1.4.2' },
    });
    expect(answered.status).toBe(200);

    const result = await pending.call;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({
      taskId: id,
      approved: true,
      status: 'resolved',
      outcome: 'approve',
      by: 'user:alice',
      comment: 'us is quieter today',
      args: { region: 'us', version: '1.4.2' },
      edited: [{ path: 'region', from: 'eu', to: 'us' }],
    });
    expect(JSON.parse((result.content as { text: string }[])[0]?.text ?? '{}')).toEqual(result.structuredContent);
  });

  it('survives the client timing out: the task id from the progress brings it back with get_task', async () => {
    const s = await testServer({ auth: { keys: KEYS }, heed: AGENT_POLICY });
    const client = await httpClient(s.url, 'key-bot');
    const pending = callWaiting(
      client,
      'ask_human',
      { question: 'Which region should the cluster go to?', choices: ['eu', 'us'], assignees: ['user:alice'] },
      { timeout: 300 },
    );
    const id = await pending.taskId;
    await expect(pending.call).rejects.toThrow(/timed out/i);
    // The task is still there, waiting for Alice; the call's end cancelled nothing.
    expect((await s.heed.tasks.get(id))?.status).toBe('pending');

    const later = await httpClient(s.url, 'key-bot');
    const before = (await later.callTool({ name: 'get_task', arguments: { taskId: id } })) as CallToolResult;
    expect(before.structuredContent).toMatchObject({ taskId: id, status: 'pending', result: null });
    const waiting = later.callTool({ name: 'get_task', arguments: { taskId: id, wait: 60 } });
    expect((await answer(s.url, 'key-alice', id, { outcome: 'us' })).status).toBe(200);
    const after = (await waiting) as CallToolResult;
    expect(after.structuredContent).toMatchObject({
      taskId: id,
      type: 'clarification',
      status: 'resolved',
      requester: 'agent:bot',
      result: { outcome: 'us', by: 'user:alice' },
    });

    // Someone else cannot read it: it does not exist for them.
    const mallory = await httpClient(s.url, 'key-mallory');
    const hidden = (await mallory.callTool({ name: 'get_task', arguments: { taskId: id } })) as CallToolResult;
    expect(hidden.isError).toBe(true);
    expect(JSON.stringify(hidden.content)).toContain('TASK_NOT_FOUND');
  });

  it('answers a call whose wait window passes with the pending task id, and refuses requests without a key', async () => {
    const s = await testServer({ auth: { keys: KEYS }, heed: AGENT_POLICY });
    const client = await httpClient(s.url, 'key-bot');
    const result = (await client.callTool({
      name: 'request_approval',
      arguments: { action: 'drop_table', args: { table: 'users' }, assignees: ['user:alice'], wait: 0 },
    })) as CallToolResult;
    expect(result.structuredContent).toMatchObject({ status: 'pending' });
    const id = (result.structuredContent as { taskId: string }).taskId;
    expect((await s.heed.tasks.get(id))?.requester).toBe('agent:bot');

    const bad = (await client.callTool({
      name: 'request_approval',
      arguments: { action: 'x', assignees: ['not a principal'], wait: 0 },
    })) as CallToolResult;
    expect(bad.isError).toBe(true);
    expect(JSON.stringify(bad.content)).toMatch(/INVALID/);

    const anonymous = await fetch(`${s.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(anonymous.status).toBe(401);
    await expect(httpClient(s.url, 'wrong-key')).rejects.toThrow();
  });
});

describe("MCP tasks (the SDK's experimental task support)", () => {
  it('a task-augmented call answers at once with the Heed task; tasks/get and tasks/result follow it', async () => {
    const s = await testServer({ auth: { keys: KEYS }, heed: AGENT_POLICY });
    const client = await httpClient(s.url, 'key-bot');
    const { tools } = await client.listTools();
    expect(tools.find((t) => t.name === 'request_approval')?.execution).toEqual({ taskSupport: 'optional' });
    const stream = client.experimental.tasks.callToolStream(
      {
        name: 'request_approval',
        arguments: { action: 'rotate_keys', args: { env: 'prod' }, assignees: ['user:alice'] },
      },
      CallToolResultSchema,
      { task: { ttl: 60_000 } },
    );
    let created: string | undefined;
    let result: CallToolResult | undefined;
    const statuses: string[] = [];
    for await (const message of stream) {
      if (message.type === 'taskCreated') {
        created = message.task.taskId;
        expect(await s.heed.tasks.get(created)).toMatchObject({ status: 'pending', requester: 'agent:bot' });
        expect((await client.experimental.tasks.getTask(created)).status).toBe('working');
        expect((await answer(s.url, 'key-alice', created, { outcome: 'approve' })).status).toBe(200);
      }
      if (message.type === 'taskStatus') statuses.push(message.task.status);
      if (message.type === 'result') result = message.result as CallToolResult;
      if (message.type === 'error') throw message.error;
    }
    expect(statuses.at(-1)).toBe('completed');
    expect(result?.structuredContent).toMatchObject({
      taskId: created,
      approved: true,
      by: 'user:alice',
      args: { env: 'prod' },
    });
  });
});

describe('/mcp in development mode (no API keys)', () => {
  it('acts as the X-Heed-Principal, like every other route', async () => {
    const s = await testServer({ heed: AGENT_POLICY });
    const client = await connect(
      new StreamableHTTPClientTransport(new URL(`${s.url}/mcp`), {
        requestInit: { headers: { 'x-heed-principal': 'agent:dev' } },
      }),
    );
    const result = (await client.callTool({
      name: 'ask_human',
      arguments: { question: 'Ship it?', choices: ['yes', 'no'], assignees: ['user:alice'], wait: 0 },
    })) as CallToolResult;
    const id = (result.structuredContent as { taskId: string }).taskId;
    expect(await s.heed.tasks.get(id)).toMatchObject({ requester: 'agent:dev', outcomes: ['yes', 'no'] });
    const bad = await fetch(`${s.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'x-heed-principal': 'not a principal',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(bad.status).toBe(400);
  });
});

describe('heed mcp over stdio (the SDK client spawns the command)', () => {
  // SQLite only: `heed mcp --db` takes a SQLite file.
  it.skipIf(onlySqlite('heed mcp --db takes a SQLite file'))(
    'against a store (--db): asks as --as, the answer comes over HTTP from a server on the same file',
    async () => {
      const { heed, path } = testEngine();
      const server = await startServer(heed, { port: 0, auth: { keys: KEYS } });
      servers.push(server);
      const config = join(dirname(path), 'heed.json');
      writeFileSync(config, JSON.stringify(AGENT_POLICY));
      const client = await stdioClient('--db', path, '--config', config, '--as', 'agent:stdio-bot');
      const pending = callWaiting(client, 'request_approval', {
        action: 'refund',
        args: { order: 'A-17', cents: 15000 },
        assignees: ['user:alice'],
      });
      const id = await pending.taskId;
      expect((await heed.tasks.get(id))?.requester).toBe('agent:stdio-bot');
      const refused = await answer(server.url, 'key-alice', id, { outcome: 'reject' });
      expect(refused.body.error.code).toBe('COMMENT_REQUIRED');
      expect((await answer(server.url, 'key-alice', id, { outcome: 'reject', comment: 'over the limit' })).status).toBe(
        200,
      );
      expect((await pending.call).structuredContent).toMatchObject({
        taskId: id,
        approved: false,
        outcome: 'reject',
        by: 'user:alice',
        comment: 'over the limit',
        args: null,
      });
    },
  );

  it('against a server (--url, --key): the key is the caller', async () => {
    const s = await testServer({ auth: { keys: KEYS }, heed: AGENT_POLICY });
    const client = await stdioClient('--url', s.url, '--key', 'key-bot');
    const pending = callWaiting(client, 'ask_human', {
      question: 'What is the customer number on the paper form?',
      assignees: ['user:alice'],
    });
    const id = await pending.taskId;
    expect((await s.heed.tasks.get(id))?.requester).toBe('agent:bot');
    expect((await answer(s.url, 'key-alice', id, { outcome: 'answer', comment: 'C-20931' })).status).toBe(200);
    expect((await pending.call).structuredContent).toMatchObject({
      taskId: id,
      answer: 'C-20931',
      status: 'resolved',
      by: 'user:alice',
    });
    const got = (await client.callTool({ name: 'get_task', arguments: { taskId: id } })) as CallToolResult;
    expect(got.structuredContent).toMatchObject({ status: 'resolved', result: { comment: 'C-20931' } });
  });
});
