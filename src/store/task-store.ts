/**
 * The part of the storage contract that holds human tasks: the task rows, who may answer them,
 * their responses and their hash-chained audit log. The store stores; it does not decide. Task
 * *behaviour* (who may answer, outcomes, audit hashing) lives in `human/`, which reads a task,
 * decides with pure functions, and writes the decision back with {@link TaskStore.applyTaskUpdate}:
 * a compare-and-set on the task's `version`, so "first valid response wins" holds with any number
 * of writers, and no domain code ever runs inside a store transaction.
 */
import type { Lease, NewRun, Operation, Page, WaitOutcome, WaitRequest } from './store.ts';

export type TaskStatus = 'pending' | 'resolved' | 'expired' | 'cancelled';

export interface ResponseRecord {
  principal: string;
  outcome: string;
  via: string;
  comment: string | null;
  /** Form data, JSON text. */
  data: string | null;
  /** Edited action arguments, JSON text. */
  args: string | null;
  at: number;
}

export interface AssigneeRecord {
  principal: string;
  /** 0 for the original assignees, n for those added by escalation level n. */
  level: number;
  /** Asked in place of someone away (see `human/away.ts`): who, and until when they are away. */
  for?: AssigneeFor;
}

/** The person an assignee stands in for, away until `until` (epoch ms). */
export interface AssigneeFor {
  principal: string;
  until: number;
}

export interface TaskRecord {
  id: string;
  type: string;
  status: TaskStatus;
  title: string;
  /** The normalized task spec, JSON text (see `human/spec.ts`). */
  spec: string;
  requester: string | null;
  idempotencyKey: string | null;
  /** The run of the task's lifecycle workflow (reminders, escalation, deadline). */
  runId: string;
  /** The run that asked (`ctx.ask`), if any. */
  askedBy: string | null;
  escalationLevel: number;
  remindersSent: number;
  deadline: number | null;
  /** The task result, JSON text, once it ended. */
  result: string | null;
  auditCount: number;
  auditHead: string | null;
  /**
   * Bumped by every write to the task (1 when created). {@link TaskStore.applyTaskUpdate} writes
   * only at the version the writer read.
   */
  version: number;
  createdAt: number;
  updatedAt: number;
  resolvedAt: number | null;
  assignees: AssigneeRecord[];
  responses: ResponseRecord[];
}

export interface NewTask {
  id: string;
  type: string;
  title: string;
  spec: string;
  requester: string | null;
  idempotencyKey: string | null;
  runId: string;
  askedBy: string | null;
  deadline: number | null;
  assignees: string[];
  /** For assignees asked in place of someone away: whom they stand in for, by assignee. */
  assigneesFor?: Readonly<Record<string, AssigneeFor>>;
  /** Notifications delivered by the creation itself (the inbox), recorded as sent with the task. */
  deliveries?: readonly TaskDelivery[];
}

/** A notification recorded as delivered through `channel` (so that it is never sent again). */
export interface TaskDelivery {
  key: string;
  channel: string;
  recipient?: string;
  event?: string;
}

/**
 * An audit log entry, as the human layer computed it (position, time, the previous entry's hash
 * and its own; see `human/audit.ts`). The store keeps entries exactly as given.
 */
export interface AuditEntry {
  taskId: string;
  /** Position in the task's log: 1, 2, … */
  seq: number;
  at: number;
  actor: string;
  via: string;
  action: string;
  outcome: string | null;
  /** SHA-256 of what the actor was shown. */
  shownHash: string | null;
  detail: unknown;
  prevHash: string;
  hash: string;
}

/** An entry for the run feeds of a task (its lifecycle run, and the run that asked, if any). */
export interface TaskFeedEvent {
  /** `task.ended`, `task.escalated`, … */
  type: string;
  data: unknown;
}

/**
 * A decided change to a task, written atomically by {@link TaskStore.applyTaskUpdate}. Fields left
 * out are left as they are.
 */
export interface TaskUpdate {
  /** A status other than `pending` also stamps `resolvedAt` and moves the task out of inboxes. */
  status?: TaskStatus;
  result?: string;
  escalationLevel?: number;
  remindersSent?: number;
  addAssignees?: AssigneeRecord[];
  /** Principals who are no longer asked (a reassignment). Removed before `addAssignees` are added. */
  removeAssignees?: string[];
  response?: Omit<ResponseRecord, 'at'>;
  /**
   * Entries appended to the audit log as given. They must continue the chain the writer read:
   * `seq` from `auditCount + 1` on; the last one becomes the task's `auditCount` and `auditHead`.
   */
  audit?: AuditEntry[];
  /** Entries appended to the task's run feeds. */
  feed?: TaskFeedEvent[];
  /** A notification delivered through `channel` (recorded as sent, so that it is never sent again). */
  delivery?: TaskDelivery;
  /** A message to the lifecycle run (written in the same transaction, so a wake is never lost). */
  message?: { runId: string; topic: string; idempotencyKey: string };
  /**
   * The task ended: if its lifecycle run `runId` is suspended (`waiting`: no worker holds it), it
   * ends now with `output`, as if it had run to its end (`run.succeeded`, waits removed, a parent
   * waiting on it woken), in the same transaction, and `message` is not sent. A run that is
   * pending or running gets `message` instead and ends itself.
   */
  endRun?: { runId: string; output: string };
}

export interface TaskQuery {
  status?: TaskStatus | undefined;
  type?: string | undefined;
  requester?: string | undefined;
  /** Only the tasks this run asked (`ctx.ask`); an indexed lookup. */
  askedBy?: string | undefined;
  /** Created at or after (epoch ms). */
  createdAfter?: number | undefined;
  /** Created before (epoch ms). */
  createdBefore?: number | undefined;
  /** Pending tasks whose deadline is before (epoch ms). */
  deadlineBefore?: number | undefined;
  /** Only tasks whose title contains this text (case-insensitive for ASCII letters). */
  search?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

/** An inbox page: tasks with `status` (default `pending`), optionally of one `type`. */
export interface InboxFilter {
  status?: TaskStatus | undefined;
  type?: string | undefined;
  /**
   * Only tasks whose title contains this text (case-insensitive for ASCII letters). Applied on
   * the principal's own indexed entries, so its cost grows with that person's tasks, not all tasks.
   */
  search?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

/** What `TaskStore.askTask` writes. */
export interface TaskAsk {
  /** `value uuid`, `step` (the task id) and `start` (the lifecycle run), in that order. */
  records: readonly Omit<Operation, 'createdAt' | 'ord'>[];
  /** The asking run's wait for the lifecycle run. */
  wait: Extract<WaitRequest, { kind: 'child' }>;
  task: NewTask;
  run: NewRun;
  audit: readonly AuditEntry[];
}

export interface TaskStore {
  /**
   * Creates the task (at version 1) and its lifecycle run in one transaction, with its first
   * audit entries (`seq` 1, 2, …, computed by the caller), the deliveries `task.deliveries` names,
   * and a `task.created` entry on its run feeds. Idempotent: an existing task with the same id or
   * idempotency key is returned (`created: false`) and nothing is written.
   */
  createTask(
    task: NewTask,
    run: NewRun,
    audit: readonly AuditEntry[],
    now: number,
  ): Promise<{ task: TaskRecord; created: boolean }>;
  /**
   * `ctx.ask` in one transaction, fenced by the asking run's `lease` (`AskTask` in `writes.ts`):
   * the asking run's records (`value uuid`, then, after the task, the `step` and the `start`),
   * the task as {@link createTask} writes it with its lifecycle run as a child of the asking run,
   * and the asking run's wait for that run (resolved and recorded, or registered).
   * @throws LeaseLostError (the lease is not held, or a record is there already), RunStateError
   *   (the task's id is taken); nothing is written
   */
  askTask(lease: Lease, ask: TaskAsk, now: number): Promise<WaitOutcome>;
  getTask(id: string): Promise<TaskRecord | undefined>;
  /** Tasks newest first, filtered; cursor pagination. */
  listTasks(query: TaskQuery): Promise<Page<TaskRecord>>;
  /** Pending tasks any of `principals` may answer, newest first (an indexed seek per principal). */
  inbox(principals: readonly string[], query: InboxFilter): Promise<Page<TaskRecord>>;
  /**
   * Compare-and-set: writes `update` (and bumps the version, stamping `updatedAt`) only if the
   * task is still at `expectedVersion`, all in one transaction: the row, responses, assignees,
   * audit entries, feed entries, the delivery record and the message (with the wake of a run
   * waiting on it). Returns `false` when the task moved on meanwhile: then nothing is written and
   * the caller reads the task again and decides again.
   * @throws TaskNotFoundError (nothing is written)
   */
  applyTaskUpdate(id: string, expectedVersion: number, update: TaskUpdate, now: number): Promise<boolean>;
  /** The tasks whose lifecycle runs are among `runIds`. */
  tasksOfRuns(runIds: readonly string[]): Promise<TaskRecord[]>;
  /**
   * Tasks `cancelled` that have no result yet, by id, at most `limit` (after the id `after`, for
   * paging): a run's cancellation cancels its task in the store, and the human layer writes its
   * result and audit entry right after; a crash in between leaves such tasks. An index holds only
   * these, so the lookup costs nothing however many tasks there are.
   */
  unsettledCancelledTasks(limit: number, after?: string): Promise<TaskRecord[]>;
  /** The task's audit log in order. */
  taskAudit(id: string): Promise<AuditEntry[]>;
  /** Marks a one-click link's nonce used; false when it was used before (links are single use). */
  useLink(nonce: string, taskId: string, now: number): Promise<boolean>;
  /** Whether a one-click link's nonce was used. */
  linkUsed(nonce: string): Promise<boolean>;
}
