import type { NoticeContent } from '../notice.ts';

/** An Adaptive Card element or action (the subset Heed writes). */
export type CardElement = Record<string, unknown>;

/** An Adaptive Card (schema 1.4: the first with `Action.Execute`, Teams' Universal Actions). */
export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: string;
  body: CardElement[];
  actions?: CardElement[];
}

/** The verb of Heed's answer buttons; their `data` is `{taskId, outcome}`. */
export const ANSWER_VERB = 'heed.answer';

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

const text = (value: string, more: CardElement = {}): CardElement => ({
  type: 'TextBlock',
  text: value,
  wrap: true,
  ...more,
});

/** Monospace, for arguments and context (JSON). */
const code = (value: string): CardElement => text(clip(value, 2800), { fontType: 'Monospace', size: 'Small' });

/** The content (title, who asks, what will happen, context, deadline, who else, stage), shared by open and closed cards. */
function content(notice: NoticeContent): CardElement[] {
  const body: CardElement[] = [text(clip(notice.title, 300), { size: 'Large', weight: 'Bolder' })];
  if (notice.requester) body.push(text(`Asked by **${notice.requester}**`, { isSubtle: true, spacing: 'None' }));
  if (notice.description) body.push(text(clip(notice.description, 2900)));
  if (notice.action) {
    body.push(text(`**What will happen:** \`${notice.action.tool}\` with`), code(notice.action.args));
  }
  if (notice.context) body.push(text('**Context**'), code(notice.context));
  const facts = [
    { title: 'Deadline', value: notice.deadline ?? 'none' },
    { title: 'Also asked', value: notice.others.join(', ') || 'nobody else' },
    ...(notice.stage ? [{ title: 'Stage', value: clip(notice.stage, 1000) }] : []),
  ];
  body.push({ type: 'FactSet', facts });
  return body;
}

function card(body: CardElement[], actions?: CardElement[]): AdaptiveCard {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.4',
    body,
    ...(actions ? { actions } : {}),
  };
}

/** The id of the card's comment field: Teams sends its value in the action's data. */
export const COMMENT_INPUT = 'heed.comment';

/**
 * The open card: the content, a comment field, then one `Action.Execute` button per outcome (verb
 * `heed.answer`, data `{taskId, outcome}` and the comment), the same buttons as the Slack notice.
 * The field says which outcomes need a reason (Slack asks it in a modal). A task with a form or
 * editable arguments is answered in the inbox: its buttons open the task there (`Action.OpenUrl`,
 * label with "…"), as does the last button.
 */
export function openCard(notice: NoticeContent): AdaptiveCard {
  const needReason = notice.choices.filter((c) => c.needsComment).map((c) => c.label);
  const input: CardElement[] = notice.needsInbox
    ? []
    : [
        {
          type: 'Input.Text',
          id: COMMENT_INPUT,
          isMultiline: true,
          maxLength: 2000,
          label:
            needReason.length > 0
              ? `Comment (a reason is needed to ${needReason.join(', ').toLowerCase()})`
              : 'Comment',
          placeholder: 'Optional unless said above',
        },
      ];
  const actions: CardElement[] = notice.choices.map((choice) =>
    notice.needsInbox
      ? { type: 'Action.OpenUrl', title: `${choice.label}…`, url: notice.inboxUrl }
      : {
          type: 'Action.Execute',
          title: choice.label,
          verb: ANSWER_VERB,
          data: { taskId: notice.taskId, outcome: choice.outcome },
          ...(choice.style === 'primary'
            ? { style: 'positive' }
            : choice.style === 'danger'
              ? { style: 'destructive' }
              : {}),
        },
  );
  actions.push({ type: 'Action.OpenUrl', title: 'Open in inbox', url: notice.inboxUrl });
  return card(
    [text(`Heed · ${notice.lead}`, { size: 'Small', isSubtle: true }), ...content(notice), ...input],
    actions,
  );
}

/**
 * The card once the task ended: the same content, the outcome, who and via which channel; no
 * buttons. A negative ending is marked with a cross, a success with a check mark.
 */
export function closedCard(notice: NoticeContent, ended: string, negative = false): AdaptiveCard {
  return card([
    text('Heed · decided', { size: 'Small', isSubtle: true }),
    ...content(notice),
    text(`${negative ? '❌' : '✅'} **${ended}**`, { color: negative ? 'Attention' : 'Good' }),
  ]);
}
