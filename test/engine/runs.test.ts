import { describe, expect, it, vi } from 'vitest';
import {
  DuplicateWorkflowError,
  RunCancelledError,
  RunNotFoundError,
  RunStateError,
  SerializationError,
  UnknownWorkflowError,
  type WorkflowContext,
} from '../../src/index.ts';
import { testEngine } from '../helpers.ts';

describe('runs', () => {
  it('starts idempotently by id', async () => {
    const { heed } = testEngine();
    let executions = 0;
    const wf = heed.workflow('once', async (_ctx, input: number) => {
      executions++;
      return input * 2;
    });
    heed.workflow('other', async () => 0);
    await heed.start();
    const first = await wf.start(21, { id: 'same' });
    const second = await wf.start(99, { id: 'same' });
    expect(second.id).toBe(first.id);
    expect(await second.result()).toBe(42);
    expect(executions).toBe(1);
    await expect(heed.startWorkflow('other', null, { id: 'same' })).rejects.toBeInstanceOf(RunStateError);
  });

  it('rejects bad registrations and starts with clear errors, writing nothing', async () => {
    const { heed } = testEngine();
    const wf = heed.workflow('known', async () => 1);
    expect(() => heed.workflow('known', async () => 2)).toThrow(DuplicateWorkflowError);
    expect(() => heed.workflow('', async () => 2)).toThrow(/non-empty/);
    await expect(heed.startWorkflow('unknown', {})).rejects.toBeInstanceOf(UnknownWorkflowError);
    const error = await wf.start({ when: () => 1 } as never, { id: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SerializationError);
    expect((error as Error).message).toBe(
      'The input of workflow "known".when must be plain JSON data, but it contains a function',
    );
    expect(await heed.runs.get('x')).toBeUndefined();
    await expect(heed.send('ghost', 'topic', 1)).rejects.toBeInstanceOf(RunNotFoundError);
    await expect(heed.send('x', '', 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(heed.emit('e', { n: 10n })).rejects.toMatchObject({ code: 'NOT_SERIALIZABLE' });
  });

  it('blocks (does not fail) a run whose code changed under it, with a NonDeterminismError naming the step', async () => {
    const { heed } = testEngine();
    let version = 1;
    const wf = heed.workflow('evolving', async (ctx) => {
      await ctx.step(version === 1 ? 'reserve' : 'charge', () => 'done');
      await ctx.recv('go');
      return 'finished';
    });
    await heed.start();
    await wf.start(null, { id: 'e1' });
    await heed.idle();
    version = 2;
    await heed.send('e1', 'go', true);
    await heed.idle();
    const run = await heed.runs.get('e1');
    expect(run?.status).toBe('blocked');
    expect(run?.error).toMatchObject({
      code: 'NON_DETERMINISM',
      message: expect.stringContaining(
        'position 1 is step "charge" in the code but step "reserve" in the recorded history',
      ),
    });
    // The code that made the history is back: the run replays and finishes.
    version = 1;
    await heed.runs.resume('e1');
    expect(await wf.handle('e1').result()).toBe('finished');
  });

  it('cancels a waiting run: it stops waiting and its result rejects', async () => {
    const { heed, clock } = testEngine();
    const wf = heed.workflow('patient', async (ctx) => ctx.recv('never', { timeout: '1h' }));
    await heed.start();
    const run = await wf.start(null, { id: 'w1' });
    await heed.idle();
    expect(await heed.runs.cancel('w1')).toEqual(['w1']);
    await expect(run.result()).rejects.toBeInstanceOf(RunCancelledError);
    const detail = await heed.runs.get('w1');
    expect(detail?.status).toBe('cancelled');
    expect(detail?.waitingOn).toEqual([]);
    await clock.advance('2h');
    await heed.idle();
    expect((await heed.runs.get('w1'))?.status).toBe('cancelled');
    expect(await heed.runs.cancel('w1')).toEqual([]);
  });

  it('cancels a run mid-step: the signal aborts and nothing more is recorded', async () => {
    const { heed } = testEngine();
    const seen: string[] = [];
    const wf = heed.workflow('busy', async (ctx) => {
      await ctx.step('long', ({ signal }) => {
        seen.push('started');
        return new Promise((resolve) => signal.addEventListener('abort', () => resolve(seen.push('aborted'))));
      });
      await ctx.step('after', () => seen.push('after'));
    });
    await heed.start();
    const run = await wf.start(null, { id: 'b1' });
    await vi.waitFor(() => expect(seen).toEqual(['started']));
    await heed.runs.cancel('b1');
    await expect(run.result()).rejects.toBeInstanceOf(RunCancelledError);
    await heed.idle();
    expect(seen).toEqual(['started', 'aborted']);
    expect((await heed.runs.get('b1'))?.history).toEqual([]);
  });

  it('resumes a cancelled run and rejects resuming a finished one', async () => {
    const { heed } = testEngine();
    const wf = heed.workflow('again', async (ctx) => ctx.recv('x'));
    await heed.start();
    await wf.start(null, { id: 'a1' });
    await heed.idle();
    await heed.runs.cancel('a1');
    expect((await heed.runs.resume('a1')).status).toBe('pending');
    await heed.idle();
    await heed.send('a1', 'x', 'back');
    expect(await heed.handle('a1').result()).toBe('back');
    await expect(heed.runs.resume('a1')).rejects.toBeInstanceOf(RunStateError);
    await expect(heed.runs.resume('ghost')).rejects.toBeInstanceOf(RunNotFoundError);
  });

  it('runs child workflows durably and cancels them with the parent', async () => {
    const { heed } = testEngine();
    const child = heed.workflow('child', async (ctx, n: number) => {
      const reply = await ctx.recv<number>('add');
      return n + (reply ?? 0);
    });
    const parent = heed.workflow('parent', async (ctx: WorkflowContext, input: { childId: string }) => {
      const a = await ctx.start(child, 1);
      const b = await ctx.start(child, 10, { id: input.childId });
      return [await a.result(), await b.result()];
    });
    await heed.start();
    const run = await parent.start({ childId: 'fixed-child' }, { id: 'p' });
    await heed.idle();
    expect((await heed.runs.list({ parentId: 'p' })).items.map((r) => r.id).sort()).toEqual(['fixed-child', 'p:1']);
    await heed.send('p:1', 'add', 1);
    await heed.send('fixed-child', 'add', 5);
    expect(await run.result()).toEqual([2, 15]);

    const doomed = await parent.start({ childId: 'q-second' }, { id: 'q' });
    await heed.idle();
    expect((await heed.runs.cancel('q')).sort()).toEqual(['q', 'q-second', 'q:1']);
    await expect(doomed.result()).rejects.toBeInstanceOf(RunCancelledError);
    expect((await heed.runs.get('q:1'))?.status).toBe('cancelled');
  });

  it('reports a failed child to the parent as RunFailedError', async () => {
    const { heed } = testEngine();
    const child = heed.workflow('failing-child', async () => {
      throw new Error('child broke');
    });
    const parent = heed.workflow('caring-parent', async (ctx) => {
      const handle = await ctx.start(child, null);
      try {
        return await handle.result();
      } catch (error) {
        return `caught: ${(error as Error).message}`;
      }
    });
    await heed.start();
    const run = await parent.start(null);
    expect(await run.result()).toMatch(/caught: Run ".*:1" failed: child broke/);
  });

  it('publishes statuses with history, a durable feed and live events', async () => {
    const { heed } = testEngine();
    const live: unknown[] = [];
    heed.onStatus((s) => live.push(s.value));
    const wf = heed.workflow('agent', async (ctx) => {
      await ctx.setStatus('agent', { status: 'working' });
      await ctx.setStatus('agent', { status: 'pending_approval' });
      const ok = await ctx.recv<boolean>('approval');
      await ctx.setStatus('agent', { status: ok ? 'done' : 'denied' });
    });
    await heed.start();
    const run = await wf.start(null, { id: 'ag' });
    await heed.idle();
    expect(await heed.getStatus('ag', 'agent')).toEqual({ status: 'pending_approval' });
    await heed.send('ag', 'approval', true);
    await run.result();
    expect((await heed.statusHistory('ag', 'agent')).map((s) => s.value)).toEqual([
      { status: 'working' },
      { status: 'pending_approval' },
      { status: 'done' },
    ]);
    // Replays did not publish twice.
    expect(live).toEqual([{ status: 'working' }, { status: 'pending_approval' }, { status: 'done' }]);
    const feed = await heed.statusChanges({ runId: 'ag' });
    const after = await heed.statusChanges({ after: feed[0]?.id ?? 0 });
    expect(after.map((s) => s.value)).toEqual([{ status: 'pending_approval' }, { status: 'done' }]);
    expect(await heed.getStatus('ag', 'missing')).toBeUndefined();
  });

  it('records now(), uuid() and random() on first run and replays them', async () => {
    const { heed, clock } = testEngine();
    const observed: unknown[][] = [];
    const wf = heed.workflow('values', async (ctx) => {
      const values = [await ctx.now(), await ctx.uuid(), await ctx.random()];
      observed.push(values);
      await ctx.recv('go');
      return values;
    });
    await heed.start();
    const run = await wf.start(null, { id: 'v' });
    await heed.idle();
    await clock.advance('1h');
    await heed.send('v', 'go', 1);
    const result = await run.result();
    expect(observed).toHaveLength(2);
    expect(observed[1]).toEqual(observed[0]);
    expect(result).toEqual(observed[0]);
    expect(result[1]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('lists runs with filters and pages', async () => {
    const { heed } = testEngine();
    const wf = heed.workflow('listed', async (ctx, n: number) => (n % 2 ? ctx.recv('x') : n));
    await heed.start();
    for (let i = 0; i < 6; i++) await wf.start(i, { id: `l${i}` });
    await heed.idle();
    expect((await heed.runs.list({ status: 'succeeded' })).items.map((r) => r.output).sort()).toEqual([0, 2, 4]);
    const page = await heed.runs.list({ workflow: 'listed', limit: 4 });
    const rest = await heed.runs.list({ workflow: 'listed', limit: 4, cursor: page.nextCursor ?? undefined });
    expect([...page.items, ...rest.items].map((r) => r.id).sort()).toEqual(['l0', 'l1', 'l2', 'l3', 'l4', 'l5']);
    await expect(heed.runs.list({ limit: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('hands running executions back on stop so a new process resumes them', async () => {
    const { heed, reopen } = testEngine();
    let release: (() => void) | undefined;
    const calls: string[] = [];
    heed.workflow('handoff', async (ctx) => {
      await ctx.step('first', () => calls.push('first'));
      await ctx.step('slow', () => new Promise<void>((resolve) => (release = resolve)));
      return 'done';
    });
    await heed.start();
    await heed.startWorkflow('handoff', null, { id: 'h' });
    await vi.waitFor(() => expect(release).toBeDefined());
    await heed.stop({ grace: 0 });
    release?.();
    const next = reopen();
    next.workflow('handoff', async (ctx) => {
      await ctx.step('first', () => calls.push('first again'));
      await ctx.step('slow', () => calls.push('slow'));
      return 'done';
    });
    await next.start();
    expect(await next.handle('h').result()).toBe('done');
    expect(calls).toEqual(['first', 'slow']);
  });
});
