import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { testEngine } from '../helpers.ts';

describe('human tasks: the audit chain', () => {
  async function answeredTask() {
    const engine = testEngine();
    await engine.heed.start();
    const task = await engine.heed.tasks.create({
      type: 'approval',
      title: 'Pay invoice 42?',
      assignees: ['user:bob'],
    });
    await engine.heed.tasks.respond(task.id, { outcome: 'approve' }, { principal: 'user:bob', via: 'email' });
    await engine.heed.idle();
    return { ...engine, taskId: task.id };
  }

  /** Tampers with the file the way someone with write access would, outside Heed. */
  function tamper(path: string, sql: string, ...params: string[]): void {
    const db = new DatabaseSync(path);
    db.prepare(sql).run(...params);
    db.close();
  }

  it('records who, when, via which channel, the outcome and a hash of what was shown', async () => {
    const { heed, taskId } = await answeredTask();
    const entries = await heed.tasks.audit(taskId);
    const responded = entries.find((e) => e.action === 'responded');
    expect(responded).toMatchObject({ actor: 'user:bob', via: 'email', outcome: 'approve' });
    expect(responded?.shownHash).toMatch(/^[0-9a-f]{64}$/);
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    expect(entries.slice(1).every((e, i) => e.prevHash === entries[i]?.hash)).toBe(true);
    expect(await heed.tasks.verifyAudit(taskId)).toEqual({ ok: true, entries: entries.length, problems: [] });
  });

  it('detects an edited entry', async () => {
    const { heed, path, taskId } = await answeredTask();
    tamper(path, "UPDATE task_audit SET actor = 'user:mallory' WHERE task_id = ? AND action = 'responded'", taskId);
    const verdict = await heed.tasks.verifyAudit(taskId);
    expect(verdict.ok).toBe(false);
    expect(verdict.problems.join('\n')).toMatch(/entry \d+: its content was changed/);
  });

  it('detects a deleted entry, in the middle or at the end', async () => {
    const { heed, path, taskId } = await answeredTask();
    tamper(path, "DELETE FROM task_audit WHERE task_id = ? AND action = 'responded'", taskId);
    expect((await heed.tasks.verifyAudit(taskId)).problems.join('\n')).toMatch(/missing or moved|does not follow/);

    const other = await answeredTask();
    tamper(
      other.path,
      'DELETE FROM task_audit WHERE task_id = ? AND seq = (SELECT MAX(seq) FROM task_audit WHERE task_id = ?)',
      other.taskId,
      other.taskId,
    );
    const verdict = await other.heed.tasks.verifyAudit(other.taskId);
    expect(verdict.ok).toBe(false);
    expect(verdict.problems.join('\n')).toMatch(/entries but \d+ remain/);
  });
});
