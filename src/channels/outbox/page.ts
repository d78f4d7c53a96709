import { escapeHtml } from '../../text/escape-html.ts';
import type { OutboxRecord } from '../../store/delivery-store.ts';
import { type Block, blocksToHtml } from '../slack/blocks.ts';

interface EmailMessage {
  kind: 'email';
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  messageId: string;
  inReplyTo: string | null;
}

interface SlackMessage {
  kind: 'slack';
  to: string;
  text: string;
  blocks: Block[];
  threadOf: string | null;
  closed?: string;
}

const STYLE = `
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;background:#eef0f3;color:#1d2330}
header{background:#1d2330;color:#fff;padding:14px 16px}
header h1{font-size:18px;margin:0} header p{margin:4px 0 0;color:#c5cad3;font-size:13px}
header a{color:#9fc1ff}
main{max-width:680px;margin:0 auto;padding:12px 8px 40px}
.msg{background:#fff;border-radius:10px;margin:0 0 16px;box-shadow:0 1px 3px #0002;overflow:hidden}
.meta{padding:10px 14px;border-bottom:1px solid #e3e6ea;font-size:13px;color:#4b5563;background:#fafbfc}
.meta b{color:#1d2330} .meta .tag{display:inline-block;padding:1px 8px;border-radius:10px;font-weight:600;font-size:12px;margin-right:6px}
.tag.email{background:#e6efff;color:#1a4fb8} .tag.slack{background:#f3e8ff;color:#5b2a86}
.mail{background:#f6f7f9}
.slack{padding:12px 14px 14px;font:15px/1.46 -apple-system,'Segoe UI',Lato,sans-serif;color:#1d1c1d}
.slack .who{display:flex;gap:8px;align-items:center;margin-bottom:6px}
.slack .avatar{width:32px;height:32px;border-radius:6px;background:#2457d6;color:#fff;font-weight:700;display:flex;align-items:center;justify-content:center}
.slack .app{font-size:11px;background:#e8e8e8;border-radius:3px;padding:0 4px;color:#555}
.sk-header{font-weight:800;font-size:18px;margin:4px 0}
.sk-section{margin:6px 0;overflow-wrap:anywhere} .sk-fields{display:grid;grid-template-columns:1fr 1fr;gap:6px 16px;margin-top:4px}
.sk-context{font-size:12px;color:#616061;margin:2px 0}
.sk-pre{background:#f8f8f8;border:1px solid #ddd;border-radius:4px;padding:8px;margin:4px 0;white-space:pre-wrap;font:12px/1.45 Monaco,Menlo,Consolas,monospace}
.sk-code{background:#f3f3f3;border:1px solid #ddd;border-radius:3px;padding:0 3px;color:#c01343;font:12px Monaco,Menlo,monospace}
.sk-actions{display:flex;flex-wrap:wrap;gap:8px;margin-top:10px}
.sk-button{display:inline-block;padding:6px 14px;border:1px solid #bbb;border-radius:6px;color:#1d1c1d;text-decoration:none;font-weight:700;font-size:14px;background:#fff}
.sk-button.primary{background:#007a5a;border-color:#007a5a;color:#fff} .sk-button.danger{background:#fff;border-color:#e01e5a;color:#e01e5a}
.thread{font-size:12px;color:#1264a3;margin-bottom:4px}
.empty{background:#fff;border-radius:10px;padding:24px;text-align:center;color:#4b5563}
`;

/** The body of an email's HTML document (its styles are inline, so it renders the same inside a page). */
function mailBody(html: string): string {
  return /<body[^>]*>([\s\S]*)<\/body>/i.exec(html)?.[1] ?? html;
}

function card(record: OutboxRecord): string {
  const message = JSON.parse(record.message) as EmailMessage | SlackMessage;
  const when = new Date(record.createdAt).toISOString().replace('T', ' ').slice(0, 19);
  if (message.kind === 'email') {
    return `<article class="msg" data-kind="email" data-task="${escapeHtml(record.taskId)}">
<div class="meta"><span class="tag email">Email</span><b>${escapeHtml(message.subject)}</b><br>
From ${escapeHtml(message.from)} to <b>${escapeHtml(message.to)}</b> · ${when} UTC${message.inReplyTo ? ' · reply in the thread of the first mail' : ''}</div>
<div class="mail">${mailBody(message.html)}</div></article>`;
  }
  const to = message.to.startsWith('C') ? `#${message.to}` : `DM ${message.to}`;
  return `<article class="msg" data-kind="slack" data-task="${escapeHtml(record.taskId)}"${message.closed ? ' data-closed="true"' : ''}>
<div class="meta"><span class="tag slack">Slack</span>${escapeHtml(to)} · ${when} UTC</div>
<div class="slack">${message.threadOf ? '<div class="thread">↳ reply in the thread</div>' : ''}
<div class="who"><div class="avatar">H</div><b>Heed</b> <span class="app">APP</span></div>
${blocksToHtml(message.blocks)}</div></article>`;
}

/** What the outbox says it holds, given which channels are offline. */
function outboxNote(offline: { email: boolean; slack: boolean }): string {
  return offline.email || offline.slack
    ? `${[offline.email ? 'email (no SMTP configured)' : '', offline.slack ? 'Slack (no token configured)' : ''].filter(Boolean).join(' and ')} go here instead of being sent.`
    : 'Email and Slack are configured: notices are sent, not kept here.';
}

/** The notices, newest first, as the page shows them (HTML). */
export function outboxNotices(records: OutboxRecord[]): string {
  return records.length === 0
    ? '<div class="empty">No notices yet. Create a task with assignees and it shows up here.</div>'
    : records.map(card).join('\n');
}

function page(offline: { email: boolean; slack: boolean }, main: string, script = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Outbox · Heed</title>
<style>${STYLE}</style></head><body>
<header><h1>Outbox</h1><p>What each person would receive. Notices by ${escapeHtml(outboxNote(offline))} <a href="/">Inbox</a></p></header>
<main id="outbox">${main}</main>${script}
</body></html>`;
}

/**
 * The local outbox (`/outbox`): every notice Heed would have sent with no SMTP or Slack
 * configured, newest first, each email as the recipient would see it and each Slack message
 * rendered from its blocks. Buttons and links go through the same signed one-click links.
 */
export function outboxPage(records: OutboxRecord[], offline: { email: boolean; slack: boolean }): string {
  return page(offline, outboxNotices(records));
}

/**
 * The outbox page when API keys are configured: it shows everyone's notices, so only to admins.
 * The page itself holds no notice; its script (`/inbox/outbox.js`) asks `GET /v1/outbox` with the API
 * key the inbox's sign-in keeps in this browser, and shows what the server lets that key see.
 */
export function outboxShell(offline: { email: boolean; slack: boolean }): string {
  return page(
    offline,
    '<div class="empty" id="outbox-status">Loading…</div>',
    '<script type="module" src="/inbox/outbox.js"></script>',
  );
}
