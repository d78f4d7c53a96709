/**
 * The storage contract. Everything Heed persists goes through this interface, at the level of
 * the domain (runs, recorded operations, waits, messages, events, statuses), never SQL. It is
 * asynchronous so that a networked database can implement it. Every implementation must pass the
 * shared contract suite in `test/store/contract.ts`.
 *
 * Values cross this boundary as JSON text (`JsonText`), already validated by the engine.
 *
 * Methods taking a {@link Lease} are *fenced*: they write only if the run is still `running`
 * under that exact lease, and otherwise throw `LeaseLostError` having written nothing. Every
 * method is atomic: it commits all of its effects or none.
 *
 * The writes of the engine and the task layer are listed, one typed write each, in `writes.ts`;
 * the rules both implementations share are `wait-rules.ts` (how a wait resolves) and `rows.ts`
 * (row mapping, what a claim returns).
 */
import type { AwayStore } from './away-store.ts';
import type { DeliveryStore } from './delivery-store.ts';
import type { EngineStore } from './engine-store.ts';
import type { EventMatch } from './event-match.ts';
import type { FeedStore } from './feed-store.ts';
import type { RetentionStore } from './retention-store.ts';
import type { StandingStore } from './standing-store.ts';
import type { StatsStore } from './stats-store.ts';
import type { TaskStore } from './task-store.ts';

/** JSON text; `null` stands for `undefined`. */
export type JsonText = string | null;

/** `blocked`: its replay diverged from its history (the code changed); waits for a deploy or another version. */
export type RunStatus = 'pending' | 'running' | 'waiting' | 'blocked' | 'succeeded' | 'failed' | 'cancelled';
export const TERMINAL_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

export type WaitKind = 'sleep' | 'recv' | 'event' | 'child';
/** `patch`: a marker recorded by `ctx.patched(id)` where a run first reached a patched point (its name is the patch id). */
export type OperationKind = 'step' | 'sleep' | 'recv' | 'event' | 'child' | 'start' | 'status' | 'value' | 'patch';

/** A run: one execution of a workflow. */
export interface Run {
  id: string;
  workflow: string;
  status: RunStatus;
  input: JsonText;
  output: JsonText;
  /** Error JSON (see `encodeError`) when `failed`. */
  error: string | null;
  parentId: string | null;
  /** The principal that started the run (or its root ancestor), or `null` when unknown. */
  initiator: string | null;
  /** How many times a worker has claimed this run (first execution, replays, recoveries). */
  attempts: number;
  /** How many of those claims took the run from a worker whose lease expired (crashed or stalled). */
  recoveries: number;
  createdAt: number;
  updatedAt: number;
}

/** One recorded result in a run's history, at its position `seq`. */
export interface Operation {
  /** Position in call order. */
  seq: number;
  /** Position in the order results were recorded (1, 2, …): the order a replay delivers them in. */
  ord: number;
  kind: OperationKind;
  name: string;
  output: JsonText;
  /** Error JSON when the operation failed (a step that exhausted its retries). */
  error: string | null;
  createdAt: number;
}

/** What a suspended run waits on. */
export interface Wait {
  runId: string;
  seq: number;
  kind: WaitKind;
  /** Epoch ms after which the wait times out (or, for `sleep`, ends). */
  deadline: number | null;
  topic: string | null;
  eventName: string | null;
  childId: string | null;
  createdAt: number;
}

/** Proof that a worker holds a run. Writes under a stale lease fail with `LeaseLostError`. */
export interface Lease {
  runId: string;
  token: number;
}

/** A run handed to a worker, with the history it replays from. */
export interface Claim {
  run: Run;
  lease: Lease;
  history: Operation[];
  /**
   * The highest position of a wait the run has registered and not yet resolved (`null`: none).
   * Positions up to it were reached by an earlier execution even where nothing is recorded
   * there yet; `ctx.patched` needs it to tell an old history from a fresh point.
   */
  lastWaitSeq: number | null;
}

export interface ClaimRequest {
  owner: string;
  workflows: readonly string[];
  limit: number;
  now: number;
  leaseMs: number;
  maxRecoveries: number;
  /** Runs this owner is executing right now: never taken back from itself. */
  active: readonly string[];
}

export interface NewRun {
  id: string;
  workflow: string;
  input: JsonText;
  parentId?: string | null;
  /** Who starts the run. Default: the parent's initiator (children act for the same principal). */
  initiator?: string | null;
  /**
   * Created suspended (`waiting`) with nothing to wait on, instead of `pending`: no worker executes
   * it unless it is resumed. For runs whose end is written from outside (a human task's lifecycle
   * with no timers and no channels to notify: see `TaskUpdate.endRun`). Default false.
   */
  suspended?: boolean;
}

/** A wait the engine asks the store to resolve now or register durably. */
export type WaitRequest =
  | { kind: 'sleep'; seq: number; name: string; durationMs: number }
  | { kind: 'recv'; seq: number; name: string; topic: string; timeoutMs: number | null }
  | {
      kind: 'event';
      seq: number;
      name: string;
      eventName: string;
      match: EventMatch;
      timeoutMs: number | null;
      lookbackMs: number;
    }
  | { kind: 'child'; seq: number; name: string; childId: string };

/**
 * `ready`: the wait was satisfied (or timed out) and its result is now recorded as `operation`.
 * `waiting`: it is registered durably; `deadline` is when it times out, if ever.
 */
export type WaitOutcome = { state: 'ready'; operation: Operation } | { state: 'waiting'; deadline: number | null };

export interface RunQuery {
  status?: RunStatus | undefined;
  /** Runs of this workflow, any version (stored as `name` or `name@N`). */
  workflow?: string | undefined;
  /** Only runs with an open wait of this kind. */
  waitingOn?: WaitKind | undefined;
  parentId?: string | undefined;
  /** Only runs started by this principal. */
  initiator?: string | undefined;
  /** Leave out runs of these workflows (e.g. Heed's internal ones). */
  excludeWorkflows?: readonly string[] | undefined;
  limit?: number | undefined;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string | undefined;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** One entry of a run's event feed: status values, the run's end, its tasks' lifecycle. */
export interface RunEvent {
  id: number;
  runId: string;
  /** `status`, `progress`, `run.succeeded`, `run.failed`, `run.cancelled`, `task.created`, `task.escalated`, `task.ended`. */
  type: string;
  data: unknown;
  at: number;
}

/** One published status value; `id` orders the global change feed. */
export interface StatusEntry {
  id: number;
  runId: string;
  key: string;
  value: JsonText;
  createdAt: number;
}

export interface NewMessage {
  runId: string;
  topic: string;
  body: JsonText;
  idempotencyKey?: string | undefined;
}

/** How a run ends. `failedSeq`: the history position whose error failed the run, if any. */
export type Completion = { output: JsonText } | { error: string; failedSeq: number | null };

/**
 * What a store announces to `onWake` listeners: a run became runnable (`run`), a timer was
 * registered (`timer`), a run's event feed grew (`feed`, with the run id), a task changed (`task`), or the announcement
 * channel reconnected and announcements may have been missed (`reconnected`).
 */
export type StoreWake =
  | { kind: 'run' }
  | { kind: 'timer' }
  | { kind: 'feed'; runId: string }
  | { kind: 'task'; taskId: string }
  | { kind: 'reconnected' };
export type StoreWakeListener = (wake: StoreWake) => void;

/**
 * The whole storage contract, split by who uses it: the engine ({@link EngineStore}), the human
 * layer ({@link TaskStore}), channels ({@link DeliveryStore}), live feeds ({@link FeedStore}) and
 * the retention sweep ({@link RetentionStore}). Implementations (`SqliteStore`, `PostgresStore`)
 * implement all of it; each layer is handed only its part.
 */
export interface Store
  extends EngineStore,
    TaskStore,
    DeliveryStore,
    FeedStore,
    RetentionStore,
    StatsStore,
    AwayStore,
    StandingStore {}
