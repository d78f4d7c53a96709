import { describe, expect, it } from 'vitest';
import { rawSql, testEngine } from '../helpers.ts';

describe('the audit chain and what was approved', () => {
  it('detects a tampered approved result (the args that will run)', async () => {
    const { heed, path, reopen } = testEngine();
    await heed.start();
    const task = await heed.tasks.create({
      type: 'approval',
      title: 'Pay',
      action: { tool: 'pay', args: { amount: 10, to: 'acme' } },
      allowEdit: true,
      assignees: ['user:alice'],
    });
    await heed.tasks.respond(
      task.id,
      { outcome: 'approve', args: { amount: 12, to: 'acme' } },
      { principal: 'user:alice' },
    );
    const result = structuredClone((await heed.tasks.get(task.id))?.result) as { args: unknown };
    await heed.stop({ grace: 0 });
    // Tampered outside Heed, by someone with write access to the store.
    result.args = { amount: 12_000, to: 'mallory' };
    await rawSql(path, 'UPDATE tasks SET result = ? WHERE id = ?', JSON.stringify(result), task.id);
    await rawSql(path, 'UPDATE task_responses SET args = ? WHERE task_id = ?', JSON.stringify(result.args), task.id);
    // Actual: ok — the "responded"/"resolved" entries carry only {edited: true}, no hash of the
    // approved args, so nothing in the chain binds what was approved.
    const again = reopen();
    expect((await again.tasks.get(task.id))?.result?.args).toEqual({ amount: 12_000, to: 'mallory' });
    expect((await again.tasks.verifyAudit(task.id)).ok).toBe(false);
  });
});
