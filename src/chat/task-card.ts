import { displayName, type NameLookup } from '../human/principal-names.ts';
import { requesterMayAnswer } from '../human/responses.ts';
import type { Task } from '../human/types.ts';

/** A person named in a card: the principal and how to call them. */
export interface Person {
  principal: string;
  name: string;
}

/**
 * What a chat shows for a task its turn asked (the data of a `data-task` UI part, reconciled in
 * place by the task id): what was asked, who was asked, and, once decided, who decided and how.
 * Plain words for people; ids only as data.
 */
export interface TaskCard {
  taskId: string;
  /** `approval` or `question` (a clarification); other task types show as `request`. */
  kind: 'approval' | 'question' | 'request';
  title: string;
  /** The tool call this task is about, if any. */
  toolCallId: string | null;
  /** Who may answer; empty: anyone but the requester. */
  asked: Person[];
  /** Who asked (may not approve their own request). */
  requester: Person | null;
  /** Whether the requester may answer it (false for approvals: four-eyes, unless self-approval is allowed). */
  requesterMayAnswer: boolean;
  /** `waiting`, then `approved`, `rejected`, `answered`, `done` (another outcome), `expired` or `cancelled`. */
  state: 'waiting' | 'approved' | 'rejected' | 'answered' | 'done' | 'expired' | 'cancelled';
  /** The deciding outcome, as the task's outcomes name it. */
  outcome: string | null;
  decidedBy: Person | null;
  /** The channel the decision came through (`inbox`, `chat`, `slack`, `email`, `api`, `timeout`, …). */
  via: string | null;
  comment: string | null;
  /** Epoch ms. */
  deadline: number | null;
  /** What the deadline decides if nobody answers (`reject`, `approve`, …); `null`: the task expires. */
  atDeadline: string | null;
  decidedAt: number | null;
}

function person(principal: string | null, names: NameLookup | undefined): Person | null {
  return principal === null ? null : { principal, name: displayName(principal, names) };
}

/** The card of a task as it is now; `names`: the people directory's names. */
export function taskCard(task: Task, names?: NameLookup): TaskCard {
  const result = task.result;
  const outcome = result?.outcome ?? null;
  const state: TaskCard['state'] =
    task.status === 'pending'
      ? 'waiting'
      : task.status === 'expired'
        ? 'expired'
        : task.status === 'cancelled'
          ? 'cancelled'
          : outcome === 'approve'
            ? 'approved'
            : outcome === 'reject' || outcome === 'deny'
              ? 'rejected'
              : outcome === 'answer'
                ? 'answered'
                : 'done';
  const toolCallId = task.metadata?.toolCallId;
  return {
    taskId: task.id,
    kind: task.type === 'approval' ? 'approval' : task.type === 'clarification' ? 'question' : 'request',
    title: task.title,
    toolCallId: typeof toolCallId === 'string' ? toolCallId : null,
    asked: task.assignees.map((a) => person(a.principal, names) as Person),
    requester: person(task.requester, names),
    requesterMayAnswer: requesterMayAnswer(task),
    state,
    outcome,
    decidedBy: person(result?.by ?? null, names),
    via: result?.via ?? null,
    comment: result?.comment ?? null,
    deadline: task.deadline,
    atDeadline: task.onTimeout.status === 'resolved' ? task.onTimeout.outcome : null,
    decidedAt: result?.at ?? null,
  };
}
