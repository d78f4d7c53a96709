import { escapeHtml } from '../../text/escape-html.ts';
import { markdownMrkdwn, mrkdwnEscape } from '../../text/markdown.ts';
import type { NoticeContent } from '../notice.ts';

/** A Block Kit block (the subset Heed writes). */
export type Block = Record<string, unknown>;

/** Action ids of Heed's buttons: `heed:answer` (value: the outcome) and `heed:more` (opens the modal). */
export const ANSWER_ACTION = 'heed:answer';
export const MODAL_CALLBACK = 'heed:respond';

/** Slack mrkdwn escaping (&, <, >). */
export const mrkdwn = mrkdwnEscape;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The content blocks (title, what will happen, context, deadline, who else), shared by open and closed copies. */
function contentBlocks(notice: NoticeContent): Block[] {
  const blocks: Block[] = [
    { type: 'context', elements: [{ type: 'mrkdwn', text: `*Heed* · ${mrkdwn(notice.lead)}` }] },
    { type: 'header', text: { type: 'plain_text', text: clip(notice.title, 150), emoji: false } },
  ];
  if (notice.requester) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Asked by *${mrkdwn(notice.requester)}*` }] });
  }
  if (notice.description) blocks.push(section(clip(markdownMrkdwn(notice.description), 2900)));
  if (notice.action) {
    blocks.push(
      section(
        `*What will happen:* \`${mrkdwn(notice.action.tool)}\` with\n\`\`\`${clip(mrkdwn(notice.action.args), 2800)}\`\`\``,
      ),
    );
  }
  if (notice.context) blocks.push(section(`*Context*\n\`\`\`${clip(mrkdwn(notice.context), 2800)}\`\`\``));
  blocks.push({
    type: 'section',
    fields: [
      { type: 'mrkdwn', text: `*Deadline*\n${mrkdwn(notice.deadline ?? 'none')}` },
      { type: 'mrkdwn', text: `*Also asked*\n${mrkdwn(notice.others.join(', ') || 'nobody else')}` },
    ],
  });
  if (notice.stage) blocks.push(section(`*Stage*\n${clip(mrkdwn(notice.stage), 2900)}`));
  return blocks;
}

function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

/**
 * The open message: the content and one button per outcome. An outcome that needs a reason, a
 * form or edited arguments opens a modal; the others answer at once. `url` buttons (the offline
 * outbox) carry the signed link instead.
 */
export function openBlocks(notice: NoticeContent, options: { links?: boolean } = {}): Block[] {
  const elements = notice.choices.map((choice) => ({
    type: 'button',
    action_id: `${ANSWER_ACTION}:${choice.outcome}`,
    text: { type: 'plain_text', text: `${choice.label}${choice.needsComment || notice.needsInbox ? '…' : ''}` },
    value: JSON.stringify({ taskId: notice.taskId, outcome: choice.outcome }),
    ...(choice.style === 'default' ? {} : { style: choice.style }),
    ...(options.links ? { url: choice.url ?? notice.inboxUrl } : {}),
  }));
  elements.push({
    type: 'button',
    action_id: 'heed:open',
    text: { type: 'plain_text', text: 'Open in inbox' },
    value: notice.taskId,
    url: notice.inboxUrl,
  });
  return [...contentBlocks(notice), { type: 'actions', block_id: `heed:${notice.taskId}`, elements }];
}

/**
 * The copy once the task ended: the same content, the outcome, who and via which channel; no
 * buttons. A negative ending (rejected, denied, failed, sent back, expired, cancelled) is marked
 * with a cross, never with the check mark of a success.
 */
export function closedBlocks(notice: NoticeContent, ended: string, negative = false): Block[] {
  // The lead ("Heed · Your decision is needed") becomes "Heed · decided".
  const [, ...content] = contentBlocks(notice);
  return [
    { type: 'context', elements: [{ type: 'mrkdwn', text: '*Heed* · decided' }] },
    ...content,
    section(`${negative ? ':x:' : ':white_check_mark:'} *${mrkdwn(ended)}*`),
  ];
}

/** The modal for an answer that needs more: a reason, the form's fields, or the editable arguments. */
export function modalView(
  notice: NoticeContent,
  task: { form: Record<string, unknown> | null; allowEdit: boolean; action: { args: Record<string, unknown> } | null },
  outcome: string,
  meta: { channel: string; ts: string },
): Record<string, unknown> {
  const choice = notice.choices.find((c) => c.outcome === outcome);
  const blocks: Block[] = [section(`*${mrkdwn(notice.title)}*\nYour answer: *${mrkdwn(choice?.label ?? outcome)}*`)];
  const properties = (task.form?.properties ?? {}) as Record<string, { title?: string; description?: string }>;
  const required = new Set((task.form?.required as string[] | undefined) ?? []);
  for (const [name, field] of Object.entries(properties).slice(0, 20)) {
    blocks.push({
      type: 'input',
      block_id: `field:${name}`,
      optional: !required.has(name),
      label: { type: 'plain_text', text: clip(field.title ?? name, 150) },
      ...(field.description ? { hint: { type: 'plain_text', text: clip(field.description, 150) } } : {}),
      element: { type: 'plain_text_input', action_id: 'value' },
    });
  }
  if (task.allowEdit && task.action) {
    blocks.push({
      type: 'input',
      block_id: 'args',
      optional: true,
      label: { type: 'plain_text', text: 'Arguments (JSON, edit to change)' },
      element: {
        type: 'plain_text_input',
        action_id: 'value',
        multiline: true,
        initial_value: JSON.stringify(task.action.args, null, 2),
      },
    });
  }
  blocks.push({
    type: 'input',
    block_id: 'comment',
    optional: !choice?.needsComment,
    label: { type: 'plain_text', text: choice?.needsComment ? 'Reason' : 'Comment' },
    element: { type: 'plain_text_input', action_id: 'value', multiline: true },
  });
  return {
    type: 'modal',
    callback_id: MODAL_CALLBACK,
    private_metadata: JSON.stringify({ taskId: notice.taskId, outcome, ...meta }),
    title: { type: 'plain_text', text: 'Heed' },
    submit: { type: 'plain_text', text: clip(choice?.label ?? 'Submit', 24) },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks,
  };
}

/**
 * Renders blocks as HTML the way Slack shows them (the offline outbox): headers, sections with
 * mrkdwn (bold, code, code blocks), fields, context and buttons (links).
 */
export function blocksToHtml(blocks: Block[]): string {
  return blocks.map(blockHtml).join('\n');
}

function mrkdwnHtml(text: string): string {
  // Slack mrkdwn arrives escaped (&amp; &lt; &gt;): decode, then escape for HTML once.
  const plain = text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return escapeHtml(plain)
    .replace(/```([\s\S]*?)```/g, (_, code: string) => `<pre class="sk-pre">${code}</pre>`)
    .replace(/`([^`\n]+)`/g, '<code class="sk-code">$1</code>')
    .replace(/&lt;((?:https?|mailto):[^|\s]+?)\|([^&]*?)&gt;/g, '<a href="$1" target="_top">$2</a>')
    .replace(/(^|[\s(>])\*([^*\n]+)\*/g, '$1<b>$2</b>')
    .replace(/(^|[\s(>])_([^_\n]+)_/g, '$1<i>$2</i>')
    .replace(/(^|[\s(>])~([^~\n]+)~/g, '$1<s>$2</s>')
    .replace(/:white_check_mark:/g, '✅')
    .replace(/:x:/g, '❌')
    .replace(/\n/g, '<br>');
}

function blockHtml(block: Block): string {
  const text = (block.text as { text?: string } | undefined)?.text ?? '';
  switch (block.type) {
    case 'header':
      return `<div class="sk-header">${escapeHtml(text)}</div>`;
    case 'section': {
      const fields = (block.fields as { text: string }[] | undefined) ?? [];
      return `<div class="sk-section">${text ? mrkdwnHtml(text) : ''}${fields.length > 0 ? `<div class="sk-fields">${fields.map((f) => `<div>${mrkdwnHtml(f.text)}</div>`).join('')}</div>` : ''}</div>`;
    }
    case 'context':
      return `<div class="sk-context">${((block.elements as { text: string }[]) ?? []).map((e) => mrkdwnHtml(e.text)).join(' ')}</div>`;
    case 'actions':
      return `<div class="sk-actions">${(
        (block.elements as { text: { text: string }; url?: string; style?: string }[]) ?? []
      )
        .map(
          (e) =>
            `<a class="sk-button ${e.style ?? ''}" href="${escapeHtml(e.url ?? '#')}" target="_top">${escapeHtml(e.text.text)}</a>`,
        )
        .join('')}</div>`;
    case 'divider':
      return '<hr>';
    default:
      return '';
  }
}
