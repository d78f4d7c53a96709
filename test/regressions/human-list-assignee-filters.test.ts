import { describe, expect, it } from 'vitest';
import { testEngine } from '../helpers.ts';

describe('list with an assignee and other filters', () => {
  it('applies type and status together with assignee', async () => {
    const { heed } = testEngine();
    await heed.start();
    const form = await heed.tasks.create({ type: 'form', title: 'Fill in', assignees: ['user:alice'] });
    await heed.tasks.create({ type: 'approval', title: 'Approve', assignees: ['user:alice'] });
    const byType = await heed.tasks.list({ assignee: 'user:alice', type: 'form' });
    // Actual: the assignee branch ignores `type`: both tasks come back.
    expect(byType.items.map((t) => t.id)).toEqual([form.id]);
    const resolved = await heed.tasks.list({ assignee: 'user:alice', status: 'resolved' });
    // Actual: two pending tasks listed under status=resolved.
    expect(resolved.items.every((t) => t.status === 'resolved')).toBe(true);
  });
});
