import { describe, expect, it } from 'vitest';
import { testEngine } from '../helpers.ts';
import { RecordingNotifier } from '../human/helpers.ts';

describe('escalation levels given out of time order', () => {
  it('adds every level it notifies (or refuses the spec)', async () => {
    const slack = new RecordingNotifier('slack');
    const { heed, clock } = testEngine({ notifiers: [slack] });
    await heed.start();
    let task: Awaited<ReturnType<typeof heed.tasks.create>>;
    try {
      task = await heed.tasks.create({
        type: 'approval',
        title: 'Out of order',
        assignees: ['user:alice'],
        channels: ['slack'],
        escalate: [
          { after: '2h', to: ['user:bob'] },
          { after: '30m', to: ['user:carol'] },
        ],
      });
    } catch (error) {
      // Refusing such a spec is an acceptable fix.
      expect((error as { code?: string }).code).toBe('INVALID_TASK');
      return;
    }
    await heed.idle();
    await clock.advance('3h');
    await heed.idle();
    // bob is told he was escalated to...
    expect(slack.log).toContain('escalated:user:bob');
    // ...so he must be able to answer. Actual: level 2 (carol, at 30m) set escalationLevel=2, then
    // level 1 at 2h was skipped as "already applied": bob was notified but never added.
    const assignees = (await heed.tasks.get(task.id))?.assignees.map((a) => a.principal);
    expect(assignees).toContain('user:bob');
    await expect(heed.tasks.respond(task.id, { outcome: 'approve' }, { principal: 'user:bob' })).resolves.toMatchObject(
      { status: 'resolved' },
    );
  });
});
