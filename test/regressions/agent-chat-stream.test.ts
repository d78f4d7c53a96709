import type { UIMessageChunk } from 'ai';
import { describe, expect, it } from 'vitest';
import { OfflineModel } from '../../src/agent/offline-model.ts';
import { registerBanking } from '../../src/demo/banking.ts';
import { testServer } from '../server/helpers.ts';

/** The UI message chunks of a `/v1/chat` answer. */
async function chunksOf(response: Response): Promise<UIMessageChunk[]> {
  const text = await response.text();
  expect(text.trim().endsWith('data: [DONE]')).toBe(true);
  return text
    .split('\n')
    .filter((l) => l.startsWith('data: {'))
    .map((l) => JSON.parse(l.slice(6)) as UIMessageChunk);
}

function post(url: string, id: string, text: string, agent?: string): Promise<Response> {
  return fetch(`${url}/v1/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id, agent, messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text }] }] }),
  });
}

/**
 * The chat stream once read one page of events (500), then asked whether the run was terminal and
 * stopped if it was: events written after the read and every page after the first were never
 * sent, nor the end. The run's status is read before its events, and every page is drained.
 */
describe('POST /v1/chat: the stream of a turn that ends', () => {
  it('sends every event and `finish` for a turn with more than 500 events', async () => {
    const s = await testServer({
      setup: (heed) =>
        heed.workflow('chatty', async (ctx, input: { message: string }) => {
          for (let i = 0; i < 600; i++) await ctx.setStatus('output', `${input.message} ${i}`);
          return 'ok';
        }),
    });
    const chunks = await chunksOf(await post(s.url, 'chat-long', 'hi', 'chatty'));
    expect(chunks.filter((c) => c.type === 'text-delta')).toHaveLength(600);
    expect(chunks.at(-1)).toEqual({ type: 'finish' });
  });

  it('sends `finish` when the turn ends between reading the events and reading its status', async () => {
    const s = await testServer({ setup: (heed) => registerBanking(heed, new OfflineModel()) });
    const store = s.heed.feeds;
    const runEvents = store.runEvents.bind(store);
    const turnId = 'chat:chat-race:m1';
    let delayed = false;
    // The interleaving: the chat's first read of the turn's events happens while it works; the
    // turn then finishes before the chat asks for its status again.
    store.runEvents = async (after, limit, runId) => {
      const page = await runEvents(after, limit, runId);
      if (runId === turnId && !delayed && page.length > 0) {
        delayed = true;
        await s.heed.handle(turnId).result();
      }
      return page;
    };
    const chunks = await chunksOf(await post(s.url, 'chat-race', 'Transfer $50 to Alice'));
    expect((await s.heed.runs.get(turnId))?.status).toBe('succeeded');
    expect(
      chunks
        .filter((c) => c.type === 'text-delta')
        .map((c) => (c as { delta: string }).delta)
        .join(''),
    ).toBe('Transferred $50 to Alice. Your balance is $950.');
    expect(chunks.at(-1)).toEqual({ type: 'finish' });
  });
});
