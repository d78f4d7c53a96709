import { describe, expect, it } from 'vitest';
import { testEngine } from '../helpers.ts';

describe('escalating a task that anyone may answer', () => {
  it('adds responders without locking out everyone who could answer before', async () => {
    const { heed, clock } = testEngine();
    await heed.start();
    const task = await heed.tasks.create({
      type: 'approval',
      title: 'Open to all',
      escalate: [{ after: '30m', to: ['user:bob'] }],
    });
    await heed.idle();
    await clock.advance('31m');
    await heed.idle();
    // Before the escalation user:carol could answer (no assignees = anyone). Actual: escalation
    // inserted the first task_assignees row, authorize() now requires membership, and carol is
    // refused with TASK_FORBIDDEN.
    await expect(
      heed.tasks.respond(task.id, { outcome: 'approve' }, { principal: 'user:carol' }),
    ).resolves.toMatchObject({ status: 'resolved' });
  });
});
