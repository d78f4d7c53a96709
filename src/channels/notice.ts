import type { NotificationKind } from '../human/notifier.ts';
import type { Task } from '../human/types.ts';
import { channelName, isNegative, NEGATIVE_OUTCOMES, outcomeDone, outcomeLabel } from '../text/outcomes.ts';
import type { People } from './directory/people.ts';

/** One outcome a person can choose: a signed one-click link, or the inbox page when it needs more. */
export interface OutcomeChoice {
  outcome: string;
  label: string;
  /** Signed `/t/{token}` link for this recipient, or `null` when only the inbox (or a modal) can take it. */
  url: string | null;
  needsComment: boolean;
  style: 'primary' | 'danger' | 'default';
}

/** What a notice says, whatever the channel: the content of DESIGN.md "Channels". */
export interface NoticeContent {
  taskId: string;
  kind: NotificationKind;
  /** "Approval needed", "Reminder", "Escalated to you". */
  lead: string;
  title: string;
  /** Markdown: each channel renders it its own way (HTML, plain text, Slack mrkdwn). */
  description: string | null;
  /** Who asks, by name ("Carol Diaz (user:carol)"), or "an agent" for a run without a requester; null when unknown. */
  requester: string | null;
  action: { tool: string; args: string } | null;
  context: string | null;
  deadline: string | null;
  /** Who else was asked (names). */
  others: string[];
  /** For a staged approval: the stage deciding now and who decided the earlier ones, in words. */
  stage: string | null;
  /** The recipient as named in the notice. */
  to: string;
  choices: OutcomeChoice[];
  /** The task's inbox page (forms, reasons, edits). */
  inboxUrl: string;
  /** The task needs more than a click (a form or editable arguments). */
  needsInbox: boolean;
}

const LEADS: Record<NotificationKind, string> = {
  created: 'Your decision is needed',
  reminder: 'Reminder: still waiting for you',
  escalated: 'Escalated to you',
  stage: 'Your stage of the approval has come',
  reassigned: 'This was handed to you',
};

function styleOf(outcome: string): OutcomeChoice['style'] {
  if (['approve', 'done', 'submit', 'answer'].includes(outcome)) return 'primary';
  if (NEGATIVE_OUTCOMES.includes(outcome)) return 'danger';
  return 'default';
}

/** A principal named for a notice: "Alice Doe (user:alice)", or the name alone where it is the address. */
function named(principal: string, people: People): string {
  const name = people.name(principal);
  return name === principal || principal === `email:${name}` ? name : `${name} (${principal})`;
}

/** A deadline in words, in UTC (the reader's zone is unknown to a mail). */
export function deadlineText(deadline: number, now: number): string {
  const date = new Date(deadline).toISOString().replace('T', ' ').slice(0, 16);
  const minutes = Math.round((deadline - now) / 60_000);
  const left =
    minutes <= 0
      ? 'now'
      : minutes < 120
        ? `in ${minutes} min`
        : minutes < 48 * 60
          ? `in ${Math.round(minutes / 60)} h`
          : `in ${Math.round(minutes / 1440)} days`;
  return `${date} UTC (${left})`;
}

/**
 * Builds a notice for `recipient`. `link(outcome)` signs a one-click link for the recipient, or
 * returns `null` when the recipient cannot hold one (a group's channel).
 */
export function noticeContent(options: {
  task: Task;
  kind: NotificationKind;
  recipient: string;
  people: People;
  now: number;
  baseUrl: string;
  link: (outcome: string) => string | null;
}): NoticeContent {
  const { task, kind, recipient, people } = options;
  const needsInbox = task.form !== null || task.allowEdit;
  const others = task.assignees
    .map((a) => a.principal)
    .filter((p) => p !== recipient)
    .map((p) => named(p, people));
  return {
    taskId: task.id,
    kind,
    lead: LEADS[kind],
    title: task.title,
    description: task.description,
    requester: task.requester ? named(task.requester, people) : task.askedBy ? 'an agent' : null,
    action: task.action ? { tool: task.action.tool, args: JSON.stringify(task.action.args, null, 2) } : null,
    context: task.payload === null || task.payload === undefined ? null : JSON.stringify(task.payload, null, 2),
    deadline: task.deadline === null ? null : deadlineText(task.deadline, options.now),
    others,
    stage: stageText(task, people),
    to: people.name(recipient),
    choices: task.outcomes.map((outcome) => ({
      outcome,
      label: outcomeLabel(outcome),
      // A form must be filled in: its outcomes go through the inbox (or a Slack modal).
      url: task.form !== null ? null : options.link(outcome),
      needsComment: task.requireComment.includes(outcome),
      style: styleOf(outcome),
    })),
    inboxUrl: `${options.baseUrl}/#/task/${encodeURIComponent(task.id)}`,
    needsInbox,
  };
}

/** "Stage 2 of 2 (finance); stage 1 (team lead) approved by Alice Doe", or `null` for an unstaged task. */
export function stageText(task: Task, people: People): string | null {
  if (!task.stages || task.stage === null) return null;
  const stages = task.stages;
  const now = stages[task.stage];
  const earlier = stages
    .slice(0, task.stage)
    .map((s, i) => `stage ${i + 1} (${s.name}) approved by ${s.approvedBy.map((p) => people.name(p)).join(', ')}`);
  return [`Stage ${task.stage + 1} of ${stages.length} (${now?.name ?? ''})`, ...earlier].join('; ');
}

/** How a task ended, in words: "Rejected by Bob Doe via Slack", "No answer in time: rejected automatically". */
export function endedText(task: Task, people: People): string {
  const result = task.result;
  if (!result) return `This task is ${task.status}.`;
  // The deadline decides as `system` via `timeout`; a cancel without a principal is `system` too.
  if (result.via === 'timeout') {
    return result.outcome
      ? `No answer in time: ${outcomeDone(result.outcome)} automatically`
      : 'Expired: nobody answered in time';
  }
  const who = result.by === null || result.by === 'system' ? null : people.name(result.by);
  if (task.status === 'cancelled') return `Cancelled${who ? ` by ${who}` : ''}`;
  if (task.status === 'expired') return 'Expired: nobody answered in time';
  const what = outcomeDone(result.outcome ?? task.status);
  const via = result.via ? ` via ${channelName(result.via)}` : '';
  return `${what.charAt(0).toUpperCase()}${what.slice(1)}${who ? ` by ${who}` : ''}${via}`;
}

/** Whether a task ended with a no: rejected, denied, failed, sent back, expired or cancelled. */
export function endedNegative(task: Task): boolean {
  return isNegative(task.result?.outcome, task.status);
}
