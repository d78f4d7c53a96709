import { describe, expect, it, vi } from 'vitest';
import { RetryableError, RunFailedError, StepFailedError, TerminalError } from '../../src/index.ts';
import { testEngine } from '../helpers.ts';

describe('steps', () => {
  it('runs each step once and replays recorded results after a wait', async () => {
    const { heed } = testEngine();
    const calls: string[] = [];
    const wf = heed.workflow('order', async (ctx, input: { qty: number }) => {
      const price = await ctx.step('price', () => {
        calls.push('price');
        return { cents: 250 * input.qty, at: new Date(0) };
      });
      const reply = await ctx.recv<string>('confirm');
      const charged = await ctx.step('charge', ({ idempotencyKey }) => {
        calls.push('charge');
        return `charged ${price.cents} (${idempotencyKey})`;
      });
      return { price, reply, charged };
    });
    await heed.start();
    const run = await wf.start({ qty: 2 }, { id: 'o1' });
    await heed.idle();
    await heed.send('o1', 'confirm', 'ok');
    // The date was stored as JSON: first run and replay both see the same string.
    expect(await run.result()).toEqual({
      price: { cents: 500, at: '1970-01-01T00:00:00.000Z' },
      reply: 'ok',
      charged: 'charged 500 (o1:3)',
    });
    expect(calls).toEqual(['price', 'charge']);
    const detail = await heed.runs.get('o1');
    expect(detail?.history.map((h) => `${h.seq}:${h.kind}:${h.name}`)).toEqual([
      '1:step:price',
      '2:recv:confirm',
      '3:step:charge',
    ]);
    expect(detail?.attempts).toBe(2);
  });

  it('retries with backoff until success, passing the attempt number', async () => {
    const { heed, clock } = testEngine();
    const attempts: number[] = [];
    const wf = heed.workflow('flaky', async (ctx) =>
      ctx.step(
        'call',
        ({ attempt }) => {
          attempts.push(attempt);
          if (attempt < 3) throw new Error(`down ${attempt}`);
          return 'up';
        },
        { retries: 5, backoff: { initial: '1s', factor: 2 } },
      ),
    );
    await heed.start();
    const run = await wf.start(undefined);
    // The step is in flight (waiting out its backoff), so the engine is not idle: poll instead.
    await vi.waitFor(() => expect(attempts).toEqual([1]));
    await clock.advance('1s');
    await vi.waitFor(() => expect(attempts).toEqual([1, 2]));
    await clock.advance('1999ms');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(attempts).toEqual([1, 2]);
    await clock.advance('1ms');
    expect(await run.result()).toBe('up');
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('waits the delay a RetryableError asks for', async () => {
    const { heed, clock } = testEngine();
    const attempts: number[] = [];
    const wf = heed.workflow('rate-limited', async (ctx) =>
      ctx.step('api', ({ attempt }) => {
        attempts.push(attempt);
        if (attempt === 1) throw new RetryableError('429', { retryAfterMs: 60_000 });
        return 'ok';
      }),
    );
    await heed.start();
    const run = await wf.start(null);
    await vi.waitFor(() => expect(attempts).toEqual([1]));
    await clock.advance('59s');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(attempts).toEqual([1]);
    await clock.advance('1s');
    expect(await run.result()).toBe('ok');
  });

  it('records a failure after retries run out; the workflow can catch it, also on replay', async () => {
    const { heed } = testEngine();
    let tries = 0;
    const seen: string[] = [];
    const wf = heed.workflow('catching', async (ctx) => {
      try {
        await ctx.step(
          'send-email',
          () => {
            tries++;
            throw new TypeError('smtp refused');
          },
          { retries: 2, backoff: { initial: 0 } },
        );
      } catch (error) {
        if (!(error instanceof StepFailedError)) throw error;
        seen.push(`${error.code}|${error.stepName}|${error.attempts}|${(error.cause as Error).name}`);
      }
      await ctx.recv('next');
      return 'handled';
    });
    await heed.start();
    const run = await wf.start(null, { id: 'c1' });
    await heed.idle();
    await heed.send('c1', 'next', 1);
    expect(await run.result()).toBe('handled');
    expect(tries).toBe(3);
    // Same error on the first run and on the replay after recv.
    expect(seen).toEqual(['STEP_FAILED|send-email|3|TypeError', 'STEP_FAILED|send-email|3|TypeError']);
  });

  it('does not retry a TerminalError; the run fails and resumes at that step', async () => {
    const { heed } = testEngine();
    const calls: string[] = [];
    let broken = true;
    const wf = heed.workflow('payout', async (ctx) => {
      await ctx.step('prepare', () => calls.push('prepare'));
      return ctx.step('pay', () => {
        calls.push('pay');
        if (broken) throw new TerminalError('account frozen');
        return 'paid';
      });
    });
    await heed.start();
    const run = await wf.start(null, { id: 'p1' });
    const error = await run.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunFailedError);
    expect((error as Error).message).toContain('account frozen');
    const failed = await heed.runs.get('p1');
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toMatchObject({ code: 'STEP_FAILED', name: 'StepFailedError' });
    expect(calls).toEqual(['prepare', 'pay']);

    broken = false;
    await heed.runs.resume('p1');
    expect(await heed.handle('p1').result()).toBe('paid');
    expect(calls).toEqual(['prepare', 'pay', 'pay']);
  });

  it('times out a try, aborts its signal, and retries', async () => {
    const { heed, clock } = testEngine();
    const aborted: unknown[] = [];
    let started = 0;
    const wf = heed.workflow('slow', async (ctx) =>
      ctx.step(
        'fetch',
        ({ attempt, signal }) => {
          started++;
          if (attempt > 1) return 'fast now';
          return new Promise((resolve) =>
            signal.addEventListener('abort', () => {
              aborted.push((signal.reason as Error).name);
              resolve('too late');
            }),
          );
        },
        { timeout: '10s', retries: 1, backoff: { initial: 0 } },
      ),
    );
    await heed.start();
    const run = await wf.start(null);
    await vi.waitFor(() => expect(started).toBe(1));
    await clock.advance('10s');
    expect(await run.result()).toBe('fast now');
    expect(aborted).toEqual(['StepTimeoutError']);
  });

  it('wraps a thrown non-Error in a clear error', async () => {
    const { heed } = testEngine();
    const wf = heed.workflow('weird', async (ctx) =>
      ctx.step(
        'throws-string',
        () => {
          throw 'just a string';
        },
        { retries: 0 },
      ),
    );
    await heed.start();
    const error = await (await wf.start(null)).result().catch((e: unknown) => e);
    expect(((error as Error).cause as Error).message).toContain('Step "throws-string" failed after 1 attempt');
    expect(((error as Error).cause as Error).cause).toMatchObject({
      code: 'NON_ERROR_THROWN',
      message: 'Step "throws-string" threw a non-Error value: "just a string"',
    });
  });

  it('fails the run on a non-serializable step result without recording it', async () => {
    const { heed } = testEngine();
    const wf = heed.workflow('bad-result', async (ctx) => {
      await ctx.step('ok', () => 1);
      return ctx.step('map', () => new Map([[1, 2]]));
    });
    await heed.start();
    const run = await wf.start(null, { id: 'b1' });
    await expect(run.result()).rejects.toThrow(
      /result of step "map" must be plain JSON data, but it contains an instance of Map/,
    );
    const detail = await heed.runs.get('b1');
    expect(detail?.error?.code).toBe('NOT_SERIALIZABLE');
    expect(detail?.history.map((h) => h.name)).toEqual(['ok']);
  });

  it('rejects bad step options before running anything', async () => {
    const { heed } = testEngine();
    const wf = heed.workflow('bad-options', async (ctx) => ctx.step('x', () => 1, { timeout: 'soon' }));
    await heed.start();
    await expect((await wf.start(null)).result()).rejects.toThrow(/step timeout "soon" is not a duration/);
  });
});
