import { describe, expect, it } from 'vitest';
import { testServer } from '../server/helpers.ts';

describe('GET /v1/runs/{id}/events', () => {
  it('replays every event of a finished run, however many there are, then ends', async () => {
    const s = await testServer({
      setup: (heed) =>
        heed.workflow('chatty', async (ctx) => {
          for (let i = 0; i < 1_100; i++) await ctx.setStatus('progress', i);
          return 'done';
        }),
    });
    const run = await s.heed.startWorkflow('chatty', null, { id: 'chatty-1' });
    await run.result();
    const stored = await s.heed.feeds.runEvents(0, 10_000, 'chatty-1');
    expect(stored.length).toBeGreaterThan(1_000);

    const response = await fetch(`${s.url}/v1/runs/chatty-1/events`);
    const text = await response.text(); // the stream ends because the run is terminal
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    // Actual: 1000 ids: routes/runs.ts reads 500, sees the run is terminal, reads 500 more, stops.
    expect(ids).toEqual(stored.map((e) => e.id));
  });
});
