import { describe, expect, it } from 'vitest';
import type { Heed, WorkflowContext } from '../../src/index.ts';
import { testEngine } from '../helpers.ts';

async function pendingTask(heed: Heed, runId: string) {
  await heed.idle();
  const task = (await heed.tasks.list({ status: 'pending' })).items.find((t) => t.runId === runId);
  if (!task) throw new Error(`run ${runId} asked nothing`);
  return task;
}

/** Module A: draft, then ask. */
const moduleA = async (ctx: WorkflowContext) => {
  await ctx.step('draft', () => 'RF-1');
  const decision = await ctx.ask({ type: 'approval', title: 'Refund?', assignees: ['user:ops'] });
  return { outcome: decision.outcome, checked: false };
};
/** Module B: a fraud check added before the ask, guarded by a patch. */
const checks: string[] = [];
const moduleB = async (ctx: WorkflowContext) => {
  await ctx.step('draft', () => 'RF-1');
  let checked = false;
  if (ctx.patched('fraud-check')) {
    checked = await ctx.step('fraud-check', () => {
      checks.push(ctx.runId);
      return true;
    });
  }
  const decision = await ctx.ask({ type: 'approval', title: 'Refund?', assignees: ['user:ops'] });
  return { outcome: decision.outcome, checked };
};
/** Module C: every old run is gone; only the new path remains. */
const moduleC = async (ctx: WorkflowContext) => {
  await ctx.step('draft', () => 'RF-1');
  ctx.deprecatePatch('fraud-check');
  const checked = await ctx.step('fraud-check', () => true);
  const decision = await ctx.ask({ type: 'approval', title: 'Refund?', assignees: ['user:ops'] });
  return { outcome: decision.outcome, checked };
};

describe('patches: ctx.patched keeps old runs on the old path', () => {
  it('a run waiting on a task under module A completes under module B, which added a patched step before the wait', async () => {
    const { heed, reopen } = testEngine();
    heed.workflow('refund', moduleA);
    await heed.start();
    await heed.startWorkflow('refund', null, { id: 'old' });
    const task = await pendingTask(heed, 'old');
    await heed.stop();

    const b = reopen();
    b.workflow('refund', moduleB);
    await b.start();
    const fresh = await b.startWorkflow('refund', null, { id: 'fresh' });
    const freshTask = await pendingTask(b, 'fresh');
    await b.tasks.respond(task.id, { outcome: 'approve' }, { principal: 'user:ops' });
    await b.tasks.respond(freshTask.id, { outcome: 'approve' }, { principal: 'user:ops' });
    expect(await b.handle('old').result()).toEqual({ outcome: 'approve', checked: false });
    expect(await fresh.result()).toEqual({ outcome: 'approve', checked: true });
    expect(checks).toEqual(['fresh']);
    // The new run's history holds the marker where it took the new path.
    const history = (await b.runs.get('fresh'))?.history.map((h) => `${h.kind}:${h.name}`) ?? [];
    expect(history.slice(0, 3)).toEqual(['step:draft', 'patch:fraud-check', 'step:fraud-check']);
    await b.stop();

    // Later, no old run remains: module C keeps only the new path and still replays B's runs.
    const c = reopen();
    c.workflow('refund', moduleC);
    expect(await c.replayHistory('refund', await c.exportHistory('fresh'))).toMatchObject({ ok: true });
    await c.start();
    const newest = await c.startWorkflow('refund', null, { id: 'newest' });
    await c.tasks.respond((await pendingTask(c, 'newest')).id, { outcome: 'approve' }, { principal: 'user:ops' });
    expect(await newest.result()).toEqual({ outcome: 'approve', checked: true });
  });

  it('keeps a run suspended on a wait at the patched position on the old path (the wait was registered there)', async () => {
    const { heed, reopen } = testEngine();
    heed.workflow('ship', async (ctx) => {
      await ctx.step('build', () => 'ok');
      return ctx.recv<string>('go');
    });
    await heed.start();
    await heed.startWorkflow('ship', null, { id: 'waiting' });
    await heed.idle();
    await heed.stop();

    const next = reopen();
    next.workflow('ship', async (ctx) => {
      await ctx.step('build', () => 'ok');
      if (ctx.patched('smoke-test')) await ctx.step('smoke-test', () => 'passed');
      return ctx.recv<string>('go');
    });
    await next.start();
    await next.send('waiting', 'go', 'shipped');
    expect(await next.handle('waiting').result()).toBe('shipped');
    const history = (await next.runs.get('waiting'))?.history.map((h) => `${h.kind}:${h.name}`);
    expect(history).toEqual(['step:build', 'recv:go']);
  });
});
