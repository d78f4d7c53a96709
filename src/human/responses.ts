import {
  AlreadyRespondedError,
  type HeedError,
  InvalidResponseError,
  TaskAlreadyResolvedError,
  TaskForbiddenError,
} from '../errors.ts';
import { encode } from '../engine/serialization.ts';
import { canonicalHash } from '../store/canonical.ts';
import type { AuditEntry, TaskRecord } from '../store/task-store.ts';
import { diffJson } from './args-diff.ts';
import { deadlineUpdate, SETTLED_TOPIC, settle } from './results.ts';
import { stageProgress } from './stages.ts';
import type { Decision, TaskChange } from './task-writes.ts';
import { validateAgainst } from './schemas.ts';
import { toResponses } from './view.ts';
import type { ArgsEdit, NormalizedSpec, ResponseInput, TaskResponse, TaskResult } from './types.ts';

/** Outcomes that say no: they carry no form data. */
const NEGATIVE = new Set(['reject', 'deny', 'request_changes', 'failed']);

export interface Responder {
  principal: string;
  /** The principal and the groups/addresses it acts as. */
  identities: readonly string[];
  via: string;
  /** The standing approval the answer is given under (`standing.ts`), named in the audit entry. */
  standing?: string;
}

/**
 * Decides what a response does to a task, given the task as read (a pure function: the caller
 * writes the decision by compare-and-set on that read, and decides again if the task changed).
 * Returns the change to write and, when the response is refused, the error to throw once it is
 * written: refusals for lack of authority are recorded in the audit log (unless `auditRefusal` is
 * false: the caller found the same refusal recorded already); invalid responses change nothing.
 */
export function decideResponse(
  task: TaskRecord,
  spec: NormalizedSpec,
  input: ResponseInput,
  who: Responder,
  shownHash: string,
  now: number,
  auditRefusal = true,
): Decision<HeedError | null> {
  if (task.status !== 'pending') return { value: new TaskAlreadyResolvedError(task.id, task.status) };
  if (task.deadline !== null && now >= task.deadline) {
    // Too late, even if the deadline timer has not fired yet (workers down or busy): the
    // deadline decides, here, in the same compare-and-set. Fail closed stays fail closed.
    const update = deadlineUpdate(task, spec, now);
    return { update, value: new TaskAlreadyResolvedError(task.id, update.status ?? 'expired') };
  }

  const refusal = answerRefusal(
    {
      id: task.id,
      type: spec.type,
      requester: spec.requester,
      selfApproval: spec.selfApproval,
      assignees: task.assignees,
      ...(spec.stages ? { stages: spec.stages, stage: stageProgress(spec, task.responses).current } : {}),
    },
    who,
  );
  if (refusal) {
    if (!auditRefusal) return { value: new TaskForbiddenError(refusal) };
    return {
      update: {
        audit: [
          {
            actor: who.principal,
            via: who.via,
            action: 'refused',
            outcome: input.outcome,
            shownHash,
            detail: { reason: refusal },
          },
        ],
      },
      value: new TaskForbiddenError(refusal),
    };
  }
  const invalid = validate(spec, input);
  if (invalid) return { value: invalid };
  // One answer per person, whichever of their identities (user:, email:) they answer as.
  if (task.responses.some((r) => r.principal === who.principal || who.identities.includes(r.principal))) {
    return { value: new AlreadyRespondedError(task.id, who.principal) };
  }

  const response = {
    principal: who.principal,
    outcome: input.outcome,
    via: who.via,
    comment: input.comment?.trim() || null,
    data: input.data === undefined ? null : encode(input.data, 'data'),
    args: input.args === undefined ? null : encode(input.args, 'args'),
  };
  const approvals =
    task.responses.filter((r) => r.outcome === spec.quorum.approveOutcome).length +
    (input.outcome === spec.quorum.approveOutcome ? 1 : 0);
  const decides =
    input.outcome === spec.quorum.approveOutcome
      ? approvals >= spec.quorum.approvals
      : spec.quorum.rejectEnds || spec.quorum.approvals === 1;

  const update: TaskChange = {
    response,
    audit: [
      {
        actor: who.principal,
        via: who.via,
        action: 'responded',
        outcome: input.outcome,
        shownHash,
        detail: {
          ...(spec.requester !== null && who.identities.includes(spec.requester) ? { ownRequest: true } : {}),
          comment: response.comment,
          dataHash: input.data === undefined ? null : canonicalHash(input.data),
          argsHash: input.args === undefined ? null : canonicalHash(input.args),
          ...(who.standing ? { standingApprovalId: who.standing } : {}),
        },
      },
    ],
  };
  if (!decides && spec.stages && input.outcome === spec.quorum.approveOutcome) {
    const { audit, ...advance } = stageAdvance(task, spec, who.principal);
    Object.assign(update, advance);
    update.audit?.push(...(audit ?? []));
  }
  if (decides) {
    const responses: TaskResponse[] = [
      ...toResponses(task),
      {
        principal: who.principal,
        outcome: input.outcome,
        via: who.via,
        comment: response.comment,
        data: input.data ?? null,
        at: now,
      },
    ];
    const approves = input.outcome === spec.quorum.approveOutcome;
    const edit = spec.action && input.args !== undefined ? argsEdit(spec.action.args, input.args) : null;
    // Arguments are carried only when approved: a rejected action has nothing to run.
    const approvedArgs = spec.action && approves ? (edit?.edited ?? spec.action.args) : null;
    const result: TaskResult = {
      taskId: task.id,
      status: 'resolved',
      outcome: input.outcome,
      by: who.principal,
      via: who.via,
      comment: response.comment,
      data: input.data ?? null,
      args: approvedArgs,
      argsHash: approvedArgs ? canonicalHash(approvedArgs) : null,
      edit,
      responses,
      at: now,
    };
    update.status = 'resolved';
    update.result = JSON.stringify(result);
    update.audit?.push({
      actor: who.principal,
      via: who.via,
      action: 'resolved',
      outcome: input.outcome,
      detail: { resultHash: canonicalHash(result) },
    });
    Object.assign(update, settle(task, update.result));
  }
  return { update, value: null };
}

/** Whether `entries` record a refusal of `principal` for `reason` already (a repeat is not audited again). */
export function refusalAudited(entries: readonly AuditEntry[], principal: string, reason: string): boolean {
  return entries.some(
    (e) =>
      e.action === 'refused' && e.actor === principal && (e.detail as { reason?: unknown } | null)?.reason === reason,
  );
}

/**
 * What an approval that completes a stage (but not the last) writes besides itself: the next
 * stage's approvers join the task, the audit chain says who decided the stage, and the lifecycle
 * run hears of it so that it notifies the next stage.
 */
function stageAdvance(task: TaskRecord, spec: NormalizedSpec, principal: string): TaskChange {
  const before = stageProgress(spec, task.responses);
  const after = stageProgress(spec, [...task.responses, { principal, outcome: spec.quorum.approveOutcome }]);
  const stages = spec.stages ?? [];
  if (after.current === before.current || after.current >= stages.length) return {};
  const done = stages[before.current];
  const next = stages[after.current];
  return {
    addAssignees: (next?.approvers ?? []).map((p) => ({ principal: p, level: 0 })),
    audit: [
      {
        actor: 'system',
        via: 'policy',
        action: 'stage-completed',
        detail: {
          stage: before.current + 1,
          name: done?.name ?? null,
          approvedBy: after.approvedBy[before.current] ?? [],
          next: { stage: after.current + 1, name: next?.name ?? null, approvers: next?.approvers ?? [] },
        },
      },
    ],
    message: { runId: task.runId, topic: SETTLED_TOPIC, idempotencyKey: `stage:${after.current + 1}` },
  };
}

/** Task types where the requester never decides on their own request (four-eyes). */
const FOUR_EYES = new Set(['approval', 'review', 'override']);

/**
 * Whether a task's requester may answer it: not an approval, review or override (four-eyes)
 * unless its spec says `selfApproval: 'allowed'`.
 */
export function requesterMayAnswer(task: Pick<AnswerSubject, 'type' | 'selfApproval'>): boolean {
  return !FOUR_EYES.has(task.type) || task.selfApproval === 'allowed';
}

/** What deciding who may answer needs of a task (a stored task, or the task as people read it). */
export interface AnswerSubject {
  id: string;
  type: string;
  requester: string | null;
  /** Absent in tasks stored before it existed: `forbidden`. */
  selfApproval?: 'allowed' | 'forbidden' | undefined;
  assignees: readonly { principal: string; level: number }[];
  /** A staged approval's stages, and the index of the one deciding now (see `stageProgress`). */
  stages?: readonly { name: string; approvers: readonly string[] }[] | null | undefined;
  stage?: number | null | undefined;
}

/**
 * Whether a task is open to anyone: it was created without assignees (none at level 0). An
 * escalation only adds responders: it never closes an open task.
 */
export function isOpenTask(assignees: AnswerSubject['assignees']): boolean {
  return !assignees.some((a) => a.level === 0);
}

/**
 * Why `who` may not answer `task`, or `null` when it may: the one rule of every channel (HTTP,
 * inbox, CLI, links, Slack, chat), enforced in the answer's compare-and-set and asked beforehand
 * by `Authorization.requireAnswer` (a link's page, a Slack modal). A person answers, never a
 * group (a group's member answers as themself, so four-eyes sees who they are); the requester
 * never answers their own approval, review or override unless the spec allows it; then only
 * assignees (direct, through a group, by escalation), or anyone when the task is open.
 */
export function answerRefusal(task: AnswerSubject, who: Pick<Responder, 'principal' | 'identities'>): string | null {
  if (who.principal.startsWith('group:')) {
    return `${who.principal} is a group: one of its members answers, as themself`;
  }
  const ownRequest = task.requester !== null && who.identities.includes(task.requester);
  if (ownRequest && FOUR_EYES.has(task.type) && task.selfApproval !== 'allowed') {
    return `${who.principal} requested this ${task.type} and may not answer it (four-eyes)`;
  }
  if (task.stages && task.stage !== null && task.stage !== undefined) {
    // A staged approval: the approvers of the stage deciding now, and anyone escalation added.
    const stage = task.stages[task.stage];
    const allowed = new Set([
      ...(stage?.approvers ?? []),
      ...task.assignees.filter((a) => a.level > 0).map((a) => a.principal),
    ]);
    if (who.identities.some((identity) => allowed.has(identity))) return null;
    return `${who.principal} does not decide stage ${task.stage + 1} ("${stage?.name ?? ''}") of task "${task.id}"`;
  }
  if (isOpenTask(task.assignees)) return null;
  if (task.assignees.some((a) => who.identities.includes(a.principal))) return null;
  return `${who.principal} is not an assignee of task "${task.id}"`;
}

function validate(spec: NormalizedSpec, input: ResponseInput): HeedError | null {
  if (!spec.outcomes.includes(input.outcome)) {
    return new InvalidResponseError(
      'OUTCOME_NOT_ALLOWED',
      `"${input.outcome}" is not an outcome of this task; allowed: ${spec.outcomes.join(', ')}`,
    );
  }
  if (spec.requireComment.includes(input.outcome) && !input.comment?.trim()) {
    return new InvalidResponseError('COMMENT_REQUIRED', `"${input.outcome}" needs a comment giving the reason`, [
      { path: 'comment', message: 'is required' },
    ]);
  }
  if (spec.form && !NEGATIVE.has(input.outcome)) {
    const issues =
      input.data === undefined ? [{ path: 'data', message: 'is required' }] : validateAgainst(spec.form, input.data);
    if (issues.length > 0) {
      return new InvalidResponseError('VALIDATION_FAILED', `The form data is invalid: ${describe(issues)}`, issues);
    }
  }
  if (input.args !== undefined) {
    if (!spec.allowEdit || !spec.action) {
      return new InvalidResponseError('EDIT_NOT_ALLOWED', 'This task does not allow editing the action arguments');
    }
    if (input.args === null || typeof input.args !== 'object' || Array.isArray(input.args)) {
      return new InvalidResponseError('VALIDATION_FAILED', 'args must be an object', [
        { path: 'args', message: 'must be an object' },
      ]);
    }
    const issues = spec.action.schema
      ? validateAgainst(spec.action.schema, input.args).map((i) => ({
          path: i.path ? `args.${i.path}` : 'args',
          message: i.message,
        }))
      : [];
    if (issues.length > 0) {
      return new InvalidResponseError(
        'VALIDATION_FAILED',
        `The edited arguments are invalid: ${describe(issues)}`,
        issues,
      );
    }
  }
  return null;
}

function argsEdit(original: Record<string, unknown>, edited: Record<string, unknown>): ArgsEdit {
  return { original, edited, changes: diffJson(original, edited) };
}

function describe(issues: { path: string; message: string }[]): string {
  return issues.map((i) => `${i.path || '(data)'} ${i.message}`).join('; ');
}
