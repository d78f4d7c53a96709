/**
 * Heed: durable execution for agents that wait for people.
 *
 * ```ts
 * import { Heed } from 'heed';
 * import { SqliteStore } from 'heed/sqlite';
 * const heed = new Heed({ store: new SqliteStore('.heed/heed.db') });
 * ```
 * It needs Node 22.13 or later: on an older Node, importing it says so.
 */
import './node-check.ts';

export type {
  ChildRun,
  CoreContext,
  ReceivedEvent,
  RecvOptions,
  StepContext,
  StepOptions,
  WaitForEventOptions,
  WorkflowContext,
} from './engine/context.ts';
export { Engine, type EngineOptions, type StatusValue } from './engine/engine.ts';
export type { AuditVerification } from './human/audit.ts';
export { type Ask, type FormData, Heed, type HeedOptions } from './human/heed.ts';
export type { NoticeReceipt, Notification, NotificationKind, Notifier } from './human/notifier.ts';
export type { MembershipLookup } from './human/principals.ts';
export { HumanTasks, type HumanTaskOptions, type HumanTaskStore, type TaskListQuery } from './human/tasks.ts';
export {
  type ArgsEdit,
  DEFAULT_OUTCOMES,
  type DefaultOutcome,
  type JsonSchema,
  type Principal,
  type ResponseInput,
  TASK_TYPES,
  type Task,
  type TaskResponse,
  type TaskResult,
  type TaskSpec,
  type TaskType,
} from './human/types.ts';
export type { AuditEntry, TaskStatus, TaskStore } from './store/task-store.ts';
export type { DeliveryRecord, DeliveryStore, OutboxRecord } from './store/delivery-store.ts';
export type { EngineStore } from './store/engine-store.ts';
export type { FeedStore } from './store/feed-store.ts';
export type { PruneBatch, PruneRequest, RetentionStore } from './store/retention-store.ts';
export type { BackoffOptions } from './engine/retry.ts';
export type { RetentionOptions } from './retention/options.ts';
export type { PruneReport } from './retention/sweeper.ts';
export { RunHandle } from './engine/run-handle.ts';
export {
  type ExportedHistory,
  ReplayDivergenceError,
  type ReplayVerdict,
  replayHistory,
} from './engine/replayer.ts';
export type { HistoryEntry, RunDetail, RunInfo, WaitInfo } from './engine/run-info.ts';
export type { ErrorData } from './engine/serialization.ts';
export { RecordedError } from './engine/serialization.ts';
export type {
  A2AWorkflowInfo,
  StartOptions,
  Workflow,
  WorkflowFn,
  WorkflowOptions,
  WorkflowRef,
} from './engine/workflow.ts';
export * from './errors.ts';
export type { EventMatch } from './store/event-match.ts';
export type { Page, RunEvent, RunQuery, RunStatus, StatusEntry, Store, WaitKind } from './store/store.ts';
export { type Clock, SystemClock } from './time/clock.ts';
export { type Duration, toMs } from './time/duration.ts';
export { VirtualClock } from './time/virtual-clock.ts';
