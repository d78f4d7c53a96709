import { auditHash, GENESIS_HASH } from '../audit-chain.ts';
import type { Page } from '../store.ts';
import type {
  AuditEntry,
  AuditInput,
  NewTask,
  ResponseRecord,
  InboxFilter,
  TaskQuery,
  TaskRecord,
  TaskDelivery,
  TaskStatus,
  TaskUpdate,
} from '../task-store.ts';
import { decodeCursor, encodeCursor, newestFirst, pageLimit } from './cursor.ts';
import { upsertDelivery } from './deliveries.ts';
import type { Database } from './database.ts';

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

/** The assignee row of tasks open to anyone. */
export const OPEN = '*';

const COLUMNS =
  'id, type, status, title, spec, requester, idempotency_key, run_id, asked_by, escalation_level, reminders_sent, deadline, result, audit_count, audit_head, created_at, updated_at, resolved_at';

/** Inserts the task with its original assignees; false when the id or idempotency key exists. */
export function insertTask(db: Database, task: NewTask, now: number): boolean {
  const inserted = db.run(
    `INSERT INTO tasks (id, type, status, title, spec, requester, idempotency_key, run_id, asked_by, deadline, created_at, updated_at)
     VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
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
  );
  if (!inserted) return false;
  db.notify({ kind: 'task', taskId: task.id });
  // A task without assignees is open to anyone: it is filed under '*', which every inbox reads.
  for (const principal of task.assignees.length > 0 ? task.assignees : [OPEN]) {
    db.run(
      `INSERT INTO task_assignees (task_id, principal, level, status, type, created_at) VALUES (?, ?, 0, 'pending', ?, ?)
       ON CONFLICT DO NOTHING`,
      task.id,
      principal,
      task.type,
      now,
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
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    resolvedAt: row.resolved_at,
    assignees: db.all<{ principal: string; level: number }>(
      "SELECT principal, level FROM task_assignees WHERE task_id = ? AND principal <> '*' ORDER BY level, principal",
      row.id,
    ),
    responses: db.all<ResponseRecord>(
      'SELECT principal, outcome, via, comment, data, args, at FROM task_responses WHERE task_id = ? ORDER BY at, principal',
      row.id,
    ),
  };
}

/** Appends one entry to the task's audit chain and moves the chain head on the task row. */
export function appendAudit(db: Database, taskId: string, input: AuditInput, now: number): AuditEntry {
  const head = db.get<{ audit_count: number; audit_head: string | null }>(
    'SELECT audit_count, audit_head FROM tasks WHERE id = ?',
    taskId,
  );
  const fields = {
    taskId,
    seq: (head?.audit_count ?? 0) + 1,
    at: now,
    actor: input.actor,
    via: input.via,
    action: input.action,
    outcome: input.outcome ?? null,
    shownHash: input.shownHash ?? null,
    detail: input.detail ?? null,
  };
  const prevHash = head?.audit_head ?? GENESIS_HASH;
  const hash = auditHash(prevHash, fields);
  db.run(
    `INSERT INTO task_audit (task_id, seq, at, actor, via, action, outcome, shown_hash, detail, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    taskId,
    fields.seq,
    now,
    fields.actor,
    fields.via,
    fields.action,
    fields.outcome,
    fields.shownHash,
    JSON.stringify(fields.detail),
    prevHash,
    hash,
  );
  db.run('UPDATE tasks SET audit_count = ?, audit_head = ? WHERE id = ?', fields.seq, hash, taskId);
  return { ...fields, prevHash, hash };
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

/** Applies a decided change to a task (inside the caller's transaction). */
export function applyTaskUpdate(db: Database, task: TaskRecord, update: TaskUpdate, now: number): void {
  if (update.response) {
    const r = update.response;
    db.run(
      `INSERT INTO task_responses (task_id, principal, outcome, via, comment, data, args, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      task.id,
      r.principal,
      r.outcome,
      r.via,
      r.comment,
      r.data,
      r.args,
      now,
    );
  }
  for (const assignee of update.addAssignees ?? []) {
    db.run(
      `INSERT INTO task_assignees (task_id, principal, level, status, type, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
      task.id,
      assignee.principal,
      assignee.level,
      update.status ?? task.status,
      task.type,
      task.createdAt,
    );
  }
  const ended = update.status !== undefined && update.status !== 'pending';
  db.run(
    `UPDATE tasks SET status = ?, result = ?, escalation_level = ?, reminders_sent = ?, updated_at = ?,
            resolved_at = ? WHERE id = ?`,
    update.status ?? task.status,
    update.result ?? task.result,
    update.escalationLevel ?? task.escalationLevel,
    update.remindersSent ?? task.remindersSent,
    now,
    ended ? now : task.resolvedAt,
    task.id,
  );
  if (update.status !== undefined && update.status !== task.status) {
    db.run('UPDATE task_assignees SET status = ? WHERE task_id = ?', update.status, task.id);
  }
  for (const entry of update.audit ?? []) appendAudit(db, task.id, entry, now);
  if (update.delivery) recordDelivery(db, task.id, update.delivery, now);
  db.notify({ kind: 'task', taskId: task.id });
}

/** Records a notification of the task as sent. */
export function recordDelivery(db: Database, taskId: string, delivery: TaskDelivery, now: number): void {
  const { key, channel, recipient, event } = delivery;
  upsertDelivery(
    db,
    {
      key,
      taskId,
      channel,
      recipient: recipient ?? '*',
      event: event ?? '',
      status: 'sent',
      attempts: 1,
      error: null,
      ref: null,
    },
    now,
  );
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

/** Cancels the pending tasks whose lifecycle runs were cancelled (a cancelled asking run). */
export function cancelTasksOfRuns(db: Database, runIds: readonly string[], now: number): void {
  for (const runId of runIds) {
    const row = db.get<TaskRow>(`SELECT ${COLUMNS} FROM tasks WHERE run_id = ? AND status = 'pending'`, runId);
    if (!row) continue;
    // The result is rebuilt by the task layer from the cancelled row (it knows its shape).
    applyTaskUpdate(
      db,
      toTask(db, row),
      { status: 'cancelled', audit: [{ actor: 'system', via: 'run', action: 'cancelled', detail: { runId } }] },
      now,
    );
  }
}
