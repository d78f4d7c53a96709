import { describe, expect, it } from 'vitest';
import { OfflineModel } from '../../src/agent/offline-model.ts';
import { registerBanking } from '../../src/demo/banking.ts';
import { testServer } from '../server/helpers.ts';

function sseEvents(text: string) {
  return [...text.matchAll(/^event: (.*)$/gm)].map((m) => m[1]);
}

/**
 * routes/chat.ts reads one page of events (500), then asks whether the run is terminal and stops
 * if it is: events written after the read (the run may end in between) and every page after the
 * first are never sent, including `done`. routes/runs.ts already does it right (status first,
 * then drain every page).
 */
describe('POST /v1/chat: the stream of a run that ends', () => {
  it('sends every event and `done` for a run with more than 500 events', async () => {
    const s = await testServer({
      setup: (heed) =>
        heed.workflow('chatty', async (ctx, input: { message: string }) => {
          for (let i = 0; i < 600; i++) await ctx.setStatus('output', `${input.message} ${i}`);
          return 'ok';
        }),
    });
    // The run already exists (the chat's `id` makes the request idempotent): its events are all stored.
    await (await s.heed.startWorkflow('chatty', { message: 'hi' }, { id: 'chat-long' })).result();
    const response = await fetch(`${s.url}/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'hi', agent: 'chatty', id: 'chat-long' }),
    });
    const events = sseEvents(await response.text());
    // Actual: 500 `output` events and no `done`.
    expect(events.filter((e) => e === 'output')).toHaveLength(600);
    expect(events.at(-1)).toBe('done');
  });

  it('sends `done` when the run ends between reading the events and reading its status', async () => {
    const s = await testServer({ setup: (heed) => registerBanking(heed, new OfflineModel()) });
    const store = s.heed.store;
    const runEvents = store.runEvents.bind(store);
    let delayed = false;
    // The interleaving: the chat's first read of the run's events happens while the run works;
    // the run then finishes before the chat asks for its status.
    store.runEvents = async (after, limit, runId) => {
      const page = await runEvents(after, limit, runId);
      if (runId === 'chat-race' && !delayed) {
        delayed = true;
        await s.heed.handle('chat-race').result();
      }
      return page;
    };
    const response = await fetch(`${s.url}/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'Transfer $50 to Alice', id: 'chat-race' }),
    });
    const text = await response.text();
    expect((await s.heed.runs.get('chat-race'))?.status).toBe('succeeded');
    // Actual: the stream ends after `run` with nothing else: the reply and `done` are never sent.
    expect(sseEvents(text)).toContain('output');
    expect(sseEvents(text).at(-1)).toBe('done');
  });
});
