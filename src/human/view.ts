import type { TaskRecord } from '../store/task-store.ts';
import { resultOf } from './results.ts';
import { stageProgress } from './stages.ts';
import type { NormalizedSpec, Task, TaskResponse, TaskType } from './types.ts';

/** Reads the stored spec of a task. */
export function specOf(task: TaskRecord): NormalizedSpec {
  return JSON.parse(task.spec) as NormalizedSpec;
}

/**
 * A stored task as people and programs read it. `notifierChannels`: the channels this process
 * notifies through (`HumanTasks`' notifiers), where a task that names none is sent.
 */
export function toTask(record: TaskRecord, notifierChannels: readonly string[] = []): Task {
  const spec = specOf(record);
  const progress = spec.stages ? stageProgress(spec, record.responses) : null;
  return {
    id: record.id,
    type: record.type as TaskType,
    status: record.status,
    title: spec.title,
    description: spec.description,
    payload: spec.payload,
    action: spec.action,
    outcomes: spec.outcomes,
    form: spec.form,
    allowEdit: spec.allowEdit,
    requireComment: spec.requireComment,
    assignees: record.assignees,
    requester: spec.requester,
    selfApproval: spec.selfApproval ?? 'forbidden',
    quorum: spec.quorum,
    escalationLevel: record.escalationLevel,
    remindersSent: record.remindersSent,
    deadline: record.deadline,
    onTimeout: spec.onTimeout,
    // Where its notices really go: the channels it names, or else every channel with a notifier.
    channels: ['inbox', ...(spec.channels.length > 0 ? spec.channels : notifierChannels).filter((c) => c !== 'inbox')],
    callbackUrl: spec.callbackUrl,
    metadata: spec.metadata,
    policy: spec.policy ?? null,
    stages: spec.stages?.map((stage, i) => ({ ...stage, approvedBy: progress?.approvedBy[i] ?? [] })) ?? null,
    stage: progress ? Math.min(progress.current, (spec.stages?.length ?? 1) - 1) : null,
    // The run this task belongs to: the run that asked, or for a standalone task its own run.
    runId: record.askedBy ?? record.runId,
    lifecycleRunId: record.runId,
    askedBy: record.askedBy,
    responses: toResponses(record),
    result: resultOf(record),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/** The task's responses, decoded. */
export function toResponses(record: TaskRecord): TaskResponse[] {
  return record.responses.map((r) => ({
    principal: r.principal,
    outcome: r.outcome,
    via: r.via,
    comment: r.comment,
    data: r.data === null ? null : (JSON.parse(r.data) as unknown),
    at: r.at,
  }));
}

/** What a person is shown of a task; its hash goes in the audit log with each answer. */
export function shownOf(spec: NormalizedSpec): unknown {
  return {
    type: spec.type,
    title: spec.title,
    description: spec.description,
    payload: spec.payload,
    action: spec.action && { tool: spec.action.tool, args: spec.action.args },
    outcomes: spec.outcomes,
    form: spec.form,
  };
}
