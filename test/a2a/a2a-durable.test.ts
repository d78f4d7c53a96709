/**
 * The A2A agent's durability and push notifications, with the official `@a2a-js/sdk` client: a
 * server restart while a task waits loses nothing (GetTask and SubscribeToTask on the new
 * server, the decision still completes the task), and push notifications reach a local HTTP
 * server, signed the Standard Webhooks way with the config's token, under the same SSRF rules as
 * task callbacks.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamResponse, type Task as A2ATask, TaskState } from '@a2a-js/sdk';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Heed } from '../../src/index.ts';
import { startServer } from '../../src/server/serve.ts';
import { testEngine } from '../helpers.ts';
import { testServer } from '../server/helpers.ts';
import { a2aClient, AUTH, CALLBACK_SECRET, dataOf, dataPart, kindOf, POLICIES, send, textOf } from './helpers.ts';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => {});
});

async function pendingFor(heed: Heed) {
  return vi.waitFor(
    async () => {
      const [task] = (await heed.tasks.list({ assignee: 'user:ops' })).items;
      if (!task) throw new Error('no task yet');
      return task;
    },
    { timeout: 10_000 },
  );
}

const deploy = () => dataPart({ skill: 'request_approval', action: 'deploy', args: { version: '2' } });

/** A local HTTP server that keeps what is POSTed to it. */
async function receiver() {
  const received: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

describe('the A2A agent across a restart', () => {
  it('a task waiting when the server stops is read, followed and completed on the next one', async () => {
    const engine = testEngine({ policies: POLICIES });
    const first = await startServer(engine.heed, { port: 0, auth: AUTH });
    closers.push(() => first.close());
    const client = await a2aClient(first.url, 'key-agent');
    const started = (await client.sendMessage(send([deploy()], { returnImmediately: true }))) as A2ATask;
    const task = await pendingFor(engine.heed);
    // A stream open when the server goes down ends with it.
    const open = client.resubscribeTask({ tenant: '', id: started.id });
    await open.next();
    await first.close();
    await expect(
      (async () => {
        for await (const _ of open);
      })(),
    ).rejects.toThrow();

    const heed = engine.reopen();
    const second = await startServer(heed, { port: 0, auth: AUTH });
    closers.push(() => second.close());
    const again = await a2aClient(second.url, 'key-agent');
    const read = await again.getTask({ tenant: '', id: started.id });
    expect(read.status?.state).toBe(TaskState.TASK_STATE_WORKING);
    expect(textOf(read.status?.message?.parts[0])).toBe('waiting for user:ops');
    expect(read.history[0]?.messageId).toBe(started.history[0]?.messageId);

    const events: string[] = [];
    let decision: Record<string, unknown> | undefined;
    for await (const event of again.resubscribeTask({ tenant: '', id: started.id })) {
      events.push(kindOf(event));
      if (events.length === 1) {
        const answered = await fetch(`${second.url}/v1/tasks/${task.id}/responses`, {
          method: 'POST',
          headers: { authorization: 'Bearer key-ops', 'content-type': 'application/json' },
          body: JSON.stringify({ outcome: 'approve', comment: 'after the restart' }),
        });
        expect(answered.status).toBe(200);
      }
      if (event.payload?.$case === 'artifactUpdate') decision = dataOf(event.payload.value.artifact?.parts[0]);
    }
    expect(events.slice(-2)).toEqual(['artifact:decision', `status:${TaskState.TASK_STATE_COMPLETED}`]);
    expect(decision).toMatchObject({ outcome: 'approve', by: 'user:ops', comment: 'after the restart' });
  });
});

describe('A2A push notifications', () => {
  it('POSTs each change to the configured URLs, signed, with the config token', async () => {
    const hook = await receiver();
    const s = await testServer({
      auth: AUTH,
      heed: { policies: POLICIES },
      webhooks: { callbackSecret: CALLBACK_SECRET },
      allowPrivateCallbacks: true,
    });
    const client = await a2aClient(s.url, 'key-agent');
    expect((await client.getAgentCard()).capabilities?.pushNotifications).toBe(true);
    const started = (await client.sendMessage(
      send([deploy()], {
        returnImmediately: true,
        taskPushNotificationConfig: {
          tenant: '',
          id: 'first',
          taskId: '',
          url: `${hook.url}/first`,
          token: 'token-1',
          authentication: undefined,
        },
      }),
    )) as A2ATask;
    const task = await pendingFor(s.heed);
    await vi.waitFor(() => expect(hook.received.map((r) => r.path)).toContain('/first'), { timeout: 10_000 });

    // A second config, added while the task waits; the first is removed before the decision.
    const second = await client.createTaskPushNotificationConfig({
      tenant: '',
      id: '',
      taskId: started.id,
      url: `${hook.url}/second`,
      token: 'token-2',
      authentication: { scheme: 'Bearer', credentials: 'receiver-secret' },
    });
    expect(second.id).not.toBe('');
    const listed = await client.listTaskPushNotificationConfig({
      tenant: '',
      taskId: started.id,
      pageSize: 0,
      pageToken: '',
    });
    expect(listed.configs.map((c) => c.url).sort()).toEqual([`${hook.url}/first`, `${hook.url}/second`]);
    expect((await client.getTaskPushNotificationConfig({ tenant: '', taskId: started.id, id: 'first' })).token).toBe(
      'token-1',
    );
    await client.deleteTaskPushNotificationConfig({ tenant: '', taskId: started.id, id: 'first' });
    // Another caller sees neither the task nor its configs.
    const mallory = await a2aClient(s.url, 'key-mallory');
    await expect(
      mallory.listTaskPushNotificationConfig({ tenant: '', taskId: started.id, pageSize: 0, pageToken: '' }),
    ).rejects.toThrow(/TASK_NOT_FOUND/);

    await s.call('POST', `/v1/tasks/${task.id}/responses`, { key: 'key-ops', body: { outcome: 'approve' } });
    await vi.waitFor(() => expect(hook.received.map((r) => r.path)).toContain('/second'), { timeout: 10_000 });

    const webhook = new Webhook(CALLBACK_SECRET);
    const [waiting] = hook.received.filter((r) => r.path === '/first');
    const [ended] = hook.received.filter((r) => r.path === '/second');
    expect(hook.received.filter((r) => r.path === '/first')).toHaveLength(1);
    for (const [push, token] of [
      [waiting, 'token-1'],
      [ended, 'token-2'],
    ] as const) {
      expect(push?.headers['x-a2a-notification-token']).toBe(token);
      expect(push?.headers['content-type']).toBe('application/a2a+json');
      // Signed the Standard Webhooks way (the callback secret): verified here, and not when tampered with.
      const headers = push?.headers as Record<string, string>;
      expect(() => webhook.verify(push?.body ?? '', headers)).not.toThrow();
      expect(() => webhook.verify((push?.body ?? '').replace('user:ops', 'user:eve'), headers)).toThrow();
    }
    expect(ended?.headers.authorization).toBe('Bearer receiver-secret');
    const first = StreamResponse.fromJSON(JSON.parse(waiting?.body ?? '{}'));
    expect(first.payload?.$case).toBe('statusUpdate');
    if (first.payload?.$case === 'statusUpdate') {
      expect(first.payload.value.taskId).toBe(started.id);
      expect(textOf(first.payload.value.status?.message?.parts[0])).toBe('waiting for user:ops');
    }
    const last = StreamResponse.fromJSON(JSON.parse(ended?.body ?? '{}'));
    expect(last.payload?.$case).toBe('task');
    if (last.payload?.$case === 'task') {
      expect(last.payload.value.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(dataOf(last.payload.value.artifacts[0]?.parts[0])).toMatchObject({ outcome: 'approve', by: 'user:ops' });
    }
  });

  it('refuses push URLs on loopback or private networks, and offers none without a signing secret', async () => {
    const guarded = await testServer({
      auth: AUTH,
      heed: { policies: POLICIES },
      webhooks: { callbackSecret: CALLBACK_SECRET },
    });
    const client = await a2aClient(guarded.url, 'key-agent');
    const started = (await client.sendMessage(send([deploy()], { returnImmediately: true }))) as A2ATask;
    for (const url of [
      'http://127.0.0.1:9/hook',
      'http://10.1.2.3/hook',
      'http://localhost/hook',
      'file:///etc/passwd',
    ]) {
      await expect(
        client.createTaskPushNotificationConfig({
          tenant: '',
          id: '',
          taskId: started.id,
          url,
          token: '',
          authentication: undefined,
        }),
      ).rejects.toThrow(/INVALID_TASK/);
    }

    const unsigned = await testServer({ auth: AUTH, heed: { policies: POLICIES } });
    const plain = await a2aClient(unsigned.url, 'key-agent');
    expect((await plain.getAgentCard()).capabilities?.pushNotifications).toBe(false);
    const other = (await plain.sendMessage(send([deploy()], { returnImmediately: true }))) as A2ATask;
    // The SDK's client does not even try; a raw JSON-RPC call is refused by the server.
    await expect(
      (async () =>
        plain.createTaskPushNotificationConfig({
          tenant: '',
          id: '',
          taskId: other.id,
          url: 'https://example.com/hook',
          token: '',
          authentication: undefined,
        }))(),
    ).rejects.toThrow(/not supported/);
    const raw = await fetch(`${unsigned.url}/a2a`, {
      method: 'POST',
      headers: { authorization: 'Bearer key-agent', 'content-type': 'application/json', 'a2a-version': '1.0' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'CreateTaskPushNotificationConfig',
        params: { taskId: other.id, url: 'https://example.com/hook' },
      }),
    });
    const answer = (await raw.json()) as { id: number; error?: { code: number; message: string } };
    expect(answer.id).toBe(7);
    expect(answer.error?.code).toBe(-32003);
    expect(answer.error?.message).toMatch(/signing secret/);
  });
});
