/**
 * `npm run example -- tracing`: one approval, traced and counted. Installs an OpenTelemetry SDK
 * (in memory; an application would export OTLP to Jaeger, Tempo, Honeycomb…), runs a refund that
 * asks `user:ops` with a reminder after 5 min, lets `user:lead` answer 12 min later from another
 * Heed on the same store (as another process would), then prints the spans of the run's and the
 * task's traces as trees, and the Heed metrics that `GET /metrics` serves. Offline, on a virtual clock.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { Heed, type Notification, VirtualClock } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite.ts';

const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));

const path = join(mkdtempSync(join(tmpdir(), 'heed-tracing-')), 'heed.db');
const clock = new VirtualClock();
const slack = { channel: 'slack', async notify(_: Notification) {} };
const open = () => new Heed({ store: new SqliteStore(path), clock, notifiers: [slack] });
const define = (heed: Heed) =>
  heed.workflow('refund', async (ctx, input: { order: string; amount: number }) => {
    const order = await ctx.step('load-order', () => ({ id: input.order, paid: input.amount }));
    const decision = await ctx.ask({
      type: 'approval',
      title: `Refund $${order.paid} for ${order.id}?`,
      assignees: ['user:ops'],
      channels: ['slack'],
      remind: { after: '5m' },
      escalate: [{ after: '10m', to: ['user:lead'] }],
      deadline: '1h',
    });
    return ctx.step('issue-refund', () => ({ refunded: decision.outcome === 'approve', by: decision.by }));
  });

const first = open();
define(first);
await first.start();
await first.startWorkflow('refund', { order: 'A-1001', amount: 150 }, { id: 'refund-A-1001' });
await first.idle();
await clock.advance('5m'); // the reminder
await first.idle();
await clock.advance('5m'); // the escalation to user:lead
await first.idle();
const [task] = (await first.tasks.list({ status: 'pending' })).items;
const metricsOfFirst = await first.metrics.text();
await first.stop();

// "Another process": a second Heed on the same store takes the answer and resumes the run.
const second = open();
define(second);
await second.start();
await clock.advance('2m');
await second.tasks.respond(task?.id ?? '', { outcome: 'approve' }, { principal: 'user:lead', via: 'slack' });
await second.idle();
const metricsOfSecond = await second.metrics.text();
await second.stop();

const spans = exporter.getFinishedSpans();
const startMs = Math.min(...spans.map((s) => toMs(s.startTime)));
function toMs([seconds, nanos]: [number, number]): number {
  return seconds * 1_000 + nanos / 1e6;
}
function printTree(title: string, traceId: string): void {
  const inTrace = spans.filter((s) => s.spanContext().traceId === traceId);
  const ids = new Set(inTrace.map((s) => s.spanContext().spanId));
  const children = (parent: string | undefined) =>
    inTrace
      .filter((s) => (parent ? s.parentSpanContext?.spanId === parent : !ids.has(s.parentSpanContext?.spanId ?? '')))
      .sort((a, b) => toMs(a.startTime) - toMs(b.startTime));
  const print = (span: ReadableSpan, depth: number) => {
    const at = `+${((toMs(span.startTime) - startMs) / 60_000).toFixed(1)}m`;
    const took = `${((toMs(span.endTime) - toMs(span.startTime)) / 60_000).toFixed(1)}m`;
    const keys = ['heed.execution.outcome', 'heed.task.outcome', 'heed.task.reminders', 'heed.task.escalation_level'];
    const attributes = keys
      .filter((k) => span.attributes[k] !== undefined)
      .map((k) => `${k.split('.').at(-1)}=${span.attributes[k]}`);
    const links = span.links.length ? ` → linked to trace ${span.links[0]?.context.traceId.slice(0, 8)}…` : '';
    console.log(`${'  '.repeat(depth + 1)}${span.name}  ${at} (${took}) ${attributes.join(' ')}${links}`);
    for (const child of children(span.spanContext().spanId)) print(child, depth + 1);
  };
  console.log(`\n${title} (trace ${traceId.slice(0, 8)}…)`);
  for (const root of children(undefined)) print(root, 0);
}
const runTrace = spans.find((s) => s.attributes['heed.run.id'] === 'refund-A-1001')?.spanContext().traceId ?? '';
const taskTrace = spans.find((s) => s.name.startsWith('heed.task'))?.spanContext().traceId ?? '';
printTree('The run refund-A-1001, executed by two processes', runTrace);
printTree(`The task ${task?.id}, from its creation to the decision`, taskTrace);

console.log('\nMetrics (GET /metrics), first process then second:');
const heedLines = (text: string) =>
  text
    .split('\n')
    .filter((l) =>
      /^heed_(runs|tasks_pending|task_reminders|task_escalations|steps_total|task_decision_seconds_(count|sum))/.test(
        l,
      ),
    );
for (const line of [...heedLines(metricsOfFirst), ...heedLines(metricsOfSecond)]) console.log(`  ${line}`);
