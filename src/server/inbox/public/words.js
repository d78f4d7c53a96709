// @ts-check
/**
 * The inbox's wording (browser module, the one helpers module every page imports): what people
 * read instead of ids and enum names. "Approval", "waiting for you", "approved by Alice via
 * Slack, 2 min ago"; and `esc`, which every page uses to put text into HTML.
 */
/** @import { AuditEntry, Task } from './types.d.ts' */

/**
 * Text as HTML: `&`, `<`, `>`, `"` and `'` escaped (for element content and quoted attributes).
 * @param {unknown} value
 */
export function esc(value) {
  return String(value).replace(
    /[&<>"']/g,
    (c) =>
      /** @type {Record<string, string>} */ ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[
        c
      ] ?? c,
  );
}

/** @type {Record<string, string>} */
const TYPES = {
  approval: 'Approval',
  review: 'Review',
  form: 'Form to fill in',
  manual_action: 'Something to do',
  override: 'Override',
  clarification: 'Question',
};
/**
 * "Approval", "Review", …
 * @param {string} type
 */
export function typeName(type) {
  return TYPES[type] || sentence(type);
}

/** @type {Record<string, string>} */
const DONE = {
  approve: 'approved',
  reject: 'rejected',
  request_changes: 'sent back for changes',
  submit: 'submitted',
  done: 'done',
  failed: 'marked as failed',
  deny: 'denied',
  answer: 'answered',
};
/**
 * The past tense of an outcome: "approved", "rejected", or "answered EU" for a choice of the task's own.
 * @param {string | null | undefined} outcome
 */
export function outcomeDone(outcome) {
  return DONE[outcome ?? ''] || `answered ${outcomeButton(outcome ?? '')}`;
}

/** @type {Record<string, string>} */
const BUTTONS = {
  approve: 'Approve',
  reject: 'Reject',
  request_changes: 'Request changes',
  submit: 'Submit',
  done: 'Done',
  failed: 'It failed',
  deny: 'Deny',
  answer: 'Send answer',
};
/** Short words that are not codes: they stay words ("Yes", not "YES"). */
const WORDS = new Set(
  'yes no not now new old all any add off on out run set try use fix get put buy pay ask end go up ok keep'.split(' '),
);
/**
 * A button's label for an outcome: "Approve"; a short code stays readable (`eu` → "EU"), other
 * choices in sentence case (`ship_it` → "Ship it"). The server's notices say it the same way
 * (`src/text/outcomes.ts`).
 * @param {string} outcome
 */
export function outcomeButton(outcome) {
  if (BUTTONS[outcome]) return BUTTONS[outcome];
  if (/^[a-z]{2,3}$/i.test(outcome) && !WORDS.has(outcome.toLowerCase())) return outcome.toUpperCase();
  return sentence(outcome);
}

/** Outcomes that say no: shown in red, never like a success. */
const NEGATIVE = ['reject', 'deny', 'failed', 'request_changes'];
/**
 * Whether an outcome, or a task's ending (`expired`, `cancelled`), is a negative one.
 * @param {string | null | undefined} outcome
 * @param {string} [status]
 */
export function isNegative(outcome, status) {
  return status === 'expired' || status === 'cancelled' || NEGATIVE.includes(outcome ?? '');
}

/**
 * snake_case or kebab-case to "Sentence case".
 * @param {unknown} value
 */
export function sentence(value) {
  const text = String(value || '')
    .replace(/[_-]+/g, ' ')
    .trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** @param {string} name */
function titleCase(name) {
  return name
    .split(/[._-]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join(' ');
}

/** The people directory's names (`GET /v1/people`), once loaded. */
/** @type {Map<string, string>} */
const directory = new Map();
/**
 * Keeps the people directory's names, which {@link person} prefers.
 * @param {{ principal: string, name: string }[]} items
 */
export function setDirectory(items) {
  directory.clear();
  for (const { principal, name } of items) directory.set(principal, name);
}

/**
 * A principal as people say it: "you", the directory's name ("Alice Doe"), or one made from the
 * principal — "Alice", "the finance group", "bob@example.com", "the bank agent" (the same rule as
 * the server's `displayName`, so that every channel names a person the same way).
 * @param {string | null | undefined} principal
 * @param {string} [me]
 */
export function person(principal, me) {
  if (!principal) return 'someone';
  if (me && principal === me) return 'you';
  const known = directory.get(principal);
  if (known) return known;
  const cut = principal.indexOf(':');
  const kind = cut < 0 ? '' : principal.slice(0, cut);
  const name = cut < 0 ? principal : principal.slice(cut + 1);
  if (kind === 'user') return titleCase(name) || name;
  if (kind === 'group') return `the ${name.replace(/[_-]+/g, ' ')} group`;
  if (kind === 'agent') return `the ${name} agent`;
  if (principal === 'system') return 'Heed';
  if (principal === '*') return 'anyone';
  return name;
}

/**
 * A list of principals: "Alice, Bob and the finance group".
 * @param {readonly string[]} principals
 * @param {string} [me]
 */
export function people(principals, me) {
  const names = [...new Set(principals.map((p) => person(p, me)))];
  if (names.length <= 1) return names[0] || 'anyone';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** @type {Record<string, string>} */
const CHANNELS = {
  inbox: 'the inbox',
  slack: 'Slack',
  teams: 'Microsoft Teams',
  email: 'email',
  link: 'an email link',
  api: 'the API',
  cli: 'the terminal',
  workflow: 'an agent',
  timer: 'the schedule',
  system: 'Heed',
  chat: 'the chat',
  mcp: 'an MCP client',
  webhook: 'a webhook',
  run: 'the agent run',
};
/**
 * The channel something came through: "Slack", "the inbox".
 * @param {string} via
 */
export function channel(via) {
  return CHANNELS[via] || sentence(via);
}

/**
 * "just now", "2 min ago", "3 h ago", "2 days ago", or a date.
 * @param {number} ms epoch milliseconds
 */
export function ago(ms) {
  const s = Math.round((Date.now() - ms) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  if (s < 7 * 86400) return `${Math.round(s / 86400)}${s < 1.5 * 86400 ? ' day ago' : ' days ago'}`;
  return new Date(ms).toLocaleDateString();
}

/**
 * "in 5 min", "in 8 h", "in 2 days", or "passed".
 * @param {number} ms epoch milliseconds
 */
export function until(ms) {
  const s = Math.round((ms - Date.now()) / 1000);
  if (s <= 0) return 'passed';
  if (s < 3600) return `in ${Math.ceil(s / 60)} min`;
  if (s < 86400) return `in ${Math.round(s / 3600)} h`;
  return `in ${Math.round(s / 86400)} days`;
}

/**
 * Whether `me` (or one of its groups) is among the people asked.
 * @param {Task} task
 * @param {readonly string[]} identities
 */
export function askedOf(task, identities) {
  return task.assignees.length === 0 || task.assignees.some((a) => identities.includes(a.principal));
}

/** Task types whose requester never answers them, unless the task allows it (four-eyes). */
const FOUR_EYES = ['approval', 'review', 'override'];
/**
 * Whether `identities` asked for this task and so may not answer it (four-eyes).
 * @param {Task} task
 * @param {readonly string[]} identities
 */
export function ownRequest(task, identities) {
  return (
    task.requester !== null &&
    identities.includes(task.requester) &&
    FOUR_EYES.includes(task.type) &&
    task.selfApproval !== 'allowed'
  );
}

/**
 * One line saying where a task stands: "waiting for you", "waiting for Bob",
 * "approved by Alice via Slack, 2 min ago", "expired 1 h ago: rejected automatically".
 * @param {Task} task
 * @param {string} me
 * @param {readonly string[]} [identities]
 */
export function standing(task, me, identities) {
  const r = task.result;
  if (task.status === 'pending') {
    const asked = task.assignees.map((a) => a.principal);
    const ids = identities || [me];
    const mine = askedOf(task, ids) && !ownRequest(task, ids);
    const got = task.responses.length;
    const quorum = task.quorum && task.quorum.approvals > 1 ? ` (${got} of ${task.quorum.approvals} approvals)` : '';
    // As its requester: who else decides (never "waiting for you" for what one may not answer).
    const others = ownRequest(task, ids) ? asked.filter((p) => !ids.includes(p)) : asked;
    return (mine ? 'waiting for you' : `waiting for ${people(others.length ? others : asked, me)}`) + quorum;
  }
  if (r && (r.by === 'system' || r.via === 'timeout')) {
    return `no answer in time, ${ago(task.deadline || r.at)}${r.outcome ? `: ${outcomeDone(r.outcome)} automatically` : ''}`;
  }
  if (task.status === 'resolved' && r) {
    return `${outcomeDone(r.outcome)} by ${person(r.by, me)}${r.via ? ` via ${channel(r.via)}` : ''}, ${ago(r.at)}`;
  }
  if (task.status === 'cancelled') {
    return `cancelled${r?.by && r.by !== 'system' ? ` by ${person(r.by, me)}` : ''}, ${ago(r?.at || task.updatedAt)}`;
  }
  return sentence(task.status);
}

/**
 * What an audit entry's `detail` may hold, as the history reads it.
 * @typedef {{ assignees?: string[], recipients?: string[], outbox?: boolean, reason?: string, added?: string[],
 *   stage?: number, name?: string, approvedBy?: string[], tool?: string,
 *   next?: { stage: number, name?: string, approvers?: string[] }, to?: string[] }} Detail
 */

/**
 * One history entry as a sentence: "Alice approved via Slack", "Sent to Bob in the inbox".
 * @param {AuditEntry} entry
 * @param {string} me
 */
export function historyLine(entry, me) {
  const who = person(entry.actor, me);
  const Who = who.charAt(0).toUpperCase() + who.slice(1);
  const d = /** @type {Detail} */ (entry.detail || {});
  switch (entry.action) {
    case 'created':
      return `Asked by ${entry.actor.startsWith('agent:') ? 'an agent' : who}${d.assignees?.length ? `, for ${people(d.assignees, me)}` : ''}`;
    case 'notified':
      // Without SMTP or a Slack token the notice waits in the local outbox: it was not sent.
      return d.outbox
        ? `Kept in the outbox for ${people(d.recipients || [], me)} (${channel(entry.via)} is not configured)`
        : `Sent to ${people(d.recipients || [], me)} via ${channel(entry.via)}`;
    case 'not-notified':
      return `Could not be sent via ${channel(entry.via)}${d.reason ? ` (${d.reason})` : ''}`;
    case 'reminded':
      return 'Reminder sent';
    case 'escalated':
      return `Escalated${d.added?.length ? ` to ${people(d.added, me)}` : ''}`;
    case 'responded':
      return `${Who} ${outcomeDone(entry.outcome)} via ${channel(entry.via)}`;
    case 'resolved':
      return `Decided: ${outcomeDone(entry.outcome)}`;
    case 'expired':
      return `Nobody answered in time${entry.outcome ? `: ${outcomeDone(entry.outcome)} automatically` : ''}`;
    case 'cancelled':
      return `Cancelled${entry.actor !== 'system' ? ` by ${who}` : ''}`;
    case 'refused':
      return `Refused an answer from ${who}${d.reason ? `: ${d.reason}` : ''}`;
    case 'stage-completed':
      return `Stage ${d.stage}${d.name ? ` (${d.name})` : ''} approved by ${people(d.approvedBy || [], me)}${d.next ? `; now stage ${d.next.stage}${d.next.name ? ` (${d.next.name})` : ''}, for ${people(d.next.approvers || [], me)}` : ''}`;
    case 'reassigned':
      return `Handed to ${people(d.to || [], me)} by ${who}${d.reason ? `: ${d.reason}` : ''}`;
    case 'delegated':
    case 'not-delegated': {
      const a = /** @type {{ from?: string, to?: string, until?: number, reason?: string }} */ (entry.detail || {});
      if (entry.action === 'not-delegated') {
        return `Kept for ${person(a.from, me)}, not handed to ${person(a.to, me)}${a.reason ? `: ${a.reason}` : ''}`;
      }
      const back = new Date(a.until || 0).toLocaleDateString(undefined, {
        weekday: 'long',
        month: 'short',
        day: 'numeric',
      });
      return `${sentence(person(a.from, me))} ${a.from === me ? 'are' : 'is'} away until ${back}: asked of ${person(a.to, me)} instead`;
    }
    case 'consumed':
      return `The approval was used${entry.actor !== 'system' ? ` by ${who}` : ''}${d.tool ? ` for ${d.tool}` : ''}`;
    default:
      return `${Who}: ${sentence(entry.action)}${entry.outcome ? ` (${outcomeDone(entry.outcome)})` : ''}`;
  }
}

/**
 * An agent's name: "banking" → "Banking agent", "support-bot" → "Support bot".
 * @param {string} workflow
 */
export function agentName(workflow) {
  const name = sentence(workflow);
  return /\b(agent|bot|assistant)$/i.test(name) ? name : `${name} agent`;
}

/**
 * Arguments as a short phrase: "to Bob, amount 500" (the first few; nested values as JSON).
 * @param {unknown} args
 */
export function argsPhrase(args) {
  if (!args || typeof args !== 'object') return '';
  const entries = Object.entries(args);
  const shown = entries.slice(0, 4).map(([key, value]) => `${sentence(key).toLowerCase()} ${plain(value)}`);
  return shown.join(', ') + (entries.length > 4 ? ', …' : '');
}

/**
 * What a waiting agent is waiting for, from the status it published (`agent`): "Wants to
 * transfer (to Bob, amount 500) and waits for an approval", "Asks: which account?". Without the
 * details (another person's agent) only what kind of answer it waits for.
 * @param {{ status?: unknown, tool?: unknown, args?: unknown, question?: unknown }} [status]
 */
export function agentWaiting(status) {
  const s = status || {};
  if (s.status === 'pending_approval') {
    return s.tool
      ? `Wants to ${sentence(s.tool).toLowerCase()}${argsPhrase(s.args) ? ` (${argsPhrase(s.args)})` : ''} and waits for an approval`
      : 'Waits for an approval';
  }
  if (s.status === 'pending_human') return s.question ? `Asks: ${plain(s.question)}` : 'Waits for an answer';
  if (s.status === 'working') return 'Working';
  if (s.status === 'denied') return `Was refused${s.tool ? ` to ${sentence(s.tool).toLowerCase()}` : ''}`;
  if (s.status === 'done') return 'Done';
  return 'Waits for a person';
}

/**
 * A value as a person reads it: text as is, numbers and booleans plainly, objects as JSON.
 * @param {unknown} value
 */
export function plain(value) {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
