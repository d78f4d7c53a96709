/**
 * The channel closer follows task ends through the store's change port: with its fallback poll
 * at an hour, a task answered or cancelled still gets its channel copies closed at once (real
 * SQLite file, real engine, the closing runs durable).
 */
import { describe, expect, it, vi } from 'vitest';
import { TaskCloser } from '../../src/channels/closer.ts';
import { testEngine } from '../helpers.ts';

const AN_HOUR = 3_600_000;

describe('the channel closer', () => {
  it('closes the copies of a task as soon as it ends, answered or cancelled, without waiting for a poll', async () => {
    const { heed } = testEngine();
    const closed: string[] = [];
    const closer = new TaskCloser(
      heed,
      async (taskId) => {
        closed.push(taskId);
      },
      { fallbackPollMs: AN_HOUR },
    );
    await heed.start();
    await closer.start();
    try {
      const answered = await heed.tasks.create({ type: 'approval', title: 'Ship?', assignees: ['user:bob'] });
      const dropped = await heed.tasks.create({ type: 'approval', title: 'Ship too?', assignees: ['user:bob'] });
      await heed.idle();
      expect(closed).toEqual([]);
      await heed.tasks.respond(answered.id, { outcome: 'approve' }, { principal: 'user:bob' });
      await vi.waitFor(() => expect(closed).toEqual([answered.id]), { timeout: 10_000 });
      await heed.tasks.cancel(dropped.id);
      await vi.waitFor(() => expect(closed.sort()).toEqual([answered.id, dropped.id].sort()), { timeout: 10_000 });
    } finally {
      closer.stop();
    }
  });
});
