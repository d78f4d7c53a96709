import type { Task } from '../human/types.ts';
import type { LinkClaims } from './links.ts';
import { escapeHtml, page } from './html.ts';

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

/** The page of an ended task: "Already decided: approve by user:bob via slack." */
export function decidedPage(task: Task): string {
  return page(task.title, `<h1>${escapeHtml(task.title)}</h1><p class="decided">${escapeHtml(decidedText(task))}</p>`);
}

/** The confirmation page of `GET /t/{token}`: the task and a form that POSTs to the same URL. */
export function confirmPage(task: Task, claims: LinkClaims): string {
  const needsComment = task.requireComment.includes(claims.outcome);
  return page(
    task.title,
    `<h1>${escapeHtml(task.title)}</h1>
${task.description ? `<p>${escapeHtml(task.description)}</p>` : ''}
${task.action ? `<pre>${escapeHtml(`${task.action.tool} ${JSON.stringify(task.action.args, null, 2)}`)}</pre>` : ''}
<p class="muted">You are answering as ${escapeHtml(claims.principal)}.</p>
<form method="post"><label>Comment${needsComment ? ' (required)' : ''}<textarea name="comment" ${needsComment ? 'required' : ''}></textarea></label>
<button type="submit">Confirm: ${escapeHtml(claims.outcome)}</button></form>`,
  );
}

/** The page once the answer is recorded. */
export function thanksPage(task: Task, outcome: string): string {
  return page(
    task.title,
    `<h1>Thank you</h1><p>${escapeHtml(task.title)}: <strong>${escapeHtml(outcome)}</strong> recorded.</p>`,
  );
}

/** "Already decided: approve by user:bob via slack." — what a link says once the task ended. */
export function decidedText(task: Task): string {
  const result = task.result;
  if (task.status === 'cancelled') return `Already decided: cancelled${result?.by ? ` by ${result.by}` : ''}.`;
  if (task.status === 'expired' || !result) return `Already decided: ${task.status} at its deadline.`;
  const by = result.by === 'system' ? 'the deadline' : result.by;
  return `Already decided: ${result.outcome ?? task.status} by ${by}${result.via ? ` via ${result.via}` : ''}.`;
}
