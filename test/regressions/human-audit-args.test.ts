import { describe, expect, it } from 'vitest';
import { DatabaseSync } from 'node:sqlite';
import { testEngine } from '../helpers.ts';

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
    await heed.stop({ grace: 0 });
    const db = new DatabaseSync(path);
    const row = db.prepare('SELECT result FROM tasks WHERE id = ?').get(task.id) as { result: string };
    const result = JSON.parse(row.result);
    result.args = { amount: 12_000, to: 'mallory' };
    db.prepare('UPDATE tasks SET result = ? WHERE id = ?').run(JSON.stringify(result), task.id);
    db.prepare('UPDATE task_responses SET args = ? WHERE task_id = ?').run(JSON.stringify(result.args), task.id);
    db.close();
    // Actual: ok — the "responded"/"resolved" entries carry only {edited: true}, no hash of the
    // approved args, so nothing in the chain binds what was approved.
    const again = reopen();
    expect((await again.tasks.get(task.id))?.result?.args).toEqual({ amount: 12_000, to: 'mallory' });
    expect((await again.tasks.verifyAudit(task.id)).ok).toBe(false);
  });
});
