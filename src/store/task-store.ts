/**
 * The part of the storage contract that holds human tasks: the task rows, who may answer them,
 * their responses and their hash-chained audit log. Task *behaviour* lives in `human/`; the store
 * only guarantees atomicity: `updateTask` runs the caller's decision against the current row
 * inside one transaction, so "first valid response wins" is a compare-and-set.
 */
import type { ChainedFields } from './audit-chain.ts';
import type { NewRun, Page } from './store.ts';

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

/** What to append to a task's audit log; the store numbers, timestamps and chains it. */
export interface AuditInput {
  actor: string;
  via: string;
  action: string;
  outcome?: string | null;
  /** SHA-256 of what the actor was shown. */
  shownHash?: string | null;
  detail?: unknown;
}

/** An audit log entry: the chained fields, the previous entry's hash, and its own. */
export interface AuditEntry extends ChainedFields {
  prevHash: string;
  hash: string;
}

/** A change to a task, applied atomically by `updateTask`. */
export interface TaskUpdate {
  status?: TaskStatus;
  result?: string;
  escalationLevel?: number;
  remindersSent?: number;
  addAssignees?: AssigneeRecord[];
  response?: Omit<ResponseRecord, 'at'>;
  audit?: AuditInput[];
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

export interface TaskStore {
  /**
   * Creates the task and its lifecycle run in one transaction, with its first audit entries (in
   * order) and the deliveries `task.deliveries` names. Idempotent: an existing task with the same
   * id or idempotency key is returned (`created: false`), and nothing is written.
   */
  createTask(
    task: NewTask,
    run: NewRun,
    audit: readonly AuditInput[],
    now: number,
  ): Promise<{ task: TaskRecord; created: boolean }>;
  getTask(id: string): Promise<TaskRecord | undefined>;
  /** Tasks newest first, filtered; cursor pagination. */
  listTasks(query: TaskQuery): Promise<Page<TaskRecord>>;
  /** Pending tasks any of `principals` may answer, newest first (an indexed seek per principal). */
  inbox(principals: readonly string[], query: InboxFilter): Promise<Page<TaskRecord>>;
  /**
   * Reads the task and applies what `decide` returns, atomically: nobody else changes the task in
   * between. `decide` may throw to change nothing. Returns `decide`'s `value`.
   * @throws TaskNotFoundError
   */
  updateTask<T>(id: string, decide: (task: TaskRecord) => { update?: TaskUpdate; value: T }, now: number): Promise<T>;
  /** The task's audit log in order. */
  taskAudit(id: string): Promise<AuditEntry[]>;
  /** Changes whenever any task is created or changes (for live inbox updates). */
  tasksVersion(): Promise<string>;
  /** Marks a one-click link's nonce used; false when it was used before (links are single use). */
  useLink(nonce: string, taskId: string, now: number): Promise<boolean>;
  /** Whether a one-click link's nonce was used. */
  linkUsed(nonce: string): Promise<boolean>;
}
