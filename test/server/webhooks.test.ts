import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { testServer } from './helpers.ts';

const SECRET = `whsec_${Buffer.from('a-test-secret-of-32-bytes-length!').toString('base64')}`;
const receivers: Server[] = [];

afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => new Promise((resolve) => r.close(resolve))));
});

/** A real HTTP receiver on loopback that fails the first `failures` requests with a 500. */
async function receiver(failures: number) {
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  let seen = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      seen++;
      received.push({ headers: req.headers, body });
      res.writeHead(seen <= failures ? 500 : 204).end();
    });
  });
  receivers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/hook`, received };
}

describe('outgoing webhooks', () => {
  it('checks a callbackUrl again at delivery: a host that resolves to this machine now gets nothing', async () => {
    const hook = await receiver(0);
    const s = await testServer({ webhooks: { callbackSecret: SECRET, pollMs: 20 } });
    const spec = { type: 'approval', title: 'Pay?', assignees: ['user:bob'] } as const;
    // Over HTTP a loopback callback is refused when the task is created…
    const refused = await s.call('POST', '/v1/tasks', { body: { ...spec, callbackUrl: hook.url } });
    expect(refused.status).toBe(422);
    // …but a name may resolve to a public address then and to this machine later (DNS rebinding).
    // Tasks created in-process skip the creation check: each delivery attempt checks on its own,
    // the name (resolved when connecting) as well as a literal address.
    await s.heed.tasks.create({ ...spec, callbackUrl: hook.url.replace('127.0.0.1', 'localhost') });
    await s.heed.tasks.create({ ...spec, callbackUrl: hook.url });
    await vi.waitFor(
      async () => {
        const deliveries = (await s.call('GET', '/v1/webhooks/deliveries')).body.items;
        expect(deliveries).toHaveLength(2);
        for (const d of deliveries) {
          expect(d.delivery).toMatchObject({ state: 'retrying', attempts: 1, lastStatus: null });
          expect(d.delivery.lastError).toMatch(/loopback or private address/);
        }
      },
      { timeout: 5000 },
    );
    expect(hook.received).toEqual([]);
  });

  it('signs task events the Standard Webhooks way and retries failures on durable timers', async () => {
    const hook = await receiver(1);
    // The receiver is on loopback: allowed only by configuration.
    const s = await testServer({ webhooks: { callbackSecret: SECRET, pollMs: 20 }, allowPrivateCallbacks: true });
    const task = (
      await s.call('POST', '/v1/tasks', {
        body: { type: 'approval', title: 'Pay?', assignees: ['user:bob'], callbackUrl: hook.url },
      })
    ).body;
    await vi.waitFor(() => expect(hook.received.length).toBe(1), { timeout: 5000 });
    // The first attempt got a 500: the delivery waits on a durable timer, then retries.
    await vi.waitFor(async () => {
      const deliveries = (await s.call('GET', '/v1/webhooks/deliveries')).body.items;
      expect(deliveries[0]?.delivery).toMatchObject({ state: 'retrying', attempts: 1, lastStatus: 500 });
    });
    await s.clock.advance('10s');
    await vi.waitFor(() => expect(hook.received.length).toBe(2), { timeout: 5000 });

    await s.call('POST', `/v1/tasks/${task.id}/responses`, { as: 'user:bob', body: { outcome: 'approve' } });
    await vi.waitFor(() => expect(hook.received.length).toBe(3), { timeout: 5000 });

    const wh = new Webhook(SECRET);
    const payloads = hook.received.map(
      (r) => wh.verify(r.body, r.headers as Record<string, string>) as { type: string; data: Record<string, unknown> },
    );
    expect(payloads.map((p) => p.type)).toEqual(['task.created', 'task.created', 'task.ended']);
    expect(payloads[2]?.data).toMatchObject({
      taskId: task.id,
      status: 'resolved',
      outcome: 'approve',
      by: 'user:bob',
    });
    // Both attempts of one delivery carry the same webhook-id, so a receiver can drop duplicates.
    expect(hook.received[0]?.headers['webhook-id']).toBe(hook.received[1]?.headers['webhook-id']);
    expect(() =>
      wh.verify(
        hook.received[0]?.body.replace('Pay', 'Pwn') ?? '',
        hook.received[0]?.headers as Record<string, string>,
      ),
    ).toThrow();
    await vi.waitFor(async () => {
      const states = (await s.call('GET', '/v1/webhooks/deliveries')).body.items.map(
        (d: { delivery: { state: string } }) => d.delivery.state,
      );
      expect(states).toEqual(['delivered', 'delivered']);
    });
  });

  it('sends run events to configured endpoints', async () => {
    const hook = await receiver(0);
    const s = await testServer({
      webhooks: { endpoints: [{ url: hook.url, secret: SECRET, events: ['run.succeeded'] }], pollMs: 20 },
      setup: (heed) => heed.workflow('quick', async () => 'done'),
    });
    await s.call('POST', '/v1/runs', { body: { workflow: 'quick', id: 'q1' } });
    await vi.waitFor(() => expect(hook.received.length).toBe(1), { timeout: 5000 });
    const payload = new Webhook(SECRET).verify(
      hook.received[0]?.body ?? '',
      hook.received[0]?.headers as Record<string, string>,
    );
    expect(payload).toMatchObject({ type: 'run.succeeded', data: { runId: 'q1', output: 'done' } });
  });
  it('sends an endpoint without `events` the task events and run ends only, never statuses or streamed output', async () => {
    const hook = await receiver(0);
    const s = await testServer({
      webhooks: { endpoints: [{ url: hook.url, secret: SECRET }], pollMs: 20 },
      setup: (heed) =>
        heed.workflow('talker', async (ctx) => {
          await ctx.setStatus('agent', { status: 'thinking' });
          const text = await ctx.step('model', async (step) => {
            for (const token of ['Hello', ' there', ', Alice']) await step.progress({ delta: token });
            return 'Hello there, Alice';
          });
          await ctx.setStatus('agent', { status: 'done' });
          return text;
        }),
    });
    await s.call('POST', '/v1/runs', { body: { workflow: 'talker', id: 't1' } });
    expect(await s.heed.handle('t1').result()).toBe('Hello there, Alice');
    const task = (
      await s.call('POST', '/v1/tasks', { body: { type: 'approval', title: 'Pay?', assignees: ['user:bob'] } })
    ).body;
    await s.call('POST', `/v1/tasks/${task.id}/responses`, { as: 'user:bob', body: { outcome: 'approve' } });
    await vi.waitFor(() => expect(hook.received.length).toBeGreaterThanOrEqual(3), { timeout: 5000 });
    // The feed has statuses and tokens before the ends; every delivery started is listed here.
    const deliveries = (await s.call('GET', '/v1/webhooks/deliveries')).body.items;
    expect(deliveries.map((d: { type: string }) => d.type).sort()).toEqual([
      'run.succeeded',
      'task.created',
      'task.ended',
    ]);
    const types = hook.received.map((r) => JSON.parse(r.body).type).sort();
    expect(types).toEqual(['run.succeeded', 'task.created', 'task.ended']);
  });

  it('refuses an endpoint that lists an event that is not a webhook event', async () => {
    await expect(
      testServer({
        webhooks: { endpoints: [{ url: 'https://example.com/hook', secret: SECRET, events: ['progress'] }] },
      }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('"progress"') });
  });

  it('reads the event feed when the store announces a change, not on a poll', async () => {
    const hook = await receiver(0);
    const s = await testServer({
      // A fallback poll of an hour: only the store's announcement can bring these events out in time.
      webhooks: { endpoints: [{ url: hook.url, secret: SECRET, events: ['run.succeeded'] }], pollMs: 3_600_000 },
      setup: (heed) => heed.workflow('quick', async (_ctx, n: number) => n + 1),
    });
    for (const id of ['p1', 'p2', 'p3']) {
      await s.call('POST', '/v1/runs', { body: { workflow: 'quick', id, input: 1 } });
    }
    await vi.waitFor(() => expect(hook.received.length).toBe(3), { timeout: 10_000 });
    const runIds = hook.received.map((r) => JSON.parse(r.body).data.runId).sort();
    expect(runIds).toEqual(['p1', 'p2', 'p3']);
  });
});
