import { decodeCursor, encodeCursor } from '../page-cursor.ts';
import type { Page } from '../store.ts';
import type {
  AssigneeRecord,
  AuditEntry,
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
  version: number;
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
  reminders_sent, deadline, result, audit_count, audit_head, version, created_at, updated_at, resolved_at,
  COALESCE((SELECT json_agg(CASE WHEN a.delegated_for IS NULL
                 THEN json_build_object('principal', a.principal, 'level', a.level)
                 ELSE json_build_object('principal', a.principal, 'level', a.level, 'for', a.delegated_for::json) END
               ORDER BY a.level, a.principal)
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
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    resolvedAt: row.resolved_at,
    assignees: row.assignees,
    responses: row.responses,
  };
}

/** The assignees a new task is filed under, and whom each stands in for (JSON text or null), as two arrays. */
function assigneeColumns(task: NewTask): [string[], (string | null)[]] {
  const principals = task.assignees.length > 0 ? task.assignees : [OPEN];
  return [
    principals,
    principals.map((p) => {
      const stands = task.assigneesFor?.[p];
      return stands ? JSON.stringify(stands) : null;
    }),
  ];
}

/** Inserts the task with its original assignees; false when the id or idempotency key exists. */
export async function insertTask(
  sql: Sql,
  task: NewTask,
  now: number,
  head: { count: number; hash: string | null } = { count: 0, hash: null },
): Promise<boolean> {
  const inserted = await sql.run(
    `INSERT INTO tasks (id, type, status, title, spec, requester, idempotency_key, run_id, asked_by, deadline, created_at,
                        updated_at, audit_count, audit_head)
     VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12) ON CONFLICT DO NOTHING`,
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
      head.count,
      head.hash,
    ],
  );
  if (!inserted) return false;
  // A task without assignees is open to anyone: it is filed under '*', which every inbox reads.
  await sql.run(
    `INSERT INTO task_assignees (task_id, principal, level, status, type, created_at, delegated_for)
     SELECT $1, a.p, 0, 'pending', $2, $3, a.f FROM unnest($4::text[], $5::text[]) AS a(p, f) ON CONFLICT DO NOTHING`,
    [task.id, task.type, now, ...assigneeColumns(task)],
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

/** Appends audit entries as given (computed by the human layer), in one statement. */
export async function insertAudit(sql: Sql, taskId: string, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await sql.run(
    `INSERT INTO task_audit (task_id, seq, at, actor, via, action, outcome, shown_hash, detail, prev_hash, hash)
     SELECT $1, e.seq, e.at, e.actor, e.via, e.action, e.outcome, e.shown_hash, e.detail, e.prev_hash, e.hash
     FROM unnest($2::int[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                 $10::text[], $11::text[])
          AS e(seq, at, actor, via, action, outcome, shown_hash, detail, prev_hash, hash)`,
    [
      taskId,
      entries.map((e) => e.seq),
      entries.map((e) => e.at),
      entries.map((e) => e.actor),
      entries.map((e) => e.via),
      entries.map((e) => e.action),
      entries.map((e) => e.outcome),
      entries.map((e) => e.shownHash),
      entries.map((e) => JSON.stringify(e.detail ?? null)),
      entries.map((e) => e.prevHash),
      entries.map((e) => e.hash),
    ],
  );
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

/** The task row's fields a caller of {@link casTask} needs to finish the write. */
export interface CasRow {
  run_id: string;
  asked_by: string | null;
}

/**
 * Writes a decided change if the task is still at `expectedVersion` (inside the caller's
 * transaction): the row (version bumped), responses, assignees and audit entries. Returns the
 * row's run ids, or `undefined` when the version moved on (nothing written).
 *
 * Why this is a compare-and-set under read committed: the UPDATE takes the row lock; a writer that
 * waited for another's lock re-evaluates `version = $expected` against the committed row, so of
 * two writers at one version exactly one updates a row.
 */
export async function casTask(
  sql: Sql,
  id: string,
  expectedVersion: number,
  update: TaskUpdate,
  now: number,
): Promise<CasRow | undefined> {
  const last = update.audit?.at(-1);
  const ended = update.status !== undefined && update.status !== 'pending';
  const row = await sql.one<CasRow & { type: string; status: string; created_at: number }>(
    `UPDATE tasks SET version = version + 1, updated_at = $1, status = COALESCE($2, status), result = COALESCE($3, result),
            escalation_level = COALESCE($4, escalation_level), reminders_sent = COALESCE($5, reminders_sent),
            resolved_at = CASE WHEN $6 THEN $1 ELSE resolved_at END,
            audit_count = COALESCE($7, audit_count), audit_head = COALESCE($8, audit_head)
     WHERE id = $9 AND version = $10
     RETURNING run_id, asked_by, type, status, created_at`,
    [
      now,
      update.status ?? null,
      update.result ?? null,
      update.escalationLevel ?? null,
      update.remindersSent ?? null,
      ended,
      last?.seq ?? null,
      last?.hash ?? null,
      id,
      expectedVersion,
    ],
  );
  if (!row) return undefined;
  if (update.response) {
    const r = update.response;
    await sql.run(
      `INSERT INTO task_responses (task_id, principal, outcome, via, comment, data, args, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [id, r.principal, r.outcome, r.via, r.comment, r.data, r.args, now],
    );
  }
  if (update.removeAssignees && update.removeAssignees.length > 0) {
    await sql.run('DELETE FROM task_assignees WHERE task_id = $1 AND principal = ANY($2::text[])', [
      id,
      update.removeAssignees,
    ]);
  }
  if (update.addAssignees && update.addAssignees.length > 0) {
    await sql.run(
      `INSERT INTO task_assignees (task_id, principal, level, status, type, created_at, delegated_for)
       SELECT $1, a.principal, a.level, $4, $5, $6, a.delegated_for
       FROM unnest($2::text[], $3::int[], $7::text[]) AS a(principal, level, delegated_for)
       ON CONFLICT DO NOTHING`,
      [
        id,
        update.addAssignees.map((a) => a.principal),
        update.addAssignees.map((a) => a.level),
        row.status,
        row.type,
        row.created_at,
        update.addAssignees.map((a) => (a.for ? JSON.stringify(a.for) : null)),
      ],
    );
  }
  if (update.status !== undefined) {
    await sql.run('UPDATE task_assignees SET status = $1 WHERE task_id = $2 AND status <> $1', [update.status, id]);
  }
  if (update.audit) await insertAudit(sql, id, update.audit);
  await announceTask(sql, id);
  return { run_id: row.run_id, asked_by: row.asked_by };
}

export async function taskExists(sql: Sql, id: string): Promise<boolean> {
  return (await sql.one('SELECT 1 AS found FROM tasks WHERE id = $1', [id])) !== undefined;
}

/** The tasks whose lifecycle runs are among `runIds`. */
export async function selectTasksOfRuns(sql: Sql, runIds: readonly string[]): Promise<TaskRecord[]> {
  const rows = await sql.rows<TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks WHERE run_id = ANY($1::text[]) ORDER BY id`, [
    runIds,
  ]);
  return rows.map(toTask);
}

/** Cancelled tasks without a result, by id (the `tasks_unsettled` partial index). */
export async function selectUnsettledCancelled(sql: Sql, limit: number, after: string): Promise<TaskRecord[]> {
  const rows = await sql.rows<TaskRow>(
    `SELECT ${TASK_COLUMNS} FROM tasks WHERE status = 'cancelled' AND result IS NULL AND id > $1 ORDER BY id LIMIT $2`,
    [after, limit],
  );
  return rows.map(toTask);
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

/**
 * Cancels the pending tasks whose lifecycle runs are among `runIds` (a cancelled asking run):
 * status and version only. The human layer audits the cancellation and rebuilds the result.
 */
export async function cancelTasksOfRuns(sql: Sql, runIds: readonly string[], now: number): Promise<void> {
  const rows = await sql.rows<{ id: string }>(
    `UPDATE tasks SET status = 'cancelled', version = version + 1, updated_at = $2, resolved_at = $2
     WHERE id IN (SELECT id FROM tasks WHERE run_id = ANY($1::text[]) AND status = 'pending' ORDER BY id FOR UPDATE)
     RETURNING id`,
    [runIds, now],
  );
  if (rows.length === 0) return;
  await sql.run("UPDATE task_assignees SET status = 'cancelled' WHERE task_id = ANY($1::text[])", [
    rows.map((r) => r.id),
  ]);
  for (const row of rows) await announceTask(sql, row.id);
}
