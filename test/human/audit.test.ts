import { describe, expect, it } from 'vitest';
import { rawSql, testEngine, testStore } from '../helpers.ts';

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

  /** Tampers with the store the way someone with write access would, outside Heed. */
  const tamper = rawSql;

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

  async function askingRun() {
    const engine = testEngine();
    const wf = engine.heed.workflow('asker', async (ctx) => ctx.ask({ type: 'clarification', title: 'Which region?' }));
    await engine.heed.start();
    await wf.start(null, { id: 'asker-1' });
    await engine.heed.idle();
    const [task] = (await engine.heed.tasks.list()).items;
    if (!task) throw new Error('no task');
    return { ...engine, taskId: task.id };
  }

  it('records a cancellation by the asking run as soon as the run is cancelled, with its result', async () => {
    const { heed, path, taskId } = await askingRun();
    await heed.runs.cancel('asker-1');
    // Read the store directly: the entry is there without anyone reading the audit through Heed.
    const store = testStore(path);
    await store.init();
    const entries = await store.taskAudit(taskId);
    expect(entries.at(-1)).toMatchObject({ actor: 'system', via: 'run', action: 'cancelled' });
    expect(await heed.tasks.result(taskId)).toMatchObject({ status: 'cancelled', by: 'system', via: 'run' });
    expect(await heed.tasks.verifyAudit(taskId)).toMatchObject({ ok: true, entries: entries.length });
    await store.close();
  });

  it('records a cancellation whose audit entry a crash prevented, once, when the audit is read', async () => {
    const { heed, path, taskId, clock } = await askingRun();
    // Another process cancels the run and dies before its human layer writes the entry.
    const store = testStore(path);
    await store.init();
    await store.cancelRun('asker-1', clock.now());
    await store.close();
    expect((await heed.tasks.get(taskId))?.status).toBe('cancelled');
    const entries = await heed.tasks.audit(taskId);
    expect(entries.filter((e) => e.action === 'cancelled')).toHaveLength(1);
    expect(await heed.tasks.audit(taskId)).toEqual(entries);
    expect(await heed.tasks.verifyAudit(taskId)).toMatchObject({ ok: true, entries: entries.length });
  });

  it('detects an edited entry', async () => {
    const { heed, path, taskId } = await answeredTask();
    await tamper(
      path,
      "UPDATE task_audit SET actor = 'user:mallory' WHERE task_id = ? AND action = 'responded'",
      taskId,
    );
    const verdict = await heed.tasks.verifyAudit(taskId);
    expect(verdict.ok).toBe(false);
    expect(verdict.problems.join('\n')).toMatch(/entry \d+: its content was changed/);
  });

  it('detects a deleted entry, in the middle or at the end', async () => {
    const { heed, path, taskId } = await answeredTask();
    await tamper(path, "DELETE FROM task_audit WHERE task_id = ? AND action = 'responded'", taskId);
    expect((await heed.tasks.verifyAudit(taskId)).problems.join('\n')).toMatch(/missing or moved|does not follow/);

    const other = await answeredTask();
    await tamper(
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
