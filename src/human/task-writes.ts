import { setTimeout as delay } from 'node:timers/promises';
import { TaskContendedError, TaskNotFoundError } from '../errors.ts';
import type { TaskRecord, TaskStore, TaskUpdate } from '../store/task-store.ts';
import type { Clock } from '../time/clock.ts';
import { type AuditInput, chainAudit } from './audit.ts';

/**
 * A change to a task as the human layer decides it: like the store's `TaskUpdate`, with audit
 * entries still to be chained (see {@link toUpdate}).
 */
export interface TaskChange extends Omit<TaskUpdate, 'audit' | 'feed'> {
  audit?: AuditInput[];
}

/** What a decision on a task gives: the change to write (none: write nothing), and the value to return. */
export interface Decision<T> {
  update?: TaskChange;
  value: T;
}

/** Told of every write made, with the task before and after it (metrics, spans). Must not throw. */
export type TaskWriteObserver = (before: TaskRecord, after: TaskRecord) => void;

/** How many times a write re-reads and decides again before giving up with `TaskContendedError`. */
export const MAX_WRITE_ATTEMPTS = 32;

/**
 * The store's update for `change` decided on `task` as read: audit entries chained from the
 * task's head, and the run-feed entries its status or escalation change calls for.
 */
export function toUpdate(task: TaskRecord, change: TaskChange, now: number): TaskUpdate {
  const { audit, ...rest } = change;
  const update: TaskUpdate = { ...rest };
  if (audit && audit.length > 0) update.audit = chainAudit(task, audit, now);
  if (change.status !== undefined && change.status !== task.status) {
    const result =
      change.result === undefined ? null : (JSON.parse(change.result) as { outcome?: unknown; by?: unknown });
    update.feed = [
      {
        type: 'task.ended',
        data: { taskId: task.id, status: change.status, outcome: result?.outcome ?? null, by: result?.by ?? null },
      },
    ];
  } else if (change.escalationLevel !== undefined && change.escalationLevel !== task.escalationLevel) {
    update.feed = [{ type: 'task.escalated', data: { taskId: task.id, level: change.escalationLevel } }];
  }
  return update;
}

/**
 * Reads the task, decides with `decide` (a pure function of the task as read and the time), and
 * writes the decision by compare-and-set on the version read. When another writer changed the
 * task in between, nothing was written: the task is read again and decided again, so a decision
 * always sees every write before it ("the first valid response wins"; later ones see the ended
 * task). Returns the decision's value once its change (if any) is written.
 * @throws TaskNotFoundError; TaskContendedError after {@link MAX_WRITE_ATTEMPTS} lost races
 *   (nothing written); whatever `decide` throws (nothing written).
 */
export async function decideAndWrite<T>(
  store: Pick<TaskStore, 'getTask' | 'applyTaskUpdate'>,
  clock: Clock,
  id: string,
  decide: (task: TaskRecord, now: number) => Decision<T>,
  observe?: TaskWriteObserver,
): Promise<T> {
  return (await decideWriteAndKeep(store, clock, id, decide, observe)).value;
}

/**
 * {@link decideAndWrite}, also returning the task as the write left it (as read when nothing was
 * written), computed from the task as read and the update, without reading it again.
 */
export async function decideWriteAndKeep<T>(
  store: Pick<TaskStore, 'getTask' | 'applyTaskUpdate'>,
  clock: Clock,
  id: string,
  decide: (task: TaskRecord, now: number) => Decision<T>,
  observe?: TaskWriteObserver,
): Promise<{ value: T; task: TaskRecord }> {
  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    const task = await store.getTask(id);
    if (!task) throw new TaskNotFoundError(id);
    const now = clock.now();
    const { update, value } = decide(task, now);
    if (!update) return { value, task };
    const written = toUpdate(task, update, now);
    if (await store.applyTaskUpdate(id, task.version, written, now)) {
      const after = taskAfter(task, written, now);
      observe?.(task, after);
      return { value, task: after };
    }
    // Lost a race: back off a little (growing, jittered) so that a crowd of writers on one task
    // spreads out instead of re-colliding in lockstep.
    if (attempt > 2) await delay(Math.random() * Math.min(2 ** attempt, 50));
  }
  throw new TaskContendedError(id, MAX_WRITE_ATTEMPTS);
}

/**
 * The task as a successful `applyTaskUpdate(task.id, task.version, update, now)` leaves it: what
 * reading it right after the write returns (the store contract checks that they agree).
 */
export function taskAfter(task: TaskRecord, update: TaskUpdate, now: number): TaskRecord {
  const last = update.audit?.at(-1);
  const removed = new Set(update.removeAssignees ?? []);
  const assignees = task.assignees.filter((a) => !removed.has(a.principal));
  for (const added of update.addAssignees ?? []) {
    if (!assignees.some((a) => a.principal === added.principal)) assignees.push({ ...added });
  }
  assignees.sort((a, b) => a.level - b.level || byCodeUnit(a.principal, b.principal));
  const responses = [...task.responses, ...(update.response ? [{ ...update.response, at: now }] : [])];
  responses.sort((a, b) => a.at - b.at || byCodeUnit(a.principal, b.principal));
  return {
    ...task,
    status: update.status ?? task.status,
    result: update.result ?? task.result,
    escalationLevel: update.escalationLevel ?? task.escalationLevel,
    remindersSent: update.remindersSent ?? task.remindersSent,
    auditCount: last?.seq ?? task.auditCount,
    auditHead: last?.hash ?? task.auditHead,
    version: task.version + 1,
    updatedAt: now,
    resolvedAt: update.status !== undefined && update.status !== 'pending' ? now : task.resolvedAt,
    assignees,
    responses,
  };
}

/** Bytewise order of ASCII principals, as both stores sort them (`COLLATE "C"`, SQLite's BINARY). */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Like {@link decideAndWrite}, but a `TaskContendedError` is not the end: it backs off (growing,
 * jittered, at most ~2 s) and tries again, for as long as it takes. For the writes of a task's
 * lifecycle (reminders, escalations, the deadline, delivery records), which must happen however
 * busy the task is: a lifecycle step that gave up would fail the run, and the asking workflow
 * would get an error instead of the deadline's (fail-closed) result.
 * @throws TaskNotFoundError; whatever `decide` throws (nothing written).
 */
export async function decideAndWriteSurely<T>(
  store: Pick<TaskStore, 'getTask' | 'applyTaskUpdate'>,
  clock: Clock,
  id: string,
  decide: (task: TaskRecord, now: number) => Decision<T>,
  observe?: TaskWriteObserver,
): Promise<T> {
  for (let round = 0; ; round++) {
    try {
      return await decideAndWrite(store, clock, id, decide, observe);
    } catch (error) {
      if (!(error instanceof TaskContendedError)) throw error;
      await delay(Math.random() * Math.min(100 * 2 ** round, 2000));
    }
  }
}
