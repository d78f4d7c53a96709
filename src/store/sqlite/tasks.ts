import { sentDelivery } from '../delivery-rows.ts';
import type { Page } from '../store.ts';
import type {
  AssigneeFor,
  AssigneeRecord,
  AuditEntry,
  InboxFilter,
  NewTask,
  ResponseRecord,
  TaskDelivery,
  TaskQuery,
  TaskRecord,
  TaskStatus,
  TaskUpdate,
} from '../task-store.ts';

import { decodeCursor, encodeCursor, newestFirst, pageLimit } from './cursor.ts';
import type { Database } from './database.ts';
import { upsertDelivery } from './deliveries.ts';

interface TaskRow {
  id: string;
  type: string;
  status: string;
  title: string;
  spec: string;
  requester: string | null;
  idempotency_key: string | null;
  run_id: string;
  asked_by: string | null;
  escalation_level: number;
  reminders_sent: number;
  deadline: number | null;
  result: string | null;
  audit_count: number;
  audit_head: string | null;
  version: number;
  created_at: number;
  updated_at: number;
  resolved_at: number | null;
}

interface AuditRow {
  task_id: string;
  seq: number;
  at: number;
  actor: string;
  via: string;
  action: string;
  outcome: string | null;
  shown_hash: string | null;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

/** An assignee row as tasks list it (`for`: whom a delegate stands in for, when they do). */
function toAssignee(row: { principal: string; level: number; delegated_for: string | null }): AssigneeRecord {
  return row.delegated_for === null
    ? { principal: row.principal, level: row.level }
    : { principal: row.principal, level: row.level, for: JSON.parse(row.delegated_for) as AssigneeFor };
}

/** The assignee row of tasks open to anyone. */
export const OPEN = '*';

const COLUMNS =
  'id, type, status, title, spec, requester, idempotency_key, run_id, asked_by, escalation_level, reminders_sent, deadline, result, audit_count, audit_head, version, created_at, updated_at, resolved_at';

/**
 * Inserts the task with its original assignees and the head of its audit chain (entries inserted
 * by the caller); false when the id or idempotency key exists.
 */
export function insertTask(
  db: Database,
  task: NewTask,
  now: number,
  head: { count: number; hash: string | null } = { count: 0, hash: null },
): boolean {
  const inserted = db.run(
    `INSERT INTO tasks (id, type, status, title, spec, requester, idempotency_key, run_id, asked_by, deadline, created_at,
                        updated_at, audit_count, audit_head)
     VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    task.id,
    task.type,
    task.title,
    task.spec,
    task.requester,
    task.idempotencyKey,
    task.runId,
    task.askedBy,
    task.deadline,
    now,
    now,
    head.count,
    head.hash,
  );
  if (!inserted) return false;
  db.notify({ kind: 'task', taskId: task.id });
  // A task without assignees is open to anyone: it is filed under '*', which every inbox reads.
  for (const principal of task.assignees.length > 0 ? task.assignees : [OPEN]) {
    const stands = task.assigneesFor?.[principal];
    db.run(
      `INSERT INTO task_assignees (task_id, principal, level, status, type, created_at, delegated_for)
       VALUES (?, ?, 0, 'pending', ?, ?, ?) ON CONFLICT DO NOTHING`,
      task.id,
      principal,
      task.type,
      now,
      stands ? JSON.stringify(stands) : null,
    );
  }
  return true;
}

export function selectTaskIdByKey(db: Database, key: string): string | undefined {
  return db.get<{ id: string }>('SELECT id FROM tasks WHERE idempotency_key = ?', key)?.id;
}

export function selectTask(db: Database, id: string): TaskRecord | undefined {
  const row = db.get<TaskRow>(`SELECT ${COLUMNS} FROM tasks WHERE id = ?`, id);
  return row && toTask(db, row);
}

function toTask(db: Database, row: TaskRow): TaskRecord {
  return {
    id: row.id,
    type: row.type,
    status: row.status as TaskStatus,
    title: row.title,
    spec: row.spec,
    requester: row.requester,
    idempotencyKey: row.idempotency_key,
    runId: row.run_id,
    askedBy: row.asked_by,
    escalationLevel: row.escalation_level,
    remindersSent: row.reminders_sent,
    deadline: row.deadline,
    result: row.result,
    auditCount: row.audit_count,
    auditHead: row.audit_head,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    resolvedAt: row.resolved_at,
    assignees: db
      .all<{ principal: string; level: number; delegated_for: string | null }>(
        "SELECT principal, level, delegated_for FROM task_assignees WHERE task_id = ? AND principal <> '*' ORDER BY level, principal",
        row.id,
      )
      .map(toAssignee),
    responses: db.all<ResponseRecord>(
      'SELECT principal, outcome, via, comment, data, args, at FROM task_responses WHERE task_id = ? ORDER BY at, principal',
      row.id,
    ),
  };
}

/** Appends audit entries as given (computed by the human layer) and moves the chain head on the task row. */
export function insertAudit(db: Database, taskId: string, entries: readonly AuditEntry[]): void {
  for (const entry of entries) {
    db.run(
      `INSERT INTO task_audit (task_id, seq, at, actor, via, action, outcome, shown_hash, detail, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      taskId,
      entry.seq,
      entry.at,
      entry.actor,
      entry.via,
      entry.action,
      entry.outcome,
      entry.shownHash,
      JSON.stringify(entry.detail ?? null),
      entry.prevHash,
      entry.hash,
    );
  }
}

export function selectAudit(db: Database, taskId: string): AuditEntry[] {
  return db
    .all<AuditRow>(
      `SELECT task_id, seq, at, actor, via, action, outcome, shown_hash, detail, prev_hash, hash
       FROM task_audit WHERE task_id = ? ORDER BY seq`,
      taskId,
    )
    .map((row) => ({
      taskId: row.task_id,
      seq: row.seq,
      at: row.at,
      actor: row.actor,
      via: row.via,
      action: row.action,
      outcome: row.outcome,
      shownHash: row.shown_hash,
      detail: row.detail === null ? null : (JSON.parse(row.detail) as unknown),
      prevHash: row.prev_hash,
      hash: row.hash,
    }));
}

/** The task row's fields a caller of {@link casTask} needs to finish the write. */
export interface CasRow {
  run_id: string;
  asked_by: string | null;
  type: string;
  status: string;
  created_at: number;
}

/**
 * Writes a decided change if the task is still at `expectedVersion` (inside the caller's
 * transaction): the row (version bumped), responses, assignees and audit entries, the delivery
 * record. Returns the row's ids for the caller's feed entries and message, or `undefined` when the
 * version moved on (nothing written).
 */
export function casTask(
  db: Database,
  id: string,
  expectedVersion: number,
  update: TaskUpdate,
  now: number,
): CasRow | undefined {
  const last = update.audit?.at(-1);
  const ended = update.status !== undefined && update.status !== 'pending';
  const row = db.get<CasRow>(
    `UPDATE tasks SET version = version + 1, updated_at = ?, status = COALESCE(?, status), result = COALESCE(?, result),
            escalation_level = COALESCE(?, escalation_level), reminders_sent = COALESCE(?, reminders_sent),
            resolved_at = CASE WHEN ? THEN ? ELSE resolved_at END,
            audit_count = COALESCE(?, audit_count), audit_head = COALESCE(?, audit_head)
     WHERE id = ? AND version = ?
     RETURNING run_id, asked_by, type, status, created_at`,
    now,
    update.status ?? null,
    update.result ?? null,
    update.escalationLevel ?? null,
    update.remindersSent ?? null,
    ended ? 1 : 0,
    now,
    last?.seq ?? null,
    last?.hash ?? null,
    id,
    expectedVersion,
  );
  if (!row) return undefined;
  if (update.response) {
    const r = update.response;
    db.run(
      `INSERT INTO task_responses (task_id, principal, outcome, via, comment, data, args, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      id,
      r.principal,
      r.outcome,
      r.via,
      r.comment,
      r.data,
      r.args,
      now,
    );
  }
  for (const principal of update.removeAssignees ?? []) {
    db.run('DELETE FROM task_assignees WHERE task_id = ? AND principal = ?', id, principal);
  }
  for (const assignee of update.addAssignees ?? []) {
    db.run(
      `INSERT INTO task_assignees (task_id, principal, level, status, type, created_at, delegated_for)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      id,
      assignee.principal,
      assignee.level,
      row.status,
      row.type,
      row.created_at,
      assignee.for ? JSON.stringify(assignee.for) : null,
    );
  }
  if (update.status !== undefined) {
    db.run('UPDATE task_assignees SET status = ? WHERE task_id = ? AND status <> ?', update.status, id, update.status);
  }
  if (update.audit) insertAudit(db, id, update.audit);
  if (update.delivery) recordDelivery(db, id, update.delivery, now);
  db.notify({ kind: 'task', taskId: id });
  return row;
}

export function taskExists(db: Database, id: string): boolean {
  return db.get('SELECT 1 AS found FROM tasks WHERE id = ?', id) !== undefined;
}

/** The tasks whose lifecycle runs are among `runIds`. */
export function selectTasksOfRuns(db: Database, runIds: readonly string[]): TaskRecord[] {
  return runIds.flatMap((runId) =>
    db.all<TaskRow>(`SELECT ${COLUMNS} FROM tasks WHERE run_id = ?`, runId).map((row) => toTask(db, row)),
  );
}

/** Cancelled tasks without a result, by id (the `tasks_unsettled` partial index). */
export function selectUnsettledCancelled(db: Database, limit: number, after: string): TaskRecord[] {
  return db
    .all<TaskRow>(
      `SELECT ${COLUMNS} FROM tasks WHERE status = 'cancelled' AND result IS NULL AND id > ? ORDER BY id LIMIT ?`,
      after,
      limit,
    )
    .map((row) => toTask(db, row));
}

/** Records a notification of the task as sent. */
export function recordDelivery(db: Database, taskId: string, delivery: TaskDelivery, now: number): void {
  upsertDelivery(db, sentDelivery(taskId, delivery), now);
}

/** Tasks newest first with filters. */
export function listTasks(db: Database, query: TaskQuery): Page<TaskRecord> {
  const limit = pageLimit(query.limit);
  const where: string[] = [];
  const params: (string | number)[] = [];
  const add = (clause: string, value: string | number) => {
    where.push(clause);
    params.push(value);
  };
  if (query.status) add('status = ?', query.status);
  if (query.type) add('type = ?', query.type);
  if (query.requester) add('requester = ?', query.requester);
  if (query.askedBy) add('asked_by = ?', query.askedBy);
  if (query.search) add('instr(lower(title), lower(?)) > 0', query.search);
  if (query.createdAfter !== undefined) add('created_at >= ?', query.createdAfter);
  if (query.createdBefore !== undefined) add('created_at < ?', query.createdBefore);
  if (query.deadlineBefore !== undefined) {
    add("status = 'pending' AND deadline < ?", query.deadlineBefore);
  }
  const page = newestFirst<TaskRow>(db, {
    from: 'tasks',
    columns: COLUMNS,
    where,
    params,
    cursor: query.cursor,
    limit,
  });
  return { items: page.rows.map((row) => toTask(db, row)), nextCursor: page.nextCursor };
}

/**
 * Pending tasks of any of `principals`. One indexed seek per principal (`task_inbox`), each
 * limited to a page, merged here: the cost does not grow with the number of pending tasks.
 */
export function inbox(db: Database, principals: readonly string[], query: InboxFilter): Page<TaskRecord> {
  const limit = pageLimit(query.limit);
  const status = query.status ?? 'pending';
  const [createdAt, id] = query.cursor ? decodeCursor(query.cursor) : [Number.MAX_SAFE_INTEGER, '\uffff'];
  const seen = new Map<string, number>();
  for (const principal of new Set([...principals, OPEN])) {
    // With a search, each of the principal's entries (in index order) is checked against its
    // task's title by primary key: bounded by this principal's tasks, not by all tasks.
    const rows = db.all<{ task_id: string; created_at: number }>(
      `SELECT a.task_id, a.created_at FROM task_assignees a
       WHERE a.principal = ? AND a.status = ? AND (a.created_at < ? OR (a.created_at = ? AND a.task_id < ?))
         ${query.type === undefined ? '' : 'AND a.type = ?'}
         ${query.search ? 'AND instr(lower((SELECT t.title FROM tasks t WHERE t.id = a.task_id)), lower(?)) > 0' : ''}
       ORDER BY a.created_at DESC, a.task_id DESC LIMIT ?`,
      principal,
      status,
      createdAt,
      createdAt,
      id,
      ...(query.type === undefined ? [] : [query.type]),
      ...(query.search ? [query.search] : []),
      limit + 1,
    );
    for (const row of rows) seen.set(row.task_id, row.created_at);
  }
  const ids = [...seen.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0))
    .slice(0, limit + 1)
    .map(([taskId]) => taskId);
  const rows = ids.map((taskId) => db.get<TaskRow>(`SELECT ${COLUMNS} FROM tasks WHERE id = ?`, taskId) as TaskRow);
  return page(db, rows, limit);
}

function page(db: Database, rows: TaskRow[], limit: number): Page<TaskRecord> {
  const items = rows.slice(0, limit).map((row) => toTask(db, row));
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return { items, nextCursor: last ? encodeCursor(last.created_at, last.id) : null };
}

/**
 * Cancels the pending tasks whose lifecycle runs were cancelled (a cancelled asking run): status
 * and version only. The human layer audits the cancellation and rebuilds the result.
 */
export function cancelTasksOfRuns(db: Database, runIds: readonly string[], now: number): void {
  for (const runId of runIds) {
    const rows = db.all<{ id: string }>(
      `UPDATE tasks SET status = 'cancelled', version = version + 1, updated_at = ?, resolved_at = ?
       WHERE run_id = ? AND status = 'pending' RETURNING id`,
      now,
      now,
      runId,
    );
    for (const row of rows) {
      db.run("UPDATE task_assignees SET status = 'cancelled' WHERE task_id = ?", row.id);
      db.notify({ kind: 'task', taskId: row.id });
    }
  }
}
