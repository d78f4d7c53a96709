import { describe, expect, it } from 'vitest';
import type { WorkflowContext } from '../../src/index.ts';
import { MAX_DURATION_MS } from '../../src/time/duration.ts';
import { testEngine } from '../helpers.ts';
import { engineOn, STORES } from './engines.ts';

describe('durable waits', () => {
  it('sleeps on a durable timer and wakes when the clock reaches it', async () => {
    const { heed, clock } = testEngine();
    const wf = heed.workflow('nap', async (ctx) => {
      const before = await ctx.now();
      await ctx.sleep('4h');
      return (await ctx.now()) - before;
    });
    await heed.start();
    const run = await wf.start(null, { id: 'n1' });
    await heed.idle();
    expect((await heed.runs.get('n1'))?.waitingOn).toEqual([
      { seq: 2, kind: 'sleep', deadline: clock.now() + 4 * 3_600_000 },
    ]);
    await clock.advance('3h');
    await heed.idle();
    expect((await heed.runs.get('n1'))?.status).toBe('waiting');
    await clock.advance('1h');
    expect(await run.result()).toBe(4 * 3_600_000);
  });

  it('keeps messages sent before recv, in order, and drops duplicate sends', async () => {
    const { heed } = testEngine();
    const wf = heed.workflow('mailbox', async (ctx) => {
      await ctx.recv('start');
      const got: unknown[] = [];
      for (let i = 0; i < 3; i++) got.push(await ctx.recv('item'));
      return got;
    });
    await heed.start();
    const run = await wf.start(null, { id: 'm1' });
    await heed.idle();
    expect(await heed.send('m1', 'item', 'a', { idempotencyKey: 'k-a' })).toEqual({ duplicate: false });
    expect(await heed.send('m1', 'item', 'a again', { idempotencyKey: 'k-a' })).toEqual({ duplicate: true });
    await heed.send('m1', 'item', { b: 2 });
    await heed.send('m1', 'start', true);
    await heed.idle();
    expect((await heed.runs.get('m1'))?.waitingOn).toMatchObject([{ kind: 'recv', topic: 'item' }]);
    await heed.send('m1', 'item', null);
    expect(await run.result()).toEqual(['a', { b: 2 }, null]);
  });

  it('returns null when recv times out', async () => {
    const { heed, clock } = testEngine();
    const wf = heed.workflow('impatient', async (ctx) => ctx.recv('answer', { timeout: '30m' }));
    await heed.start();
    const run = await wf.start(null);
    await heed.idle();
    await clock.advance('30m');
    expect(await run.result()).toBeNull();
  });

  it('resumes every run whose waitForEvent matches one event, and only those', async () => {
    const { heed } = testEngine();
    const wf = heed.workflow('ticket', async (ctx, input: { ticketId: string }) => {
      const event = await ctx.waitForEvent<{ answer: string }>('app/support.ticket.developer-response', {
        match: { ticketId: input.ticketId },
        timeout: '4h',
      });
      return event ? event.data.answer : 'no answer';
    });
    await heed.start();
    const a = await wf.start({ ticketId: 'T-1' }, { id: 'a' });
    const b = await wf.start({ ticketId: 'T-1' }, { id: 'b' });
    await wf.start({ ticketId: 'T-2' }, { id: 'c' });
    await heed.idle();
    const { woken } = await heed.emit('app/support.ticket.developer-response', {
      ticketId: 'T-1',
      answer: 'restart it',
    });
    expect(woken).toBe(2);
    expect(await a.result()).toBe('restart it');
    expect(await b.result()).toBe('restart it');
    await heed.idle();
    expect((await heed.runs.get('c'))?.status).toBe('waiting');
  });

  it('matches an event emitted just before the wait when it is within lookback', async () => {
    const { heed, clock } = testEngine();
    const wf = heed.workflow('late-waiter', async (ctx, input: { id: string; lookback: string }) => {
      await ctx.recv('go');
      const event = await ctx.waitForEvent('build.done', {
        match: { 'build.id': input.id },
        lookback: input.lookback,
        timeout: '1m',
      });
      return event?.data ?? 'timed out';
    });
    await heed.start();
    const within = await wf.start({ id: 'b1', lookback: '5m' }, { id: 'within' });
    const outside = await wf.start({ id: 'b1', lookback: '1m' }, { id: 'outside' });
    await heed.idle();
    await heed.emit('build.done', { build: { id: 'b1' }, ok: true });
    await clock.advance('2m');
    await heed.send('within', 'go', 1);
    await heed.send('outside', 'go', 1);
    expect(await within.result()).toEqual({ build: { id: 'b1' }, ok: true });
    await heed.idle();
    await clock.advance('1m');
    expect(await outside.result()).toBe('timed out');
  });

  it('holds nothing in memory for a waiting run: no execution, no timer per run', async () => {
    const { heed, clock } = testEngine();
    const wf = heed.workflow('parked', async (ctx) => ctx.recv('wake', { timeout: '7d' }));
    await heed.start();
    await wf.start(null);
    await heed.idle();
    const timersWithOne = clock.pendingTimers;
    for (let i = 0; i < 200; i++) await wf.start(null, { id: `p${i}` });
    await heed.idle();
    expect((await heed.runs.list({ status: 'waiting', limit: 1000 })).items).toHaveLength(201);
    // One scheduler timer for the earliest deadline, whatever the number of waiting runs.
    expect(clock.pendingTimers).toBe(timersWithOne);
    await heed.send('p7', 'wake', 'now');
    expect(await heed.handle('p7').result()).toBe('now');
  });

  it('lists runs by the kind of wait they are blocked on', async () => {
    const { heed } = testEngine();
    heed.workflow('sleeper', async (ctx) => ctx.sleep('1d'));
    heed.workflow('listener', async (ctx) => ctx.recv('x'));
    await heed.start();
    await heed.startWorkflow('sleeper', null, { id: 's' });
    await heed.startWorkflow('listener', null, { id: 'l' });
    await heed.idle();
    expect((await heed.runs.list({ waitingOn: 'sleep' })).items.map((r) => r.id)).toEqual(['s']);
    expect((await heed.runs.list({ waitingOn: 'recv' })).items.map((r) => r.id)).toEqual(['l']);
  });

  it('suspends on the first unresolved wait of parallel branches and resumes on either', async () => {
    const { heed } = testEngine();
    const wf = heed.workflow('race', async (ctx) => {
      const first = await Promise.race([
        ctx.recv<string>('left'),
        (async () => {
          await ctx.step('prep', () => 'ready');
          return ctx.recv<string>('right');
        })(),
      ]);
      return first;
    });
    await heed.start();
    const run = await wf.start(null, { id: 'r' });
    await heed.idle();
    expect((await heed.runs.get('r'))?.waitingOn.map((w) => w.topic)).toEqual(['left', 'right']);
    await heed.send('r', 'right', 'from right');
    expect(await run.result()).toBe('from right');
    expect((await heed.runs.get('r'))?.waitingOn).toEqual([]);
  });
});

describe.each(STORES)('durations of waits on %s', (kind) => {
  it('keeps whole milliseconds: fractional sleeps and timeouts are rounded, and the run completes', async () => {
    const { heed, clock, errors } = await engineOn(kind);
    const wf = heed.workflow('fractions', async (ctx) => {
      await ctx.sleep(1.5);
      const message = await ctx.recv('t', { timeout: 2.4 });
      const event = await ctx.waitForEvent('e', { timeout: '0.6ms', lookback: 0.2 });
      return { message, event };
    });
    await heed.start();
    const started = clock.now();
    const run = await wf.start(null, { id: 'f1' });
    await heed.idle();
    expect((await heed.runs.get('f1'))?.waitingOn).toMatchObject([{ kind: 'sleep', deadline: started + 2 }]);
    await clock.advance(2);
    await heed.idle();
    expect((await heed.runs.get('f1'))?.waitingOn).toMatchObject([{ kind: 'recv', deadline: started + 4 }]);
    await clock.advance(2);
    await heed.idle();
    expect((await heed.runs.get('f1'))?.waitingOn).toMatchObject([{ kind: 'event', deadline: started + 5 }]);
    await clock.advance(1);
    expect(await run.result()).toEqual({ message: null, event: null });
    expect(errors).toEqual([]);
  });

  const bad: [string, unknown][] = [
    ['negative', -1],
    ['NaN', Number.NaN],
    ['infinite', Number.POSITIVE_INFINITY],
    ['over 10 years', MAX_DURATION_MS + 1],
    ['over 10 years as text', '3651d'],
  ];
  const uses: [string, (ctx: WorkflowContext, d: never) => Promise<unknown>][] = [
    ['sleep', (ctx, d) => ctx.sleep(d)],
    ['recv timeout', (ctx, d) => ctx.recv('t', { timeout: d })],
    ['waitForEvent timeout', (ctx, d) => ctx.waitForEvent('e', { timeout: d })],
    ['waitForEvent lookback', (ctx, d) => ctx.waitForEvent('e', { lookback: d })],
    ['step timeout', (ctx, d) => ctx.step('s', () => 1, { timeout: d })],
    ['step backoff', (ctx, d) => ctx.step('s', () => 1, { backoff: { initial: d } })],
  ];

  it('refuses a negative, NaN, infinite or over-10-years duration with a clear error, writing nothing', async () => {
    const { heed, errors } = await engineOn(kind);
    const cases = bad.flatMap(([what, duration]) =>
      uses.map(([use, call]) => ({ id: `${use}: ${what}`, duration, call })),
    );
    const wf = heed.workflow('bad-durations', async (ctx, input: { i: number }) => {
      const { duration, call } = cases[input.i] as (typeof cases)[number];
      return call(ctx, duration as never);
    });
    await heed.start();
    const runs = await Promise.all(cases.map((c, i) => wf.start({ i }, { id: c.id })));
    for (const [i, run] of runs.entries()) {
      const id = (cases[i] as (typeof cases)[number]).id;
      await expect(run.result(), id).rejects.toThrow(/must be a non-negative number|longer than the 10 years/);
      const detail = await heed.runs.get(id);
      expect(detail?.error?.code, id).toBe('INVALID_ARGUMENT');
      expect(detail?.history, id).toEqual([]);
      expect(detail?.waitingOn, id).toEqual([]);
      expect(detail?.attempts, id).toBe(1);
    }
    expect(errors).toEqual([]);
  });
});
