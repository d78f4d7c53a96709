import type { AuditEntry, NewTask, TaskRecord } from './task-store.ts';

/**
 * The task as `createTask` writes it (version 1, pending, its first audit entries), built from
 * what was written rather than read back: what `getTask` returns right after the write (the store
 * contract checks that they agree). Assignees are listed as stores list them: no duplicates, by
 * level then principal in bytewise order.
 */
export function newTaskRecord(task: NewTask, audit: readonly AuditEntry[], now: number): TaskRecord {
  const head = audit.at(-1);
  const assignees = [...new Set(task.assignees)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    id: task.id,
    type: task.type,
    status: 'pending',
    title: task.title,
    spec: task.spec,
    requester: task.requester,
    idempotencyKey: task.idempotencyKey,
    runId: task.runId,
    askedBy: task.askedBy,
    escalationLevel: 0,
    remindersSent: 0,
    deadline: task.deadline,
    result: null,
    auditCount: head?.seq ?? 0,
    auditHead: head?.hash ?? null,
    version: 1,
    createdAt: now,
    updatedAt: now,
    resolvedAt: null,
    assignees: assignees.map((principal) => {
      const stands = task.assigneesFor?.[principal];
      return stands ? { principal, level: 0, for: stands } : { principal, level: 0 };
    }),
    responses: [],
  };
}
