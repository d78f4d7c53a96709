/**
 * A busy task cannot be starved: repeated refusals are audited once (no version bump per
 * refusal), and the lifecycle's own writes (here the deadline) never give up on lost races, so
 * `ctx.ask` returns the fail-closed result however contended the task is.
 */
import { describe, expect, it } from 'vitest';
import type { TaskUpdate } from '../../src/store/task-store.ts';
import { SqliteStore } from '../../src/sqlite.ts';
import { tempDir, testEngine } from '../helpers.ts';
import { join } from 'node:path';

/**
 * A real SQLite store on which another writer gets in first, for real, before each of the first
 * `losses` deadline writes: it writes the task at the version read (an empty update bumps the
 * version), so the deadline's compare-and-set then loses the race as it would against a flood.
 */
class ContendedStore extends SqliteStore {
  losses: number;
  lost = 0;
  constructor(path: string, losses: number) {
    super(path);
    this.losses = losses;
  }
  override async applyTaskUpdate(id: string, version: number, update: TaskUpdate, now: number): Promise<boolean> {
    if (update.status !== undefined && this.lost < this.losses) {
      expect(await super.applyTaskUpdate(id, version, {}, now)).toBe(true);
      this.lost++;
    }
    return super.applyTaskUpdate(id, version, update, now);
  }
}

describe('human tasks under contention', () => {
  it('audits a repeated refusal (same principal, same reason) once: refusals do not bump the task', async () => {
    const { heed, store } = testEngine();
    await heed.start();
    const task = await heed.tasks.create({
      type: 'approval',
      title: 'Pay the invoice?',
      requester: 'user:alice',
      assignees: ['user:alice', 'user:bob'],
    });
    const before = (await store.getTask(task.id))?.version;
    for (let i = 0; i < 40; i++) {
      await expect(
        heed.tasks.respond(task.id, { outcome: 'approve' }, { principal: 'user:alice' }),
      ).rejects.toMatchObject({ code: 'TASK_FORBIDDEN', message: expect.stringContaining('four-eyes') });
      await expect(
        heed.tasks.respond(task.id, { outcome: 'approve' }, { principal: 'user:mallory' }),
      ).rejects.toMatchObject({ code: 'TASK_FORBIDDEN' });
    }
    const refused = (await heed.tasks.audit(task.id)).filter((e) => e.action === 'refused');
    expect(refused.map((e) => e.actor)).toEqual(['user:alice', 'user:mallory']);
    expect((await store.getTask(task.id))?.version).toBe((before ?? 0) + 2);
    const answered = await heed.tasks.respond(task.id, { outcome: 'approve' }, { principal: 'user:bob' });
    expect(answered.status).toBe('resolved');
    expect((await heed.tasks.verifyAudit(task.id)).ok).toBe(true);
  });

  it('decides at the deadline (fail closed) even after far more lost races than one write allows', async () => {
    const path = join(tempDir(), 'heed.db');
    const store = new ContendedStore(path, 200);
    const { heed, clock } = testEngine({ store });
    const wf = heed.workflow('deploy', async (ctx) => {
      const answer = await ctx.ask({ type: 'approval', title: 'Deploy?', assignees: ['user:bob'], deadline: '1h' });
      return { outcome: answer.outcome, by: answer.by };
    });
    await heed.start();
    const run = await wf.start(null, { id: 'deploy-1' });
    await heed.idle();
    store.lost = 0;
    await clock.advance('1h');
    // Step retries (if any) wait on the clock: move it on until the run ends.
    const result = run.result();
    let ended = false;
    const end = () => {
      ended = true;
    };
    result.then(end, end);
    for (let i = 0; i < 600 && !ended; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await clock.advance('1m');
    }
    expect(await result).toEqual({ outcome: 'reject', by: 'system' });
    expect(store.lost).toBe(200);
    const [task] = (await heed.tasks.list({ status: 'resolved' })).items;
    expect(task?.result?.outcome).toBe('reject');
  }, 90_000);
});
