/**
 * OpenTelemetry spans with an SDK installed (an in-memory exporter): each execution of a run, in
 * any Heed sharing the store, lands in the run's own trace; steps are its children; a task's span
 * runs from its creation to its decision, in the task's trace, linked to the run that asked.
 */
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { traceContextOf } from '../../src/observability/tracing.ts';
import { testEngine } from '../helpers.ts';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
});

const hrToMs = ([seconds, nanos]: [number, number]) => seconds * 1_000 + Math.round(nanos / 1e6);

describe('tracing', () => {
  it('puts every execution of a run, across two Heeds on one store, in the run’s trace, and the task’s span from ask to answer', async () => {
    const { heed: first, reopen, clock } = testEngine();
    const define = (heed: typeof first) =>
      heed.workflow('payout', async (ctx) => {
        const amount = await ctx.step('quote', () => 150);
        const decision = await ctx.ask({ type: 'approval', title: `Pay $${amount}?`, assignees: ['user:ops'] });
        return ctx.step('pay', () => decision.outcome);
      });
    define(first);
    await first.start();
    await first.startWorkflow('payout', {}, { id: 'payout-1' });
    await first.idle();
    const [task] = (await first.tasks.list({ status: 'pending' })).items;
    await first.stop();

    // Another process (here: another Heed on the same store) answers and resumes the run.
    const second = reopen();
    define(second);
    await second.start();
    await clock.advance('10m');
    await second.tasks.respond(task?.id ?? '', { outcome: 'approve' }, { principal: 'user:ops' });
    await expect.poll(async () => (await second.runs.get('payout-1'))?.status).toBe('succeeded');
    await second.idle();
    await second.stop();

    const spans = exporter.getFinishedSpans();
    const runTrace = traceContextOf('payout-1').traceId;
    const executions = spans.filter((s) => s.name === 'heed.run.execute' && s.attributes['heed.run.id'] === 'payout-1');
    expect(executions.length).toBeGreaterThanOrEqual(2);
    for (const execution of executions) expect(execution.spanContext().traceId).toBe(runTrace);
    expect(executions.map((e) => e.attributes['heed.execution.outcome'])).toEqual(
      expect.arrayContaining(['waiting', 'completed']),
    );

    const steps = spans.filter((s) => s.name === 'heed.step quote' || s.name === 'heed.step pay');
    expect(steps.map((s) => s.name).sort()).toEqual(['heed.step pay', 'heed.step quote']);
    for (const step of steps) {
      expect(step.spanContext().traceId).toBe(runTrace);
      const parent = step.parentSpanContext?.spanId;
      expect(executions.map((e) => e.spanContext().spanId)).toContain(parent);
    }

    const taskSpan = spans.find((s) => s.name === 'heed.task approval');
    expect(taskSpan?.spanContext().traceId).toBe(traceContextOf(`task:${task?.id}`).traceId);
    expect(taskSpan?.attributes).toMatchObject({ 'heed.task.id': task?.id, 'heed.task.outcome': 'approve' });
    expect(hrToMs(taskSpan?.startTime as [number, number])).toBe(task?.createdAt);
    expect(hrToMs(taskSpan?.endTime as [number, number]) - (task?.createdAt ?? 0)).toBe(600_000);
    expect(taskSpan?.links.map((l) => l.context.traceId)).toEqual([runTrace]);
  });

  it('runs a standalone task’s lifecycle (its timers) in the task’s trace', async () => {
    exporter.reset();
    const { heed, clock } = testEngine();
    await heed.start();
    const task = await heed.tasks.create({
      type: 'approval',
      title: 'Ship it?',
      assignees: ['user:ops'],
      deadline: '1h',
    });
    await heed.idle();
    await clock.advance('1h');
    await expect.poll(async () => (await heed.tasks.get(task.id))?.status).toBe('resolved');
    await heed.idle();
    const taskTrace = traceContextOf(`task:${task.id}`).traceId;
    const spans = exporter.getFinishedSpans();
    const lifecycle = spans.filter((s) => s.name === 'heed.run.execute' && s.attributes['heed.run.id'] === task.runId);
    expect(lifecycle.length).toBeGreaterThan(0);
    for (const span of lifecycle) expect(span.spanContext().traceId).toBe(taskTrace);
    const ended = spans.find((s) => s.name === 'heed.task approval');
    expect(ended?.spanContext().traceId).toBe(taskTrace);
    expect(ended?.attributes).toMatchObject({ 'heed.task.status': 'resolved', 'heed.task.outcome': 'reject' });
    await heed.stop();
  });

  it('marks a failed step’s span as an error', async () => {
    exporter.reset();
    const { heed } = testEngine();
    heed.workflow('flaky', async (ctx) => {
      try {
        await ctx.step(
          'boom',
          () => {
            throw new Error('card declined');
          },
          { retries: 0 },
        );
      } catch {
        return 'handled';
      }
    });
    await heed.start();
    const run = await heed.startWorkflow('flaky', {}, { id: 'flaky-1' });
    expect(await run.result()).toBe('handled');
    const boom = exporter.getFinishedSpans().find((s) => s.name === 'heed.step boom');
    expect(boom?.status).toMatchObject({ code: 2, message: 'card declined' });
    expect(boom?.events.map((e) => e.name)).toEqual(['exception']);
    await heed.stop();
  });
});
