/**
 * OpenTelemetry spans through `@opentelemetry/api` only: without an SDK installed by the
 * application every call here is a no-op costing a few object allocations; with one (e.g.
 * `NodeTracerProvider` and an OTLP exporter), Heed's work appears as spans.
 *
 * A run waits for days and resumes in whichever process claims it next, so no span can stay open
 * across its life. Instead every span of a run is placed in a trace whose id is derived from the
 * run's id ({@link traceContextOf}): each execution, in any process, after any restart, lands in
 * the same trace without anything being stored or propagated. A task's lifecycle run, its
 * notices' delivery runs and its channel-closing run share the task's trace; the task's own span
 * (`heed.task`, from creation to decision) is written when it ends, with its real start time, and
 * linked to the trace of the run that asked.
 */
import { createHash } from 'node:crypto';
import {
  type Attributes,
  type Context,
  context,
  type Link,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type SpanContext,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { internalNamespaceOf, internalRunKey } from '../run-ids.ts';
import { type Clock, SystemClock } from '../time/clock.ts';

/** The instrumentation scope of every Heed span. */
export const TRACER_NAME = 'heed';

/** Heed's tracer (the global provider's; a no-op one unless the application installed an SDK). */
export const tracer = () => trace.getTracer(TRACER_NAME);

/**
 * Which trace a run's spans go to: a task's lifecycle (`task:T`), its deliveries (`channel:T:…`)
 * and its closing run (`channel-close:T`) all go to the task's (`task:T`); any other run to its own.
 */
export function traceKeyOf(runId: string): string {
  switch (internalNamespaceOf(runId)) {
    case 'channel': {
      const key = internalRunKey('channel', runId) ?? '';
      return `task:${key.split(':')[0]}`;
    }
    case 'channel-close':
      return `task:${internalRunKey('channel-close', runId)}`;
    default:
      return runId;
  }
}

/**
 * The span context that stands for a run (or a task, with `task:<id>`) in every process: a
 * trace id and span id derived from `key` by SHA-256, sampled, marked remote. Spans made under it
 * are children of a span no process records, in a trace that every process computes alike.
 */
export function traceContextOf(key: string): SpanContext {
  const digest = createHash('sha256').update(`heed:${key}`).digest('hex');
  return {
    traceId: digest.slice(0, 32),
    spanId: digest.slice(32, 48),
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  };
}

/** A context whose parent span is {@link traceContextOf}(`key`). */
export function traceParentOf(key: string): Context {
  return trace.setSpanContext(ROOT_CONTEXT, traceContextOf(key));
}

/** A link to the trace of `runId` (the run that asked, a parent run). */
export function linkToRun(runId: string, attributes?: Attributes): Link {
  return { context: traceContextOf(traceKeyOf(runId)), ...(attributes ? { attributes } : {}) };
}

/**
 * Starts a span under `parent` (a context, or a span whose child it is). The caller ends it
 * (use {@link endSpan}). Never throws.
 */
export function startSpan(
  name: string,
  parent: Context | Span,
  attributes: Attributes,
  options: { links?: Link[]; startTime?: number; kind?: SpanKind } = {},
): Span {
  const parentContext = 'spanContext' in parent ? trace.setSpan(ROOT_CONTEXT, parent) : parent;
  return tracer().startSpan(
    name,
    { attributes, kind: options.kind ?? SpanKind.INTERNAL, links: options.links, startTime: options.startTime },
    parentContext,
  );
}

/** Ends `span`, with an error status and the exception recorded when `error` is given. */
export function endSpan(span: Span, error?: unknown, endTime?: number): void {
  if (error !== undefined) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    if (error instanceof Error) span.recordException(error);
  }
  span.end(endTime);
}

/**
 * The time to stamp a span with on `clock`: none (the SDK's own high-resolution time) for the
 * system clock; the clock's time for any other (a virtual clock in tests and examples), so that
 * spans agree with the times Heed records (a task's creation, its decision).
 */
export function spanTime(clock: Clock): number | undefined {
  return clock instanceof SystemClock ? undefined : clock.now();
}

/** The span active in the caller's context (an HTTP request's, an application's), if any. */
export const activeSpanContext = (): SpanContext | undefined => trace.getSpan(context.active())?.spanContext();
