/**
 * Outcomes, channels and endings in words, for notices, link pages and terminals (the web inbox's
 * `words.js` says them the same way): "Approve", "rejected", "via Slack", and which outcomes are
 * negative (shown in red, with a cross, never like a success).
 */

const LABELS: Record<string, string> = {
  approve: 'Approve',
  reject: 'Reject',
  request_changes: 'Request changes',
  submit: 'Submit',
  done: 'Done',
  failed: 'It failed',
  deny: 'Deny',
  answer: 'Send answer',
};

const DONE: Record<string, string> = {
  approve: 'approved',
  reject: 'rejected',
  request_changes: 'sent back for changes',
  submit: 'submitted',
  done: 'done',
  failed: 'marked as failed',
  deny: 'denied',
  answer: 'answered',
};

/** Short words that are not codes: they stay words ("Yes", not "YES"). */
const WORDS = new Set(['yes', 'no', 'not', 'now', 'new', 'old', 'all', 'any', 'add', 'off', 'on', 'out', 'run']);
for (const w of ['set', 'try', 'use', 'fix', 'get', 'put', 'buy', 'pay', 'ask', 'end', 'go', 'up', 'ok', 'keep']) {
  WORDS.add(w);
}

/** Outcomes that say no: shown as negative (red, a cross), never like a success. */
export const NEGATIVE_OUTCOMES: readonly string[] = ['reject', 'deny', 'failed', 'request_changes'];

/** Whether an outcome, or a task's ending (`expired`, `cancelled`), is a negative one. */
export function isNegative(outcome: string | null | undefined, status?: string): boolean {
  return status === 'expired' || status === 'cancelled' || NEGATIVE_OUTCOMES.includes(outcome ?? '');
}

/**
 * An outcome as a choice's label: "Approve", "Request changes"; a short code stays readable
 * (`eu` → "EU", `us` → "US"), other words in sentence case (`ship_it` → "Ship it").
 */
export function outcomeLabel(outcome: string): string {
  const known = LABELS[outcome];
  if (known) return known;
  if (/^[a-z]{2,3}$/i.test(outcome) && !WORDS.has(outcome.toLowerCase())) return outcome.toUpperCase();
  const text = outcome.replace(/[_-]+/g, ' ').trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The past tense of an outcome: "approved", "sent back for changes", or "answered EU". */
export function outcomeDone(outcome: string): string {
  return DONE[outcome] ?? `answered ${outcomeLabel(outcome)}`;
}

const CHANNELS: Record<string, string> = {
  inbox: 'the inbox',
  slack: 'Slack',
  teams: 'Microsoft Teams',
  email: 'email',
  link: 'an email link',
  api: 'the API',
  cli: 'the terminal',
  chat: 'the chat',
  mcp: 'an MCP client',
  workflow: 'an agent',
};

/** The channel an answer came through: "Slack", "the inbox", "an email link". */
export function channelName(via: string): string {
  return CHANNELS[via] ?? via;
}
