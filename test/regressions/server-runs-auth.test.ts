import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { testServer } from '../server/helpers.ts';

// With API keys configured, runs are "managed by admins" (routes/runs.ts requireAdmin), yet only
// GET /v1/runs, POST /v1/runs/{id}/cancel and GET /v1/webhooks/deliveries check it.
const auth = {
  keys: new Map([
    ['k-admin', 'user:admin'],
    ['k-eve', 'user:eve'],
  ]),
  admins: new Set(['user:admin']),
};

describe('run routes with API keys: non-admins', () => {
  it('may not start a workflow', async () => {
    const s = await testServer({ auth, setup: (heed) => heed.workflow('pay', async () => 'paid') });
    const started = await s.call('POST', '/v1/runs', { key: 'k-eve', body: { workflow: 'pay', id: 'r1' } });
    // Actual: 201, the run is started by user:eve.
    expect(started.status).toBe(403);
    expect(await s.heed.runs.get('r1')).toBeUndefined();
  });

  it('may not read a run (input, history) nor the lifecycle run of a task they cannot see', async () => {
    const s = await testServer({
      auth,
      setup: (heed) => heed.workflow('hold', async (ctx, input: { card: string }) => ctx.recv(input.card)),
    });
    await s.heed.startWorkflow('hold', { card: '4111-SECRET' }, { id: 'r2' });
    const run = await s.call('GET', '/v1/runs/r2', { key: 'k-eve' });
    // Actual: 200 with input {card: '4111-SECRET'}.
    expect([403, 404]).toContain(run.status);
    expect(JSON.stringify(run.body)).not.toContain('4111-SECRET');

    const task = await s.heed.tasks.create({ type: 'approval', title: 'Private', assignees: ['user:bob'] });
    expect((await s.call('GET', `/v1/tasks/${task.id}`, { key: 'k-eve' })).status).toBe(404);
    // ...but its lifecycle run (id, status, history, waits) is readable by anyone.
    expect([403, 404]).toContain((await s.call('GET', `/v1/runs/task:${task.id}`, { key: 'k-eve' })).status);
  });

  it('may not message a run nor stream its events', async () => {
    const s = await testServer({
      auth,
      setup: (heed) => heed.workflow('wait', async (ctx) => ctx.recv('approve')),
    });
    await s.heed.startWorkflow('wait', null, { id: 'r3' });
    const sent = await s.call('POST', '/v1/runs/r3/messages', { key: 'k-eve', body: { topic: 'approve', message: 1 } });
    // Was: 202, user:eve's message is delivered to the run's recv('approve'). Now: not even seen.
    expect(sent.status).toBe(404);

    const controller = new AbortController();
    const stream = await fetch(`${s.url}/v1/runs/r3/events`, {
      headers: { authorization: 'Bearer k-eve' },
      signal: controller.signal,
    });
    controller.abort();
    // Was: 200 text/event-stream. Now: another principal's run is not found.
    expect(stream.status).toBe(404);
  });

  it('may not start the internal webhook delivery workflow (a signing oracle for endpoint secrets)', async () => {
    const hits: IncomingMessage[] = [];
    const attacker = createServer((req, res) => {
      hits.push(req);
      res.end('ok');
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
    try {
      const s = await testServer({
        auth,
        webhooks: {
          endpoints: [
            {
              url: 'http://127.0.0.1:9/',
              secret: `whsec_${Buffer.from('endpoint-secret-0123456789').toString('base64')}`,
            },
          ],
        },
      });
      const started = await s.call('POST', '/v1/runs', {
        key: 'k-eve',
        body: {
          workflow: 'heed.webhook',
          id: 'forge',
          // signer '0': signed with endpoint 0's secret, sent to a URL of the caller's choosing.
          input: { id: 'msg_forged', url, signer: '0', type: 'task.ended', data: { outcome: 'approve' }, at: 0 },
        },
      });
      // Actual: 201; the server POSTs the caller's payload, signed with the endpoint secret, to the caller.
      expect([403, 404]).toContain(started.status);
      expect(await s.heed.runs.get('forge')).toBeUndefined();
    } finally {
      attacker.close();
    }
  });

  it('internal workflows (heed.webhook, heed.task) cannot be started over HTTP even by an admin', async () => {
    const s = await testServer({ auth });
    const task = await s.heed.tasks.create({ type: 'approval', title: 'T', assignees: ['user:bob'], deadline: '1h' });
    // A second lifecycle run for an existing task (duplicate reminders, escalations, timeouts).
    const started = await s.call('POST', '/v1/runs', {
      key: 'k-admin',
      body: { workflow: 'heed.task', input: { taskId: task.id } },
    });
    expect([403, 404]).toContain(started.status);
  });
});
