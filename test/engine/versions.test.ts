import { describe, expect, it, vi } from 'vitest';
import type { Heed, WorkflowContext } from '../../src/index.ts';
import { testEngine } from '../helpers.ts';

/** The refund as first deployed: draft, then ask. */
const v1 = async (ctx: WorkflowContext, input: { amount: number }) => {
  const draft = await ctx.step('draft', () => ({ amount: input.amount }));
  const decision = await ctx.ask({ type: 'approval', title: `Refund $${draft.amount}?`, assignees: ['user:ops'] });
  return { refunded: decision.outcome === 'approve', by: decision.by, code: 'v1' };
};
/** The refund changed: a fraud check before the ask (incompatible with v1 histories). */
const v2 = async (ctx: WorkflowContext, input: { amount: number }) => {
  await ctx.step('fraud-check', () => 'clean');
  const draft = await ctx.step('draft', () => ({ amount: input.amount }));
  const decision = await ctx.ask({ type: 'approval', title: `Refund $${draft.amount}?`, assignees: ['user:ops'] });
  return { refunded: decision.outcome === 'approve', by: decision.by, code: 'v2' };
};

async function pendingTask(heed: Heed, runId: string) {
  await heed.idle();
  const task = (await heed.tasks.list({ status: 'pending' })).items.find((t) => t.runId === runId);
  if (!task) throw new Error(`run ${runId} asked nothing`);
  return task;
}

describe('versioned workflows: waits that outlive deploys', () => {
  it('starts new runs on the newest version and replays each run on its own', async () => {
    const { heed, reopen } = testEngine();
    heed.workflow('refund', v1);
    await heed.start();
    const old = await heed.startWorkflow('refund', { amount: 150 }, { id: 'old' });
    const oldTask = await pendingTask(heed, old.id);
    await heed.stop();

    // The deploy: both versions registered, v2 the newest.
    const next = reopen();
    next.workflow('refund', v1, { version: 1 });
    next.workflow('refund', v2, { version: 2 });
    expect(next.workflowVersions('refund')).toEqual([1, 2]);
    await next.start();
    const fresh = await next.startWorkflow('refund', { amount: 20 }, { id: 'fresh' });
    const freshTask = await pendingTask(next, fresh.id);
    expect(await next.runs.info('old')).toMatchObject({ workflow: 'refund', version: 1 });
    expect(await next.runs.info('fresh')).toMatchObject({ workflow: 'refund', version: 2 });
    expect((await next.runs.list({ workflow: 'refund' })).items.map((r) => r.id).sort()).toEqual(['fresh', 'old']);

    await next.tasks.respond(oldTask.id, { outcome: 'approve' }, { principal: 'user:ops' });
    await next.tasks.respond(freshTask.id, { outcome: 'approve' }, { principal: 'user:ops' });
    expect(await next.handle('old').result()).toMatchObject({ refunded: true, code: 'v1' });
    expect(await next.handle('fresh').result()).toMatchObject({ refunded: true, code: 'v2' });
  });

  it('leaves a run to the process that has its version', async () => {
    const { heed, reopen } = testEngine();
    heed.workflow('refund', v1);
    heed.workflow('refund', v2, { version: 2 });
    const run = await heed.startWorkflow('refund', { amount: 5 }, { id: 'v2-run' });
    // A process with only version 1 never claims it.
    const older = reopen();
    older.workflow('refund', v1);
    await older.start();
    await older.idle();
    expect((await older.runs.info(run.id))?.status).toBe('pending');
    await older.stop();
    // One with version 2 does.
    await heed.start();
    const task = await pendingTask(heed, run.id);
    await heed.tasks.respond(task.id, { outcome: 'approve' }, { principal: 'user:ops' });
    expect(await run.result()).toMatchObject({ code: 'v2' });
  });

  it('blocks (never fails) a run whose code changed incompatibly; its task stays answerable; it completes once the old code is back', async () => {
    const { heed, reopen } = testEngine();
    heed.workflow('refund', v1);
    await heed.start();
    const run = await heed.startWorkflow('refund', { amount: 150 }, { id: 'r1' });
    const task = await pendingTask(heed, run.id);
    await heed.stop();

    // A deploy changes the code in place, without a version: the run cannot replay.
    const changed = reopen();
    changed.workflow('refund', v2);
    await changed.start();
    await changed.tasks.respond(task.id, { outcome: 'approve' }, { principal: 'user:ops' });
    await vi.waitFor(async () => expect((await changed.runs.info('r1'))?.status).toBe('blocked'));
    const blocked = await changed.runs.info('r1');
    expect(blocked?.error?.code).toBe('NON_DETERMINISM');
    expect(blocked?.error?.message).toMatch(
      /workflow "refund" version 1\): position 1 is step "fraud-check" in the code but step "draft" in the recorded history/,
    );
    expect((await changed.runs.list({ status: 'blocked' })).items.map((r) => r.id)).toEqual(['r1']);
    // The answer was taken and is kept: the task ended approved.
    expect((await changed.tasks.get(task.id))?.result).toMatchObject({ outcome: 'approve', by: 'user:ops' });
    await changed.stop();

    // The old code is deployed again: the run replays and completes with the answer given meanwhile.
    const restored = reopen();
    restored.workflow('refund', v1);
    await restored.start();
    expect(await restored.handle('r1').result()).toMatchObject({ refunded: true, by: 'user:ops', code: 'v1' });
  });

  it('moves a blocked run to a named version, on request', async () => {
    const { heed, reopen } = testEngine();
    heed.workflow('refund', v1);
    await heed.start();
    const run = await heed.startWorkflow('refund', { amount: 150 }, { id: 'r2' });
    const task = await pendingTask(heed, run.id);
    await heed.stop();

    const changed = reopen();
    changed.workflow('refund', v2);
    // Version 3 is v1's code under a new number: what an operator deploys to rescue such runs.
    changed.workflow('refund', v1, { version: 3 });
    await changed.start();
    await changed.tasks.respond(task.id, { outcome: 'approve' }, { principal: 'user:ops' });
    await vi.waitFor(async () => expect((await changed.runs.info('r2'))?.status).toBe('blocked'));
    await expect(changed.runs.resume('r2', { version: 7 })).rejects.toThrow(/version "7/);
    expect(await changed.runs.resume('r2', { version: 3 })).toMatchObject({ status: 'pending', version: 3 });
    expect(await changed.handle('r2').result()).toMatchObject({ refunded: true, code: 'v1' });
  });
});
