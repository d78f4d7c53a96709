import { afterEach, describe, expect, it } from 'vitest';
import { Heed } from '../../src/index.ts';
import { startServer } from '../../src/server/serve.ts';
import { testEngine, testStore } from '../helpers.ts';
import { testServer } from './helpers.ts';

/** Reads an SSE response until `pattern` appears in it; returns the text read so far. */
async function readUntil(response: Response, pattern: RegExp): Promise<string> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!pattern.test(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}

/** A workflow that waits for "go", then asks for an approval. */
function asker(heed: Heed): void {
  heed.workflow('asker', async (ctx) => {
    await ctx.recv('go');
    const answer = await ctx.ask({ type: 'approval', title: 'Pay the invoice', assignees: ['user:bob'] });
    return answer.outcome;
  });
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop().catch(() => {});
});

describe('live feeds are pushed, not polled', () => {
  // The fallback poll is set to an hour and a quiet stream's keep-alive comes after 15 s: these
  // tests' 8 s budget passes only if this process's writes are pushed to the streams at once.
  it("the first stream after a start gets the run's approval at once", { timeout: 8_000 }, async () => {
    const s = await testServer({ feedPollInterval: '1h', setup: asker });
    // Like the first chat: the stream opens while the run starts and asks.
    const run = await s.heed.startWorkflow('asker', null, { id: 'first-after-start' });
    const [response] = await Promise.all([fetch(`${s.url}/v1/runs/${run.id}/events`), s.heed.send(run.id, 'go', true)]);
    expect(response.status).toBe(200);
    const text = await readUntil(response, /event: task\.created/);
    expect(text).toContain('event: task.created');
    expect(text).toContain('Pay the invoice');
  });

  it('an open inbox hears of a new task at once', { timeout: 8_000 }, async () => {
    const s = await testServer({ feedPollInterval: '1h', heed: { policies: [{ name: 'apps', callerAssigns: true }] } });
    const response = await fetch(`${s.url}/v1/inbox/events`);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('event: ready')) text += decoder.decode((await reader.read()).value);
    const created = await s.call('POST', '/v1/tasks', {
      as: 'user:alice',
      body: { type: 'approval', title: 'Ship it', assignees: ['user:bob'] },
    });
    expect(created.status).toBe(201);
    while (!text.includes('event: changed')) text += decoder.decode((await reader.read()).value);
    await reader.cancel();
    expect(text).toContain('event: changed');
  });

  it("another process's writes reach a stream through the fallback poll", { timeout: 8_000 }, async () => {
    // The server's process runs no workflow: the other process (a second Heed on the file) does.
    const { heed, path } = testEngine();
    const server = await startServer(heed, { port: 0, feedPollInterval: '20ms' });
    stops.push(() => server.close());
    const other = new Heed({ store: testStore(path), pollInterval: '20ms' });
    asker(other);
    await other.start();
    stops.push(() => other.stop({ grace: 0 }));
    const run = await other.startWorkflow('asker', null, { id: 'other-process' });
    await other.idle();
    const response = await fetch(`${server.url}/v1/runs/${run.id}/events`);
    expect(response.status).toBe(200);
    await other.send(run.id, 'go', true);
    const text = await readUntil(response, /event: task\.created/);
    expect(text).toContain('Pay the invoice');
  });
});
