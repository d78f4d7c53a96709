import { escapeHtml } from '../../text/escape-html.ts';
import { markdownHtml, markdownText } from '../../text/markdown.ts';
import type { NoticeContent } from '../notice.ts';

/** A rendered email: subject, HTML (inline styles, no remote assets) and plain text. */
export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const BUTTON: Record<string, string> = {
  primary: 'background:#1a7f37;color:#ffffff;',
  danger: 'background:#cf222e;color:#ffffff;',
  default: 'background:#eef1f5;color:#1d2330;',
};

const pre = (text: string) =>
  `<pre style="margin:0;padding:12px;background:#f3f5f8;border-radius:6px;font:13px/1.45 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-word;">${escapeHtml(text)}</pre>`;

/** The description's Markdown as HTML, with the spacing mail clients otherwise drop or double. */
const description = (markdown: string) =>
  `<div style="margin:0 0 8px;">${markdownHtml(markdown)
    .replace(/<p>/g, '<p style="margin:0 0 8px;">')
    .replace(/<(ul|ol)>/g, '<$1 style="margin:0 0 8px;padding-left:22px;">')
    .replace(
      /<pre>/g,
      '<pre style="margin:0 0 8px;padding:10px;background:#f3f5f8;border-radius:6px;white-space:pre-wrap;">',
    )
    .replace(/<a href=/g, '<a style="color:#2457d6;" href=')}</div>`;

const label = (text: string) =>
  `<div style="margin:18px 0 6px;font-size:12px;letter-spacing:.04em;text-transform:uppercase;color:#5b6472;">${escapeHtml(text)}</div>`;

/**
 * The email for a notice: one button per outcome (a signed link whose page confirms before
 * anything changes), or a link to the inbox page where a form, a reason or edits are needed.
 * Table layout and inline styles so that mail clients (and phones) show it as designed.
 */
export function renderEmail(notice: NoticeContent): RenderedEmail {
  const prefix = {
    created: '',
    reminder: 'Reminder: ',
    escalated: 'Escalated: ',
    stage: 'Your turn: ',
    reassigned: 'Handed to you: ',
  }[notice.kind];
  const subject = `${prefix}${notice.title}`;
  const buttons = notice.choices
    .filter((c) => c.url !== null)
    .map(
      (c) =>
        `<a href="${escapeHtml(c.url)}" style="display:inline-block;margin:0 8px 8px 0;padding:12px 20px;border-radius:8px;font-weight:600;font-size:16px;text-decoration:none;${BUTTON[c.style]}">${escapeHtml(c.label)}${c.needsComment ? ' …' : ''}</a>`,
    )
    .join('');
  const inboxLink = `<a href="${escapeHtml(notice.inboxUrl)}" style="color:#2457d6;">${notice.needsInbox ? 'Open in the inbox to answer' : 'Open in the inbox'}</a>`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(notice.title)}</title></head>
<body style="margin:0;padding:0;background:#f6f7f9;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f6f7f9;"><tr><td align="center" style="padding:16px 8px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:12px;border:1px solid #e3e6ea;">
<tr><td style="padding:20px 20px 8px;font:15px/1.5 -apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1d2330;">
<div style="font-size:13px;font-weight:600;color:#2457d6;">Heed · ${escapeHtml(notice.lead)}</div>
<h1 style="margin:6px 0 12px;font-size:21px;line-height:1.3;">${escapeHtml(notice.title)}</h1>
${notice.requester ? `<div style="margin:-4px 0 12px;font-size:14px;color:#5b6472;">Asked by <strong style="color:#1d2330;">${escapeHtml(notice.requester)}</strong></div>` : ''}
${notice.description ? description(notice.description) : ''}
${notice.action ? `${label('What will happen')}<div style="margin-bottom:6px;"><code style="font:600 14px ui-monospace,Menlo,Consolas,monospace;">${escapeHtml(notice.action.tool)}</code> with</div>${pre(notice.action.args)}` : ''}
${notice.context ? `${label('Context')}${pre(notice.context)}` : ''}
${label('Details')}
<table role="presentation" cellpadding="0" cellspacing="0" style="font-size:14px;">
${notice.deadline ? `<tr><td style="padding:2px 12px 2px 0;color:#5b6472;">Deadline</td><td>${escapeHtml(notice.deadline)}</td></tr>` : ''}
${notice.stage ? `<tr><td style="padding:2px 12px 2px 0;color:#5b6472;vertical-align:top;">Stage</td><td>${escapeHtml(notice.stage)}</td></tr>` : ''}
<tr><td style="padding:2px 12px 2px 0;color:#5b6472;vertical-align:top;">Also asked</td><td>${notice.others.length > 0 ? escapeHtml(notice.others.join(', ')) : 'nobody else'}</td></tr>
</table>
<div style="margin:20px 0 4px;">${buttons}</div>
<p style="margin:8px 0 16px;font-size:14px;">${inboxLink}</p>
</td></tr>
<tr><td style="padding:12px 20px 18px;border-top:1px solid #e3e6ea;font:12px/1.5 -apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#5b6472;">
Sent by Heed to ${escapeHtml(notice.to)}. Each button opens a page that asks you to confirm; nothing changes until you do. The links are yours alone: do not forward this mail.
</td></tr></table></td></tr></table></body></html>`;
  const lines = [
    `Heed · ${notice.lead}`,
    '',
    notice.title,
    '='.repeat(Math.min(notice.title.length, 72)),
    ...(notice.requester ? [`Asked by ${notice.requester}`] : []),
    ...(notice.description ? ['', markdownText(notice.description)] : []),
    ...(notice.action ? ['', `What will happen: ${notice.action.tool} with`, notice.action.args] : []),
    ...(notice.context ? ['', 'Context:', notice.context] : []),
    '',
    ...(notice.deadline ? [`Deadline: ${notice.deadline}`] : []),
    ...(notice.stage ? [`Stage: ${notice.stage}`] : []),
    `Also asked: ${notice.others.length > 0 ? notice.others.join(', ') : 'nobody else'}`,
    '',
    ...notice.choices
      .filter((c) => c.url !== null)
      .map((c) => `${c.label}${c.needsComment ? ' (with a reason)' : ''}: ${c.url}`),
    `${notice.needsInbox ? 'Answer in the inbox' : 'Inbox'}: ${notice.inboxUrl}`,
    '',
    '-- ',
    `Sent by Heed to ${notice.to}. Each link asks you to confirm before anything changes.`,
  ];
  return { subject, html, text: `${lines.join('\n')}\n` };
}
