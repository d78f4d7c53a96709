import { describe, expect, it } from 'vitest';
import type { ExportedHistory } from '../../src/index.ts';
import { replayHistory } from '../../src/index.ts';
import type { Operation } from '../../src/store/store.ts';
import { testEngine } from '../helpers.ts';

/**
 * `ctx.ask` writes its task, lifecycle run, records and wait in one transaction (a fused child,
 * `engine/fused-child.ts`), at the same four positions the four calls it replaces recorded one by
 * one: histories recorded either way replay under the other.
 */
describe('ctx.ask in one write', () => {
  const spec = (title: string) => ({ type: 'approval' as const, title, assignees: ['user:bob'] });

  /** The four calls `ctx.ask` made before it was fused, as code rolled back to then would make them. */
  async function askByHand(
    ctx: Parameters<Parameters<ReturnType<typeof testEngine>['heed']['workflow']>[1]>[0],
  ): Promise<string> {
    const id = await ctx.uuid();
    await ctx.step('heed.ask', () => {
      throw new Error('a replay never runs a recorded step');
    });
    const lifecycle = await ctx.start<{ taskId: string }, { outcome: string }>(
      { name: 'heed.task' },
      { taskId: id },
      { id: `task:${id}` },
    );
    return (await lifecycle.result()).outcome;
  }

  it('records uuid, step, start and the wait for the task at once, answers once, and replays under the four calls', async () => {
    const { heed, store } = testEngine();
    const asker = heed.workflow('asker', async (ctx) => (await ctx.ask(spec('Go?'))).outcome);
    const byHand = heed.workflow('asker-by-hand', askByHand);
    await heed.start();
    const run = await asker.start(null, { id: 'ask-1' });
    await heed.idle();

    const [task] = (await heed.tasks.list({ status: 'pending' })).items;
    expect(task).toMatchObject({ askedBy: 'ask-1', status: 'pending' });
    const history = await store.loadHistory('ask-1');
    expect(history.map((op) => `${op.seq}:${op.kind}:${op.name}`)).toEqual([
      '1:value:uuid',
      '2:step:heed.ask',
      `3:start:heed.task`,
    ]);
    expect(JSON.parse(history[0]?.output ?? 'null')).toBe(task?.id);
    expect(JSON.parse(history[1]?.output ?? 'null')).toBe(task?.id);
    expect(JSON.parse(history[2]?.output ?? 'null')).toBe(`task:${task?.id}`);
    expect((await store.listWaits('ask-1')).map((w) => `${w.seq}:${w.kind}`)).toEqual(['4:child']);
    expect((await store.getRun('ask-1'))?.status).toBe('waiting');

    // Waiting, the history replays under ctx.ask and under the four calls made by hand.
    const waiting = { ...(await heed.exportHistory('ask-1')), workflow: 'asker-by-hand' };
    expect(await replayHistory(byHand, waiting)).toMatchObject({ ok: true, reachedEnd: 'frontier' });
    expect(await replayHistory(asker, await heed.exportHistory('ask-1'))).toMatchObject({ reachedEnd: 'frontier' });

    await heed.tasks.respond(task?.id ?? '', { outcome: 'approve' }, { principal: 'user:bob' });
    await expect(heed.tasks.respond(task?.id ?? '', { outcome: 'reject' }, { principal: 'user:bob' })).rejects.toThrow(
      /already/i,
    );
    expect(await run.result()).toBe('approve');
    const ended = await heed.exportHistory('ask-1');
    expect(ended.history.map((op) => op.kind)).toEqual(['value', 'step', 'start', 'child']);
    expect(await replayHistory(asker, ended)).toMatchObject({ ok: true, reachedEnd: 'completed' });
    expect(await replayHistory(byHand, { ...ended, workflow: 'asker-by-hand' })).toMatchObject({
      ok: true,
      reachedEnd: 'completed',
    });
    expect((await heed.tasks.verifyAudit(task?.id ?? '')).ok).toBe(true);
    expect((await heed.tasks.audit(task?.id ?? '')).map((e) => e.action)).toEqual([
      'created',
      'notified',
      'responded',
      'resolved',
    ]);
  });

  it('replays asks recorded one call at a time, in parallel (interleaved positions), and a history cut after the uuid', async () => {
    const { heed } = testEngine();
    const pair = heed.workflow('pair', async (ctx) => {
      const [a, b] = await Promise.all([ctx.ask(spec('A?')), ctx.ask(spec('B?'))]);
      return `${a.outcome}/${b.outcome}`;
    });
    await heed.start();
    const run = await pair.start(null, { id: 'pair-1' });
    await heed.idle();
    const tasks = (await heed.tasks.list({ status: 'pending' })).items;
    expect(tasks).toHaveLength(2);
    for (const task of tasks) {
      await heed.tasks.respond(
        task.id,
        task.title === 'A?' ? { outcome: 'approve' } : { outcome: 'reject', comment: 'no' },
        { principal: 'user:bob' },
      );
    }
    expect(await run.result()).toBe('approve/reject');
    const fused = await heed.exportHistory('pair-1');
    // Fused: each ask's four positions in a row.
    expect(fused.history.map((op) => op.kind)).toEqual([
      'value',
      'step',
      'start',
      'child',
      'value',
      'step',
      'start',
      'child',
    ]);
    expect(await replayHistory(pair, fused)).toMatchObject({ ok: true, reachedEnd: 'completed' });

    // The same asks as the four calls recorded them when both were made at once: A's uuid, B's
    // uuid, A's step, B's step, … (how histories from before fusing look).
    const a = fused.history.slice(0, 4);
    const b = fused.history.slice(4, 8);
    const interleaved: Operation[] = [];
    for (let i = 0; i < 4; i++) {
      for (const [k, op] of [a[i], b[i]].entries()) {
        const seq = 2 * i + k + 1;
        interleaved.push({ ...(op as Operation), seq, ord: seq });
      }
    }
    const old: ExportedHistory = { ...fused, runId: 'pair-old', history: interleaved, lastWaitSeq: null };
    expect(await replayHistory(pair, old)).toMatchObject({ ok: true, reachedEnd: 'completed' });
    // A history cut after the first uuid (a crash between the calls) replays up to its end.
    const cut: ExportedHistory = { ...old, status: 'running', history: interleaved.slice(0, 1) };
    expect(await replayHistory(pair, cut)).toMatchObject({ ok: true, reachedEnd: 'frontier' });
    // …and two asks in the other order do not: the divergence is reported, not papered over.
    const swapped = interleaved.map((op, i) => (i === 2 || i === 3 ? { ...op, name: 'other' } : op));
    await expect(replayHistory(pair, { ...old, history: swapped })).rejects.toThrow(/position 3/);
  });

  it('finishes a run that recorded only the uuid before the restart (the calls after it are made one by one)', async () => {
    const { heed, store, reopen } = testEngine();
    heed.workflow('asker', async (ctx) => (await ctx.ask(spec('Go?'))).outcome);
    await heed.ready();
    // What a process that made the first of the four calls, then died, left: the run, its uuid.
    const { run } = await store.createRun({ id: 'cut-1', workflow: 'asker', input: null }, 0);
    const [claim] = await store.claimRuns({
      owner: 'dead',
      workflows: ['asker'],
      limit: 1,
      now: 0,
      leaseMs: 1,
      maxRecoveries: 10,
      active: [],
    });
    expect(claim?.run.id).toBe(run.id);
    await store.recordOperation(
      claim?.lease ?? { runId: 'cut-1', token: 0 },
      {
        seq: 1,
        kind: 'value',
        name: 'uuid',
        output: JSON.stringify('0b7c8a4e-0000-4000-8000-000000000001'),
        error: null,
      },
      0,
    );
    await heed.stop({ grace: 0 });

    const next = reopen();
    next.workflow('asker', async (ctx) => (await ctx.ask(spec('Go?'))).outcome);
    await next.start();
    await next.idle();
    const task = await next.tasks.get('0b7c8a4e-0000-4000-8000-000000000001');
    expect(task).toMatchObject({ askedBy: 'cut-1', status: 'pending' });
    await next.tasks.respond(task?.id ?? '', { outcome: 'approve' }, { principal: 'user:bob' });
    expect(await next.handle('cut-1').result()).toBe('approve');
    expect((await next.exportHistory('cut-1')).history.map((op) => op.kind)).toEqual([
      'value',
      'step',
      'start',
      'child',
    ]);
  });
});
