/**
 * Retention through Heed, on SQLite and PostgreSQL: `heed.prune()` (what the background sweep
 * runs) removes finished runs, their streamed progress on its own clock, and deliveries, while
 * tasks stay readable and their audit chains verify. The store contract
 * (`test/store/contract-retention.ts`) covers the store side row by row.
 */
import { describe, expect, it } from 'vitest';
import type { HeedOptions, Store } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite.ts';
import { freshPostgresStore } from '../postgres/databases.ts';
import { tempDir, testEngine } from '../helpers.ts';

const stores: [string, () => Promise<Store | undefined>][] = [
  ['SQLite', async () => undefined],
  // The engine's clock drives leases too: the virtual clock jumps by days here.
  ['PostgreSQL', () => freshPostgresStore({ leaseClock: 'engine' })],
];

describe.each(stores)('retention on %s', (_name, makeStore) => {
  async function engine(options: Partial<HeedOptions> = {}) {
    const store = await makeStore();
    return testEngine({ ...(store ? { store } : {}), ...options });
  }

  it('prunes a finished run that asked a person; the task stays readable, its result and audit intact', async () => {
    const { heed, clock } = await engine();
    const asker = heed.workflow('asker', async (ctx) => {
      await ctx.step('prepare', () => 'ready');
      await ctx.setStatus('phase', 'asking');
      const answer = await ctx.ask({ type: 'approval', title: 'Ship it?', assignees: ['user:bob'] });
      return answer.outcome;
    });
    const waiter = heed.workflow('waiter', async (ctx) => ctx.recv('never'));
    await heed.start();
    const run = await asker.start(null, { id: 'asker-1' });
    await waiter.start(null, { id: 'waiting-1' });
    await heed.idle();
    const [task] = (await heed.tasks.list({ status: 'pending' })).items;
    if (!task) throw new Error('no task');
    await heed.tasks.respond(task.id, { outcome: 'approve' }, { principal: 'user:bob' });
    expect(await run.result()).toBe('approve');
    await heed.idle();
    expect(task.lifecycleRunId).toBeDefined();
    expect(await heed.deliveries.taskDeliveries(task.id)).not.toEqual([]);

    // 29 days later: nothing is old enough.
    await clock.advance('29d');
    expect(await heed.prune()).toMatchObject({ runs: 0, deliveries: 0 });
    expect(await heed.runs.get('asker-1')).toBeDefined();

    await clock.advance('2d');
    const young = await asker.start(null, { id: 'asker-2' });
    await heed.idle();
    const report = await heed.prune();
    // The asking run and the task's lifecycle run (its child): one tree, pruned together.
    expect(report.runs).toBe(2);
    expect(report.deliveries).toBeGreaterThan(0);
    expect(await heed.runs.get('asker-1')).toBeUndefined();
    expect(await heed.runs.get(task.lifecycleRunId)).toBeUndefined();
    expect(await heed.statusHistory('asker-1')).toEqual([]);
    expect(await heed.feeds.runEvents(0, 100, 'asker-1')).toEqual([]);
    expect(await heed.deliveries.taskDeliveries(task.id)).toEqual([]);
    // Kept: the task with its decision, a run still waiting (however old), a run still young.
    expect(await heed.tasks.get(task.id)).toMatchObject({
      status: 'resolved',
      result: { outcome: 'approve', by: 'user:bob' },
      askedBy: 'asker-1',
    });
    expect(await heed.tasks.result(task.id)).toMatchObject({ outcome: 'approve' });
    expect(await heed.tasks.verifyAudit(task.id)).toMatchObject({ ok: true });
    expect((await heed.tasks.audit(task.id)).map((e) => e.action)).toContain('responded');
    expect(await heed.runs.get('waiting-1')).toMatchObject({ status: 'waiting' });
    expect(await heed.runs.get(young.id)).toBeDefined();
    // The waiting run still replays from its full history and ends normally.
    await heed.send('waiting-1', 'never', 'late');
    expect(await heed.handle('waiting-1').result()).toBe('late');
  });

  it('prunes streamed progress on its own, shorter clock, keeping the run and its history', async () => {
    const { heed, clock } = await engine({ retention: { progress: '1d', finishedRuns: '30d' } });
    const streamer = heed.workflow('streamer', async (ctx) =>
      ctx.step('generate', async (step) => {
        for (const delta of ['Hel', 'lo', '!']) await step.progress({ delta });
        return 'Hello!';
      }),
    );
    await heed.start();
    await streamer.start(null, { id: 's1' });
    await heed.idle();
    const progress = async () => (await heed.feeds.runEvents(0, 100, 's1')).filter((e) => e.type === 'progress').length;
    expect(await progress()).toBe(3);

    await clock.advance('2d');
    const report = await heed.prune();
    expect(report).toMatchObject({ runs: 0, progress: 3 });
    expect(await progress()).toBe(0);
    const run = await heed.runs.get('s1');
    expect(run).toMatchObject({ status: 'succeeded', output: 'Hello!' });
    expect(run?.history.map((h) => h.name)).toEqual(['generate']);
    expect((await heed.feeds.runEvents(0, 100, 's1')).map((e) => e.type)).toEqual(['run.succeeded']);
    // Done once: the next sweep starts after it (its place is kept in the store).
    expect(await heed.feeds.getSetting('heed.retention.progress')).toBeDefined();
    expect(await heed.prune()).toMatchObject({ progress: 0 });
  });

  it('prunes in batches, prunes ended tasks only when told, and prunes nothing with retention: false', async () => {
    const { heed, clock, store } = await engine({ retention: { tasks: '60d', batchSize: 4 } });
    const steps = heed.workflow('steps', async (ctx) => {
      for (let i = 0; i < 3; i++) await ctx.step(`s${i}`, () => i);
      return 'done';
    });
    await heed.start();
    for (let i = 0; i < 10; i++) await steps.start(null, { id: `r${i}` });
    const task = await heed.tasks.create({ type: 'approval', title: 'Old one', assignees: ['user:bob'] });
    await heed.tasks.respond(task.id, { outcome: 'approve' }, { principal: 'user:bob' });
    await heed.idle();

    // A second Heed on the same store that keeps everything.
    const keeper = testEngine({ store, retention: false, clock });
    await clock.advance('31d');
    expect(await keeper.heed.prune()).toMatchObject({ runs: 0, progress: 0, deliveries: 0, tasks: 0 });
    expect(await heed.runs.get('r0')).toBeDefined();

    const runs = await heed.prune();
    expect(runs.runs).toBe(11); // the ten runs and the task's lifecycle run
    expect(runs.batches).toBeGreaterThan(10);
    expect(await heed.tasks.get(task.id)).toBeDefined();

    await clock.advance('30d');
    expect(await heed.prune()).toMatchObject({ tasks: 1 });
    expect(await heed.tasks.get(task.id)).toBeUndefined();
    expect(await heed.tasks.audit(task.id).catch((e: unknown) => e)).toMatchObject({ code: 'TASK_NOT_FOUND' });
  });

  it('refuses bad retention options when Heed is made', async () => {
    await expect(engine({ retention: { finishedRuns: 'soon' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(engine({ retention: { batchSize: 0 } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('retention schedule', () => {
  it('records when it swept in the store: the schedule outlives a restart', async () => {
    const dir = tempDir();
    const { heed, clock } = testEngine({ store: new SqliteStore(`${dir}/heed.db`) });
    await heed.prune();
    expect(await heed.feeds.getSetting('heed.retention.sweptAt')).toBe(String(clock.now()));
  });
});
