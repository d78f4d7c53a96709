// biome-ignore-all lint/suspicious/noExplicitAny: SSE payloads are arbitrary JSON checked by the assertions
import { describe, expect, it } from 'vitest';
import { testServer } from './helpers.ts';

/** Reads server-sent events from a stream until `until` returns true or the stream ends. */
async function readEvents(
  url: string,
  headers: Record<string, string>,
  until: (events: { id: string; event: string; data: any }[]) => boolean,
) {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: { id: string; event: string; data: any }[] = [];
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut = buffer.indexOf('\n\n');
    while (cut >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const field = (name: string) =>
        block
          .split('\n')
          .find((l) => l.startsWith(`${name}:`))
          ?.slice(name.length + 1)
          .trim();
      const data = field('data');
      if (data !== undefined)
        events.push({ id: field('id') ?? '', event: field('event') ?? 'message', data: JSON.parse(data) });
      cut = buffer.indexOf('\n\n');
    }
    if (until(events)) break;
  }
  controller.abort();
  return events;
}

describe('HTTP: runs, messages, events and SSE', () => {
  it('starts a run, streams its statuses and task events, resumes the stream with Last-Event-ID', async () => {
    const s = await testServer({
      setup: (heed) =>
        heed.workflow('agent', async (ctx, input: { amount: number }) => {
          await ctx.setStatus('agent', { status: 'working' });
          const decision = await ctx.ask({
            type: 'approval',
            title: `Transfer $${input.amount}?`,
            assignees: ['user:bob'],
          });
          await ctx.setStatus('agent', { status: decision.outcome === 'approve' ? 'done' : 'denied' });
          return decision.outcome;
        }),
    });
    const started = await s.call('POST', '/v1/runs', {
      body: { workflow: 'agent', input: { amount: 150 }, id: 'run-1' },
    });
    expect(started.status).toBe(201);
    expect(started.body.id).toBe('run-1');
    const first = await readEvents(`${s.url}/v1/runs/run-1/events`, {}, (events) =>
      events.some((e) => e.event === 'task.created'),
    );
    expect(first.map((e) => e.event)).toEqual(['status', 'task.created']);
    const taskId = first[1]?.data.data.taskId;
    const lastId = first.at(-1)?.id ?? '';

    await s.call('POST', `/v1/tasks/${taskId}/responses`, { as: 'user:bob', body: { outcome: 'approve' } });
    const rest = await readEvents(`${s.url}/v1/runs/run-1/events`, { 'last-event-id': lastId }, () => false);
    expect(rest.map((e) => e.event)).toEqual(['task.ended', 'status', 'run.succeeded']);
    expect(rest[2]?.data.data).toEqual({ output: 'approve' });
    const run = await s.call('GET', '/v1/runs/run-1');
    expect(run.body).toMatchObject({ status: 'succeeded', output: 'approve' });
    expect(run.body.history.map((h: { name: string }) => h.name)).toContain('heed.ask');
  });

  it('sends messages (idempotently), emits events, lists and cancels runs', async () => {
    const s = await testServer({
      setup: (heed) => {
        heed.workflow('listener', async (ctx) => ctx.recv('go'));
        heed.workflow(
          'watcher',
          async (ctx, input: { ticketId: string }) =>
            (await ctx.waitForEvent('ticket.reply', { match: { ticketId: input.ticketId } }))?.data,
        );
      },
    });
    await s.call('POST', '/v1/runs', { body: { workflow: 'listener', id: 'l1' } });
    await s.call('POST', '/v1/runs', { body: { workflow: 'watcher', id: 'w1', input: { ticketId: 'T-1' } } });
    await s.call('POST', '/v1/runs', { body: { workflow: 'listener', id: 'l2' } });
    await s.heed.idle();
    expect((await s.call('GET', '/v1/runs?status=waiting')).body.items.map((r: { id: string }) => r.id).sort()).toEqual(
      ['l1', 'l2', 'w1'],
    );
    const sent = await s.call('POST', '/v1/runs/l1/messages', {
      body: { topic: 'go', message: { n: 1 }, idempotencyKey: 'm1' },
    });
    expect(sent).toMatchObject({ status: 202, body: { duplicate: false } });
    expect(
      (await s.call('POST', '/v1/runs/l1/messages', { body: { topic: 'go', message: { n: 2 }, idempotencyKey: 'm1' } }))
        .body.duplicate,
    ).toBe(true);
    expect(
      (await s.call('POST', '/v1/events', { body: { name: 'ticket.reply', data: { ticketId: 'T-1', answer: 'ok' } } }))
        .body.woken,
    ).toBe(1);
    expect(await s.heed.handle('l1').result()).toEqual({ n: 1 });
    expect(await s.heed.handle('w1').result()).toEqual({ ticketId: 'T-1', answer: 'ok' });
    expect((await s.call('POST', '/v1/runs/l2/cancel')).body.cancelled).toEqual(['l2']);
    expect((await s.call('GET', '/v1/runs/l2')).body.status).toBe('cancelled');
    expect((await s.call('POST', '/v1/runs/ghost/messages', { body: { topic: 'go' } })).status).toBe(404);
    // Another principal lists only the runs it started: none.
    expect((await s.call('GET', '/v1/runs', { as: 'user:eve' })).body).toEqual({ items: [], nextCursor: null });
  });

  it("says that a workflow this server does not register may be a worker's, and how to start it (404 UNKNOWN_WORKFLOW)", async () => {
    const s = await testServer();
    const response = await s.call('POST', '/v1/runs', { as: 'user:ann', body: { workflow: 'nightly-report' } });
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('UNKNOWN_WORKFLOW');
    expect(response.body.error.message).toMatch(
      /^No workflow named "nightly-report" is registered in this server\. If a heed worker registers it \(--import\), register it here too \(heed serve --import MODULE\)/,
    );
  });

  it("refuses run ids in the namespaces of Heed's own runs (422 RUN_ID_RESERVED), writing nothing", async () => {
    const s = await testServer({
      setup: (heed) =>
        heed.workflow('refund', async (ctx, input: { amount: number }) => {
          const decision = await ctx.ask({
            type: 'approval',
            title: `Refund $${input.amount}?`,
            assignees: ['user:bob'],
          });
          return decision.outcome;
        }),
    });
    const ids = ['task:abc', 'channel:abc', 'channel-close:abc', 'chat:abc', 'webhook:evt_1_0', 'task:abc:1', 'chat:'];
    for (const id of ids) {
      const refused = await s.call('POST', '/v1/runs', { body: { workflow: 'refund', id, input: { amount: 5 } } });
      expect(refused.status, id).toBe(422);
      expect(refused.body.error.code, id).toBe('RUN_ID_RESERVED');
      expect(refused.body.error.message, id).toContain(`"${id}"`);
      expect(await s.heed.runs.info(id), id).toBeUndefined();
    }
    await s.heed.idle();
    expect((await s.call('GET', '/v1/runs')).body.items).toEqual([]);
    expect((await s.call('GET', '/v1/tasks')).body.items).toEqual([]);
    // Ids that only look alike are the caller's to use.
    for (const id of ['mytask:abc', 'tasks:abc', 'Task:abc', 'abc:task:1', 'task']) {
      const started = await s.call('POST', '/v1/runs', { body: { workflow: 'refund', id, input: { amount: 5 } } });
      expect(started.status, id).toBe(201);
    }
  });
});
