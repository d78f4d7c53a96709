/**
 * MCP tasks and elicitation on `heed mcp` (stdio), with the official SDK client spawning the
 * command: against a store (`--db`) and against a server (`--url --key`).
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  type CallToolResult,
  CallToolResultSchema,
  CreateTaskResultSchema,
  type ElicitRequest,
  ElicitRequestSchema,
  type ElicitResult,
  type Task as McpTask,
  TaskStatusNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type RunningServer, startServer } from '../../src/server/serve.ts';
import { onlySqlite, testEngine } from '../helpers.ts';
import { testServer } from '../server/helpers.ts';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const KEYS = new Map([
  ['key-bot', 'agent:bot'],
  ['key-alice', 'user:alice'],
]);
const POLICIES = {
  policies: [
    { name: 'confirmations', match: { tool: 'send_email' }, callerAssigns: true, selfApproval: 'allowed' as const },
    { name: 'agents', approvers: ['user:alice'] },
  ],
};

const clients: Client[] = [];
const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
  await Promise.all(servers.splice(0).map((s) => s.close().catch(() => {})));
});

type Elicited = ElicitRequest['params'];

/** `heed mcp ARGS` under the SDK client; with `answer`, the client declares form elicitation and answers with it. */
async function stdioClient(args: string[], answer?: (params: Elicited) => ElicitResult) {
  const client = Object.assign(
    new Client({ name: 'heed-test', version: '1.0.0' }, answer ? { capabilities: { elicitation: { form: {} } } } : {}),
    { elicited: [] as Elicited[] },
  );
  if (answer) {
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      client.elicited.push(request.params);
      return answer(request.params);
    });
  }
  await client.connect(
    new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', ...args], stderr: 'pipe' }),
  );
  clients.push(client);
  return client;
}

async function callAsTask(client: Client, name: string, args: Record<string, unknown>): Promise<McpTask> {
  const created = await client.request(
    { method: 'tools/call', params: { name, arguments: args, task: { ttl: 60_000 } } },
    CreateTaskResultSchema,
  );
  return created.task;
}

async function answer(url: string, key: string, id: string, body: Record<string, unknown>) {
  const response = await fetch(`${url}/v1/tasks/${encodeURIComponent(id)}/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return response.status;
}

describe('MCP tasks on heed mcp (stdio)', () => {
  it.skipIf(onlySqlite('heed mcp --db takes a SQLite file'))(
    'against a store: the end of a task is told without asking, and a confirmation is asked in the client',
    async () => {
      const { heed, path } = testEngine(POLICIES);
      const server = await startServer(heed, { port: 0, auth: { keys: KEYS } });
      servers.push(server);
      const config = join(dirname(path), 'heed.json');
      writeFileSync(config, JSON.stringify(POLICIES));

      // An agent's request, decided by user:alice over HTTP on the same store: the status is pushed.
      const bot = await stdioClient(['--db', path, '--config', config, '--as', 'agent:bot']);
      const statuses: McpTask[] = [];
      bot.setNotificationHandler(TaskStatusNotificationSchema, (n) => {
        statuses.push(n.params);
      });
      const task = await callAsTask(bot, 'request_approval', { action: 'deploy', args: { v: 3 } });
      expect(task.status).toBe('working');
      expect((await heed.tasks.get(task.taskId))?.requester).toBe('agent:bot');
      expect(await answer(server.url, 'key-alice', task.taskId, { outcome: 'approve' })).toBe(200);
      await vi.waitFor(() => expect(statuses.map((t) => [t.taskId, t.status])).toEqual([[task.taskId, 'completed']]), {
        timeout: 20_000,
      });
      const result = (await bot.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema)) as CallToolResult;
      expect(result.structuredContent).toMatchObject({ approved: true, by: 'user:alice', args: { v: 3 } });

      // user:alice's own confirmation: asked in her client, recorded as hers via mcp.
      const alice = await stdioClient(['--db', path, '--config', config, '--as', 'user:alice'], () => ({
        action: 'accept',
        content: { decision: 'approve' },
      }));
      let done: CallToolResult | undefined;
      const seen: string[] = [];
      for await (const message of alice.experimental.tasks.callToolStream(
        { name: 'request_approval', arguments: { action: 'send_email', assignees: ['user:alice'] } },
        CallToolResultSchema,
        { task: { ttl: 60_000 }, timeout: 60_000 },
      )) {
        if (message.type === 'taskCreated' || message.type === 'taskStatus') seen.push(message.task.status);
        if (message.type === 'result') done = message.result as CallToolResult;
        if (message.type === 'error') throw message.error;
      }
      expect(seen[0]).toBe('input_required');
      expect(done?.structuredContent).toMatchObject({ approved: true, by: 'user:alice', via: 'mcp' });
      expect(alice.elicited).toHaveLength(1);
    },
  );

  it('against a server (--url --key): elicitation, list and cancel go through the server as the key', async () => {
    const s = await testServer({ auth: { keys: KEYS }, heed: POLICIES });
    const alice = await stdioClient(['--url', s.url, '--key', 'key-alice'], () => ({
      action: 'accept',
      content: { decision: 'reject', comment: 'wrong recipient' },
    }));
    const result = (await alice.callTool(
      { name: 'request_approval', arguments: { action: 'send_email', args: { to: 'x' }, assignees: ['user:alice'] } },
      undefined,
      { timeout: 60_000 },
    )) as CallToolResult;
    expect(result.structuredContent).toMatchObject({
      approved: false,
      outcome: 'reject',
      by: 'user:alice',
      via: 'mcp',
      comment: 'wrong recipient',
    });
    expect(alice.elicited).toHaveLength(1);

    const bot = await stdioClient(['--url', s.url, '--key', 'key-bot']);
    const task = await callAsTask(bot, 'request_approval', { action: 'deploy' });
    expect(task.status).toBe('working');
    expect((await bot.experimental.tasks.listTasks()).tasks.map((t) => t.taskId)).toEqual([task.taskId]);
    await expect(alice.experimental.tasks.cancelTask(task.taskId)).rejects.toThrow(/FORBIDDEN/);
    expect(await bot.experimental.tasks.cancelTask(task.taskId)).toMatchObject({ status: 'cancelled' });
    expect((await s.heed.tasks.get(task.taskId))?.status).toBe('cancelled');
  });
});
