import { displayName, type NameLookup } from '../human/principal-names.ts';
import type { Task } from '../human/types.ts';
import { markdownHtml } from '../text/markdown.ts';
import { channelName, isNegative, outcomeDone, outcomeLabel } from '../text/outcomes.ts';
import { escapeHtml, page } from './html.ts';
import type { LinkClaims } from './links.ts';

/** What a refused link says, by reason. */
export const LINK_REFUSALS = {
  forged: 'This link is not valid: it was not issued by this server or was changed.',
  expired: 'This link has expired.',
  used: 'This link was already used.',
  'not-a-person': 'This link was made for a group, not for one person: answer in the inbox, as yourself.',
  limited: 'Too many refused link attempts from your address: try again later.',
} as const;

/** The page of a task that does not exist, or that the link's person may not see (nothing is leaked). */
export function unknownTaskPage(): string {
  return page(
    'Unknown task',
    '<h1>Unknown task</h1><p class="error">This task does not exist or no longer exists.</p>',
  );
}

/** A page saying nothing was changed, and why. */
export function refusedPage(message: string): string {
  return page('Link refused', `<h1>Nothing was changed</h1><p class="error">${escapeHtml(message)}</p>`);
}

/** The page of an ended task: "Already decided: approved by Bob Doe via Slack." */
export function decidedPage(task: Task, names?: NameLookup): string {
  const tone = isNegative(task.result?.outcome, task.status) ? 'error' : 'success';
  return page(
    task.title,
    `<h1>${escapeHtml(task.title)}</h1><p class="decided ${tone}">${escapeHtml(decidedText(task, names))}</p>`,
  );
}

/** The confirmation page of `GET /t/{token}`: the task and a form that POSTs to the same URL. */
export function confirmPage(task: Task, claims: LinkClaims, names?: NameLookup): string {
  const needsComment = task.requireComment.includes(claims.outcome);
  const negative = isNegative(claims.outcome);
  return page(
    task.title,
    `<h1>${escapeHtml(task.title)}</h1>
${task.requester ? `<p class="muted">Asked by ${escapeHtml(displayName(task.requester, names))}</p>` : ''}
${task.description ? `<div class="md">${markdownHtml(task.description)}</div>` : ''}
${task.action ? `<pre>${escapeHtml(`${task.action.tool} ${JSON.stringify(task.action.args, null, 2)}`)}</pre>` : ''}
<p class="muted">You are answering as ${escapeHtml(displayName(claims.principal, names))} (${escapeHtml(claims.principal)}).</p>
<form method="post"><label>Comment${needsComment ? ' (required)' : ''}<textarea name="comment" ${needsComment ? 'required' : ''}></textarea></label>
<button type="submit"${negative ? ' class="danger"' : ''}>Confirm: ${escapeHtml(outcomeLabel(claims.outcome))}</button></form>`,
  );
}

/** The page once the answer is recorded. */
export function thanksPage(task: Task, outcome: string): string {
  return page(
    task.title,
    `<h1>Thank you</h1><p>${escapeHtml(task.title)}: <strong class="${isNegative(outcome) ? 'error' : 'success'}">${escapeHtml(outcomeDone(outcome))}</strong>, recorded.</p>`,
  );
}

/** "Already decided: approved by Bob Doe via Slack." — what a link says once the task ended. */
export function decidedText(task: Task, names?: NameLookup): string {
  const result = task.result;
  const who = (principal: string) => displayName(principal, names);
  if (task.status === 'cancelled') {
    return `Already decided: cancelled${result?.by && result.by !== 'system' ? ` by ${who(result.by)}` : ''}.`;
  }
  if (task.status === 'expired' || !result) return `Already decided: ${task.status} at its deadline.`;
  const what = outcomeDone(result.outcome ?? task.status);
  if (result.by === 'system' || result.via === 'timeout') return `Already decided: ${what} at the deadline.`;
  return `Already decided: ${what} by ${result.by ? who(result.by) : 'someone'}${result.via ? ` via ${channelName(result.via)}` : ''}.`;
}
