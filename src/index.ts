/**
 * Heed: durable execution for agents that wait for people.
 *
 * ```ts
 * import { Heed } from 'heed';
 * import { SqliteStore } from 'heed/sqlite';
 * const heed = new Heed({ store: new SqliteStore('.heed/heed.db') });
 * ```
 */
export type {
  ChildRun,
  ReceivedEvent,
  RecvOptions,
  StepContext,
  StepOptions,
  WaitForEventOptions,
  WorkflowContext,
} from './engine/context.ts';
export { Heed, type HeedOptions, type StatusValue } from './engine/heed.ts';
export type { BackoffOptions } from './engine/retry.ts';
export { RunHandle } from './engine/run-handle.ts';
export type { HistoryEntry, RunDetail, RunInfo, WaitInfo } from './engine/run-info.ts';
export type { ErrorData } from './engine/serialization.ts';
export { RecordedError } from './engine/serialization.ts';
export type { StartOptions, Workflow, WorkflowFn, WorkflowRef } from './engine/workflow.ts';
export * from './errors.ts';
export type { EventMatch } from './store/event-match.ts';
export type { Page, RunQuery, RunStatus, Store, WaitKind } from './store/store.ts';
export { type Clock, SystemClock } from './time/clock.ts';
export { type Duration, toMs } from './time/duration.ts';
export { VirtualClock } from './time/virtual-clock.ts';
