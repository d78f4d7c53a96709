/**
 * A waiting MCP call (`request_approval` over Streamable HTTP, the SDK's real client) is woken by
 * the store's change port when the task ends, on SQLite and across two Heed instances sharing a
 * PostgreSQL database, instead of re-reading the task's run on a timer: with the fallback poll
 * at an hour, the run is read a handful of times however long the person takes.
 */
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Heed } from '../../src/index.ts';
import { PostgresStore } from '../../src/postgres.ts';
import { type RunningServer, startServer } from '../../src/server/serve.ts';
import { SqliteStore } from '../../src/sqlite.ts';
import type { Run } from '../../src/store/store.ts';
import { tempDir } from '../helpers.ts';
import { freshDatabase } from '../postgres/databases.ts';

const KEYS = new Map([
  ['key-bot', 'agent:bot'],
  ['key-alice', 'user:alice'],
]);
/** The fallback poll: far longer than the test, so only a pushed notification can wake a wait. */
const AN_HOUR = '1h';
/** How long the person takes to answer (real time; the waiting call sits through it). */
const THINKING_MS = 3_000;

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => {});
});

/** Counts reads of each run: the store is real, only counted. */
function counted<S extends { getRun(id: string): Promise<Run | undefined> }>(
  store: S,
): S & { reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const getRun = store.getRun.bind(store);
  return Object.assign(store, {
    reads,
    getRun: (id: string) => {
      reads.set(id, (reads.get(id) ?? 0) + 1);
      return getRun(id);
    },
  });
}

async function serve(heed: Heed): Promise<RunningServer> {
  const server = await startServer(heed, { port: 0, auth: { keys: KEYS } });
  closers.push(() => server.close());
  return server;
}

async function mcpClient(url: string): Promise<Client> {
  const client = new Client({ name: 'heed-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
      requestInit: { headers: { authorization: 'Bearer key-bot' } },
    }),
  );
  closers.push(() => client.close());
  return client;
}

/** Asks alice for an approval over MCP, answers it after THINKING_MS, and returns the call's result. */
async function askAndAnswer(url: string, heed: Heed, answer: (taskId: string) => Promise<unknown>) {
  const client = await mcpClient(url);
  const call = client.callTool(
    { name: 'request_approval', arguments: { action: 'deploy', args: { version: '2' }, assignees: ['user:alice'] } },
    undefined,
    { timeout: 60_000 },
  ) as Promise<CallToolResult>;
  const taskId = await vi.waitFor(
    async () => {
      const [task] = (await heed.tasks.list({ assignee: 'user:alice' })).items;
      if (!task) throw new Error('no task yet');
      return task.id;
    },
    { timeout: 10_000 },
  );
  await new Promise((resolve) => setTimeout(resolve, THINKING_MS));
  await answer(taskId);
  const result = await call;
  return { taskId, result };
}

describe('a waiting MCP call is woken by the store, not by a poll', () => {
  it('on SQLite, in one process', async () => {
    const store = counted(new SqliteStore(join(tempDir(), 'heed.db')));
    const heed = new Heed({ store, pollInterval: AN_HOUR, defaultApprovers: ['user:alice'] });
    closers.push(() => heed.stop({ grace: 0 }));
    const server = await serve(heed);
    const { taskId, result } = await askAndAnswer(server.url, heed, (id) =>
      fetch(`${server.url}/v1/tasks/${id}/responses`, {
        method: 'POST',
        headers: { authorization: 'Bearer key-alice', 'content-type': 'application/json' },
        body: JSON.stringify({ outcome: 'approve' }),
      }),
    );
    expect(JSON.stringify(result.structuredContent ?? result.content)).toContain('approve');
    const lifecycle = (await heed.tasks.get(taskId))?.lifecycleRunId as string;
    // A poll every 500 ms would have read it six times or more while alice thought.
    expect(store.reads.get(lifecycle) ?? 0).toBeGreaterThan(0);
    expect(store.reads.get(lifecycle) ?? 0).toBeLessThanOrEqual(4);
  });

  it('on PostgreSQL, when another Heed instance takes the answer', async () => {
    const url = await freshDatabase();
    const waiting = counted(new PostgresStore(url, { poolSize: 4 }));
    const a = new Heed({ store: waiting, pollInterval: AN_HOUR, defaultApprovers: ['user:alice'] });
    closers.push(() => a.stop({ grace: 0 }));
    const server = await serve(a);
    const b = new Heed({ store: new PostgresStore(url, { poolSize: 4 }), pollInterval: AN_HOUR });
    closers.push(() => b.stop({ grace: 0 }));
    await b.start();
    const { taskId, result } = await askAndAnswer(server.url, a, (id) =>
      b.tasks.respond(id, { outcome: 'approve' }, { principal: 'user:alice' }),
    );
    expect(JSON.stringify(result.structuredContent ?? result.content)).toContain('approve');
    const lifecycle = (await a.tasks.get(taskId))?.lifecycleRunId as string;
    expect(waiting.reads.get(lifecycle) ?? 0).toBeGreaterThan(0);
    expect(waiting.reads.get(lifecycle) ?? 0).toBeLessThanOrEqual(4);
  });
});
