import { auditHash, GENESIS_HASH } from '../audit-chain.ts';
import { decodeCursor, encodeCursor } from '../page-cursor.ts';
import type { Page } from '../store.ts';
import type {
  AssigneeRecord,
  AuditEntry,
  AuditInput,
  InboxFilter,
  NewTask,
  ResponseRecord,
  TaskQuery,
  TaskRecord,
  TaskStatus,
  TaskUpdate,
} from '../task-store.ts';
import { announceTask } from './feeds.ts';
import { newestFirst } from './pages.ts';
import type { Sql } from './sql.ts';

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
  assignees: AssigneeRecord[];
  responses: ResponseRecord[];
}

/** The assignee row of tasks open to anyone. */
export const OPEN = '*';

/** A task row with its assignees and responses, in one statement. */
const TASK_COLUMNS = `id, type, status, title, spec, requester, idempotency_key, run_id, asked_by, escalation_level,
  reminders_sent, deadline, result, audit_count, audit_head, created_at, updated_at, resolved_at,
  COALESCE((SELECT json_agg(json_build_object('principal', a.principal, 'level', a.level) ORDER BY a.level, a.principal)
            FROM task_assignees a WHERE a.task_id = tasks.id AND a.principal <> '*'), '[]') AS assignees,
  COALESCE((SELECT json_agg(json_build_object('principal', r.principal, 'outcome', r.outcome, 'via', r.via,
              'comment', r.comment, 'data', r.data, 'args', r.args, 'at', r.at) ORDER BY r.at, r.principal)
            FROM task_responses r WHERE r.task_id = tasks.id), '[]') AS responses`;

function toTask(row: TaskRow): TaskRecord {
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
    assignees: row.assignees,
    responses: row.responses,
  };
}

/** Inserts the task with its original assignees; false when the id or idempotency key exists. */
export async function insertTask(sql: Sql, task: NewTask, now: number): Promise<boolean> {
  const inserted = await sql.run(
    `INSERT INTO tasks (id, type, status, title, spec, requester, idempotency_key, run_id, asked_by, deadline, created_at, updated_at)
     VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8, $9, $10, $10) ON CONFLICT DO NOTHING`,
    [
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
    ],
  );
  if (!inserted) return false;
  // A task without assignees is open to anyone: it is filed under '*', which every inbox reads.
  await sql.run(
    `INSERT INTO task_assignees (task_id, principal, level, status, type, created_at)
     SELECT $1, p, 0, 'pending', $2, $3 FROM unnest($4::text[]) AS p ON CONFLICT DO NOTHING`,
    [task.id, task.type, now, task.assignees.length > 0 ? task.assignees : [OPEN]],
  );
  await announceTask(sql, task.id);
  return true;
}

export async function selectTaskIdByKey(sql: Sql, key: string): Promise<string | undefined> {
  return (await sql.one<{ id: string }>('SELECT id FROM tasks WHERE idempotency_key = $1', [key]))?.id;
}

export async function selectTask(sql: Sql, id: string, lock = false): Promise<TaskRecord | undefined> {
  const row = await sql.one<TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [
    id,
  ]);
  return row && toTask(row);
}

/** Appends one entry to the task's audit chain and moves the chain head (task row locked by the caller). */
export async function appendAudit(sql: Sql, taskId: string, input: AuditInput, now: number): Promise<AuditEntry> {
  const head = await sql.one<{ audit_count: number; audit_head: string | null }>(
    'SELECT audit_count, audit_head FROM tasks WHERE id = $1',
    [taskId],
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
  await sql.run(
    `WITH ins AS (
       INSERT INTO task_audit (task_id, seq, at, actor, via, action, outcome, shown_hash, detail, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING task_id)
     UPDATE tasks SET audit_count = $2, audit_head = $11 FROM ins WHERE tasks.id = ins.task_id`,
    [
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
    ],
  );
  return { ...fields, prevHash, hash };
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

export async function selectAudit(sql: Sql, taskId: string): Promise<AuditEntry[]> {
  const rows = await sql.rows<AuditRow>(
    `SELECT task_id, seq, at, actor, via, action, outcome, shown_hash, detail, prev_hash, hash
     FROM task_audit WHERE task_id = $1 ORDER BY seq`,
    [taskId],
  );
  return rows.map((row) => ({
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

/** Applies a decided change to a task (its row locked by the caller's transaction). */
export async function applyTaskUpdate(sql: Sql, task: TaskRecord, update: TaskUpdate, now: number): Promise<void> {
  if (update.response) {
    const r = update.response;
    await sql.run(
      `INSERT INTO task_responses (task_id, principal, outcome, via, comment, data, args, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [task.id, r.principal, r.outcome, r.via, r.comment, r.data, r.args, now],
    );
  }
  if (update.addAssignees && update.addAssignees.length > 0) {
    await sql.run(
      `INSERT INTO task_assignees (task_id, principal, level, status, type, created_at)
       SELECT $1, a.principal, a.level, $4, $5, $6 FROM unnest($2::text[], $3::int[]) AS a(principal, level)
       ON CONFLICT DO NOTHING`,
      [
        task.id,
        update.addAssignees.map((a) => a.principal),
        update.addAssignees.map((a) => a.level),
        update.status ?? task.status,
        task.type,
        task.createdAt,
      ],
    );
  }
  const ended = update.status !== undefined && update.status !== 'pending';
  await sql.run(
    `UPDATE tasks SET status = $1, result = $2, escalation_level = $3, reminders_sent = $4, updated_at = $5,
            resolved_at = $6 WHERE id = $7`,
    [
      update.status ?? task.status,
      update.result ?? task.result,
      update.escalationLevel ?? task.escalationLevel,
      update.remindersSent ?? task.remindersSent,
      now,
      ended ? now : task.resolvedAt,
      task.id,
    ],
  );
  if (update.status !== undefined && update.status !== task.status) {
    await sql.run('UPDATE task_assignees SET status = $1 WHERE task_id = $2', [update.status, task.id]);
  }
  for (const entry of update.audit ?? []) await appendAudit(sql, task.id, entry, now);
  await announceTask(sql, task.id);
}

/** Tasks newest first with filters. */
export async function listTasks(sql: Sql, query: TaskQuery, limit: number): Promise<Page<TaskRecord>> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (query.status) add((p) => `status = ${p}`, query.status);
  if (query.type) add((p) => `type = ${p}`, query.type);
  if (query.requester) add((p) => `requester = ${p}`, query.requester);
  if (query.askedBy) add((p) => `asked_by = ${p}`, query.askedBy);
  if (query.search) add((p) => `strpos(lower(title), lower(${p})) > 0`, query.search);
  if (query.createdAfter !== undefined) add((p) => `created_at >= ${p}`, query.createdAfter);
  if (query.createdBefore !== undefined) add((p) => `created_at < ${p}`, query.createdBefore);
  if (query.deadlineBefore !== undefined) add((p) => `status = 'pending' AND deadline < ${p}`, query.deadlineBefore);
  const page = await newestFirst<TaskRow>(sql, {
    from: 'tasks',
    columns: TASK_COLUMNS,
    where,
    params,
    cursor: query.cursor,
    limit,
  });
  return { items: page.rows.map(toTask), nextCursor: page.nextCursor };
}

/**
 * Tasks with `status` of any of `principals`, newest first: one indexed seek per principal
 * (`task_inbox`), each limited to a page, merged in one statement.
 */
export async function inbox(
  sql: Sql,
  principals: readonly string[],
  query: InboxFilter,
  limit: number,
): Promise<Page<TaskRecord>> {
  const status = query.status ?? 'pending';
  const [createdAt, id] = query.cursor ? decodeCursor(query.cursor) : [Number.MAX_SAFE_INTEGER, '\u{10ffff}'];
  const rows = await sql.rows<TaskRow>(
    `WITH hits AS (
       SELECT DISTINCT h.task_id, h.created_at FROM unnest($1::text[]) AS p(principal)
       CROSS JOIN LATERAL (
         SELECT task_id, created_at FROM task_assignees a
         WHERE a.principal = p.principal AND a.status = $2 AND (a.created_at, a.task_id) < ($3, $4::text COLLATE "C")
           AND ($5::text IS NULL OR a.type = $5)
           AND ($7::text IS NULL OR strpos(lower((SELECT t.title FROM tasks t WHERE t.id = a.task_id)), lower($7)) > 0)
         ORDER BY a.created_at DESC, a.task_id DESC LIMIT $6) h)
     SELECT ${TASK_COLUMNS} FROM tasks WHERE id IN (SELECT task_id FROM hits)
     ORDER BY created_at DESC, id DESC LIMIT $6`,
    [[...new Set([...principals, OPEN])], status, createdAt, id, query.type ?? null, limit + 1, query.search || null],
  );
  const items = rows.slice(0, limit).map(toTask);
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return { items, nextCursor: last ? encodeCursor(last.created_at, last.id) : null };
}

/** The pending tasks whose lifecycle runs are among `runIds`, locked. */
export async function lockPendingTasksOfRuns(sql: Sql, runIds: readonly string[]): Promise<TaskRecord[]> {
  const rows = await sql.rows<TaskRow>(
    `SELECT ${TASK_COLUMNS} FROM tasks WHERE run_id = ANY($1::text[]) AND status = 'pending' ORDER BY id FOR UPDATE`,
    [runIds],
  );
  return rows.map(toTask);
}
