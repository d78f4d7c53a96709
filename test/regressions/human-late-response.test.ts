import { describe, expect, it } from 'vitest';
import { testEngine } from '../helpers.ts';

describe('a response that arrives after the deadline', () => {
  it('is refused even if the deadline timer has not fired yet (fail closed)', async () => {
    const { heed, clock, reopen } = testEngine();
    await heed.start();
    const task = await heed.tasks.create({
      type: 'approval',
      title: 'Deploy?',
      assignees: ['user:alice'],
      deadline: '1h',
    });
    await heed.idle();
    await heed.stop({ grace: 0 });
    // Workers down (or backlogged) across the deadline; the API process still answers.
    await clock.advance('2h');
    const api = reopen();
    // Actual: accepted and the task resolves "approve" an hour after it should have been rejected.
    await expect(api.tasks.respond(task.id, { outcome: 'approve' }, { principal: 'user:alice' })).rejects.toThrow();
    await api.start();
    await api.idle();
    expect((await api.tasks.get(task.id))?.result?.outcome).toBe('reject');
  });
});
