import { type Artifact, Message, type Part, Role, type Task as A2ATask, TaskState, type TaskStatus } from '@a2a-js/sdk';
import type { RunInfo } from '../engine/run-info.ts';
import type { Heed } from '../human/heed.ts';
import type { Task, TaskResult } from '../human/types.ts';
import { APPROVAL_SKILL, QUESTION_SKILL } from './skills.ts';
import { A2A_WORKFLOW, type A2ATaskInput, type A2ATaskOutput, a2aRunId, a2aWorkflowRunId } from './workflow.ts';

/** What an A2A task is made of, all read from Heed's records (nothing else is stored). */
export interface A2ASnapshot {
  id: string;
  run: RunInfo<A2ATaskOutput>;
  input: A2ATaskInput;
  /** The run of a workflow skill, once started. */
  child: RunInfo | undefined;
  /** The people's tasks it waits on now. */
  pending: Task[];
  /** The task whose decision ended it (skills). */
  decided: Task | undefined;
}

const ENDED = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * Reads A2A task `id` from the store: its run, its workflow's run, the tasks they wait on.
 * `undefined` when there is no such A2A task. (Who may see it is the caller's business.)
 */
export async function loadSnapshot(heed: Heed, id: string): Promise<A2ASnapshot | undefined> {
  const run = (await heed.runs.info(a2aRunId(id))) as RunInfo<A2ATaskOutput> | undefined;
  if (!run || run.workflow.split('@')[0] !== A2A_WORKFLOW) return undefined;
  const input = run.input as A2ATaskInput;
  const child = input.request.skill === 'workflow' ? await heed.runs.info(a2aWorkflowRunId(id)) : undefined;
  const asker = child && !ENDED.has(child.status) ? child.id : run.id;
  const pending = ENDED.has(run.status)
    ? []
    : (await heed.tasks.list({ status: 'pending', askedBy: asker, limit: 20 })).items;
  const output = run.status === 'succeeded' ? run.output : undefined;
  const decided = output?.kind === 'decision' ? await heed.tasks.get(output.result.taskId) : undefined;
  return { id, run, input, child, pending, decided };
}

/** Whether an A2A state ends the task. */
export function isFinal(state: TaskState): boolean {
  return (
    state === TaskState.TASK_STATE_COMPLETED ||
    state === TaskState.TASK_STATE_FAILED ||
    state === TaskState.TASK_STATE_CANCELED ||
    state === TaskState.TASK_STATE_REJECTED
  );
}

/**
 * The A2A task: `working` while it runs or a person is asked (the status message says who:
 * "waiting for user:ops", with the Heed task ids); `completed` with the decision (a data part:
 * outcome, by, comment, final arguments; an artifact `decision`) or the workflow's output
 * (artifact `output`); `canceled` when the run or the person's task was cancelled; `failed`.
 */
export function toA2ATask(s: A2ASnapshot): A2ATask {
  return {
    id: s.id,
    contextId: s.input.contextId,
    status: statusOf(s),
    artifacts: artifactsOf(s),
    history: [Message.fromJSON(s.input.message)],
    metadata: { heedRunId: s.run.id, skill: skillOf(s) },
  };
}

/** The status alone (what a status update carries). */
export function statusOf(s: A2ASnapshot): TaskStatus {
  const at = new Date(s.run.updatedAt).toISOString();
  const status = (state: TaskState, text: string, data?: unknown): TaskStatus => ({
    state,
    message: agentMessage(s, text, data),
    timestamp: at,
  });
  switch (s.run.status) {
    case 'succeeded': {
      const output = s.run.output;
      if (output?.kind === 'decision') {
        const state =
          output.result.status === 'cancelled' ? TaskState.TASK_STATE_CANCELED : TaskState.TASK_STATE_COMPLETED;
        return status(state, summary(output.result), decisionOf(s, output.result));
      }
      return status(TaskState.TASK_STATE_COMPLETED, 'done', { output: output?.output ?? null });
    }
    case 'failed':
      return status(TaskState.TASK_STATE_FAILED, `failed: ${s.run.error?.message ?? 'unknown error'}`);
    case 'cancelled':
      return status(TaskState.TASK_STATE_CANCELED, 'cancelled');
    default: {
      if (s.pending.length === 0) return status(TaskState.TASK_STATE_WORKING, 'working');
      const who = [...new Set(s.pending.flatMap((t) => t.assignees.map((a) => a.principal)))];
      return status(TaskState.TASK_STATE_WORKING, `waiting for ${who.join(', ') || 'anyone'}`, {
        waitingFor: s.pending.map((t) => ({
          taskId: t.id,
          title: t.title,
          assignees: t.assignees.map((a) => a.principal),
          deadline: t.deadline === null ? null : new Date(t.deadline).toISOString(),
          ...policyOf(t),
        })),
      });
    }
  }
}

/** The artifacts: the decision, or the workflow's output, once the task completed. */
export function artifactsOf(s: A2ASnapshot): Artifact[] {
  if (s.run.status !== 'succeeded') return [];
  const output = s.run.output;
  if (output?.kind === 'decision') {
    if (output.result.status === 'cancelled') return [];
    return [artifact('decision', 'The decision', dataPart(decisionOf(s, output.result)))];
  }
  return [artifact('output', 'The workflow output', dataPart({ output: output?.output ?? null }))];
}

/**
 * The decision as the calling agent acts on it: outcome, who, comment, final arguments (an
 * approver may edit them: act only with these), the answer of `ask_human`, and the policy the
 * server applied (with the fields of the request it ignored).
 */
export function decisionOf(s: A2ASnapshot, result: TaskResult): Record<string, unknown> {
  const request = s.input.request;
  const resolved = result.status === 'resolved';
  const answer =
    request.skill !== QUESTION_SKILL
      ? undefined
      : !resolved
        ? null
        : request.input.schema
          ? result.data
          : request.input.choices
            ? result.outcome
            : (result.comment ?? result.data ?? null);
  return {
    taskId: result.taskId,
    status: result.status,
    outcome: result.outcome,
    ...(request.skill === APPROVAL_SKILL ? { approved: resolved && result.outcome === 'approve' } : {}),
    ...(answer === undefined ? {} : { answer }),
    by: result.by,
    via: result.via,
    comment: result.comment,
    data: result.data,
    args: result.args,
    edited: result.edit ? result.edit.changes : null,
    decidedAt: new Date(result.at).toISOString(),
    ...(s.decided ? policyOf(s.decided) : {}),
  };
}

function summary(result: TaskResult): string {
  if (result.status === 'cancelled') return `cancelled${result.by ? ` by ${result.by}` : ''}`;
  if (result.status === 'expired') return 'expired: nobody decided by the deadline';
  const comment = result.comment ? `: ${result.comment}` : '';
  return `${result.outcome ?? 'decided'} by ${result.by ?? 'system'}${comment}`;
}

/** The policy the server applied to a task: its name and version, who was asked, what it ignored. */
function policyOf(task: Task): Record<string, unknown> {
  if (!task.policy) return {};
  return {
    policy: {
      name: task.policy.name,
      version: task.policy.version,
      assignees: task.assignees.map((a) => a.principal),
      deadline: task.deadline === null ? null : new Date(task.deadline).toISOString(),
      onTimeout: task.onTimeout.status === 'resolved' ? task.onTimeout.outcome : 'expire',
      ignored: task.policy.ignored,
    },
  };
}

function skillOf(s: A2ASnapshot): string {
  return s.input.request.skill === 'workflow' ? s.input.request.workflow : s.input.request.skill;
}

function agentMessage(s: A2ASnapshot, text: string, data: unknown): Message {
  return {
    messageId: `${s.id}:${s.run.status}:${s.run.updatedAt}`,
    contextId: s.input.contextId,
    taskId: s.id,
    role: Role.ROLE_AGENT,
    parts: [textPart(text), ...(data === undefined ? [] : [dataPart(data)])],
    metadata: {},
    extensions: [],
    referenceTaskIds: [],
  };
}

function artifact(artifactId: string, description: string, part: Part): Artifact {
  return { artifactId, name: artifactId, description, parts: [part], metadata: {}, extensions: [] };
}

function textPart(value: string): Part {
  return { content: { $case: 'text', value }, mediaType: 'text/plain', filename: '', metadata: {} };
}

function dataPart(value: unknown): Part {
  return { content: { $case: 'data', value }, mediaType: 'application/json', filename: '', metadata: {} };
}
