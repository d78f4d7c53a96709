/**
 * A run's cancellation cancels its task in the store; the task's result and `cancelled` audit
 * entry are written right after. When a crash falls in between, the next `heed.start()` writes
 * them: nobody has to read the audit for the task to be settled.
 */
import { expect, it } from 'vitest';
import { testEngine, testStore } from '../helpers.ts';

it("settles at start a task whose run's cancellation committed but whose result was never written", async () => {
  const { heed, clock, path, reopen } = testEngine();
  const spec = { type: 'approval', title: 'Ship it?', assignees: ['user:bob'] } as const;
  heed.workflow('ship', async (ctx) => (await ctx.ask(spec)).outcome);
  await heed.start();
  await heed.startWorkflow('ship', null, { id: 'ship-1' });
  await heed.idle();
  const [pending] = (await heed.tasks.list({ status: 'pending' })).items;
  if (!pending) throw new Error('no task');
  await heed.stop({ grace: 0 });
  const store = testStore(path);
  await store.init();

  // The cancellation's own write, as `runs.cancel` commits it; the process dies before its
  // listener writes the task's result and audit entry.
  const cancelled = await store.cancelRun('ship-1', clock.now());
  expect(cancelled).toContain(`task:${pending.id}`);
  expect(await store.getTask(pending.id)).toMatchObject({ status: 'cancelled', result: null });

  const restarted = reopen();
  restarted.workflow('ship', async (ctx) => (await ctx.ask(spec)).outcome);
  await restarted.start();
  // Read from the store, not through `tasks.audit` (which would settle it on read).
  const record = await store.getTask(pending.id);
  expect(record?.status).toBe('cancelled');
  expect(JSON.parse(record?.result ?? 'null')).toMatchObject({ outcome: null, by: 'system', via: 'run' });
  const entries = await store.taskAudit(pending.id);
  expect(entries.filter((e) => e.action === 'cancelled')).toMatchObject([{ actor: 'system', via: 'run' }]);
  expect((await restarted.tasks.verifyAudit(pending.id)).ok).toBe(true);
  expect(await store.unsettledCancelledTasks(10)).toEqual([]);
  // Settling again (another process starting) changes nothing.
  const version = record?.version;
  expect(await restarted.tasks.settleCancellations()).toBe(0);
  expect((await store.getTask(pending.id))?.version).toBe(version);
  await store.close();
});
