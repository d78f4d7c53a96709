import { describe, expect, it } from 'vitest';
import { testEngine } from '../helpers.ts';

describe('quorum and edited arguments', () => {
  it('refuses allowEdit with a quorum: every approver must approve the same arguments', async () => {
    const { heed } = testEngine();
    const error = await heed.tasks
      .create({
        type: 'approval',
        title: 'Refund',
        action: { tool: 'refund', args: { amount: 10 } },
        allowEdit: true,
        assignees: ['user:alice', 'user:bob'],
        quorum: 2,
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_TASK' });
    expect((error as Error).message).toMatch(/allowEdit: cannot be combined with a quorum/);
    expect((await heed.tasks.list()).items).toEqual([]);
  });
});
