/**
 * Handing a task to someone else (a reassignment), decided as every task change is: a pure
 * function of the task as read, written by compare-and-set (see `task-writes.ts`). The people
 * asked are replaced by the new ones at once (inboxes follow in the same write); the audit says
 * who moved it, from whom, to whom and why; the lifecycle run hears of it on its settled topic
 * and notifies the new people durably (a `reassigned` notice), and the channels close the copies
 * the old people were sent (see `channels/channels.ts`).
 */
import { InvalidArgumentError, TaskAlreadyResolvedError } from '../errors.ts';
import type { TaskRecord } from '../store/task-store.ts';
import { checkPrincipal, canAnswer } from './principals.ts';
import { SETTLED_TOPIC } from './results.ts';
import type { Delegated } from './delegation.ts';
import type { Decision } from './task-writes.ts';
import type { NormalizedSpec } from './types.ts';

/** At most this many people a task is handed to at once. */
export const MAX_REASSIGN_TO = 20;

export interface ReassignInput {
  /** Who is asked from now on (principals who can answer: people, groups, email addresses). */
  to: string[];
  /** Why (shown to the new people and in the history). */
  reason: string;
}

/** Task types where the requester never decides their own request (four-eyes). */
const FOUR_EYES = new Set(['approval', 'review', 'override']);

/**
 * The reassignment of `task` by `actor` via `via`: the new assignee list, the audit entry
 * (`reassigned`, its `detail.index` is the entry's position, which names the notice) and the
 * lifecycle's wake-up. Pure; the caller has checked that `actor` may reassign (the authorization
 * module).
 * @throws TaskAlreadyResolvedError (ended), InvalidArgumentError (no one or the same people, an
 *   invalid principal, the requester of a four-eyes task, a staged approval, no reason).
 */
export function decideReassign(
  task: TaskRecord,
  spec: NormalizedSpec,
  input: ReassignInput,
  actor: { principal: string; via: string },
  delegated?: Delegated,
): Decision<null> {
  if (task.status !== 'pending') throw new TaskAlreadyResolvedError(task.id, task.status);
  if (spec.stages) {
    throw new InvalidArgumentError('A staged approval cannot be reassigned: its policy names who decides each stage');
  }
  const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
  if (!reason) throw new InvalidArgumentError('A reassignment needs a reason');
  if (reason.length > 1_000) throw new InvalidArgumentError('The reason is longer than 1,000 characters');
  if (!Array.isArray(input.to) || input.to.length === 0)
    throw new InvalidArgumentError('Name who is asked instead: to');
  if (input.to.length > MAX_REASSIGN_TO) throw new InvalidArgumentError(`At most ${MAX_REASSIGN_TO} people at once`);
  const to = [...new Set(input.to.map((p) => checkPrincipal(p)))];
  for (const principal of to) {
    if (!canAnswer(principal)) throw new InvalidArgumentError(`${principal} cannot answer a task`);
  }
  const fourEyes = FOUR_EYES.has(task.type) && spec.selfApproval !== 'allowed';
  if (fourEyes && task.requester !== null && to.includes(task.requester)) {
    throw new InvalidArgumentError(`${task.requester} asked for this ${task.type} and may not decide it (four-eyes)`);
  }
  const from = task.assignees.map((a) => a.principal);
  // Someone away is replaced by their delegate (`delegation.ts`, resolved by the caller).
  const asked = delegated ? [...new Set(to.map((p) => delegated.moved.get(p)?.to ?? p))] : to;
  if (from.length === asked.length && asked.every((p) => from.includes(p))) {
    throw new InvalidArgumentError(`The task is already assigned to ${asked.join(', ')}`);
  }
  const index = task.auditCount + 1;
  const standsFor = (principal: string) => {
    const stands = delegated?.assigneesFor[principal];
    return stands ? { principal, level: 0, for: stands } : { principal, level: 0 };
  };
  return {
    update: {
      removeAssignees: from.filter((p) => !asked.includes(p)),
      addAssignees: asked.filter((p) => !from.includes(p)).map(standsFor),
      audit: [
        { actor: actor.principal, via: actor.via, action: 'reassigned', detail: { index, from, to: asked, reason } },
        ...(delegated?.audit ?? []),
      ],
      message: { runId: task.runId, topic: SETTLED_TOPIC, idempotencyKey: `reassigned:${index}` },
    },
    value: null,
  };
}
