import { HeedError, InvalidResponseError } from '../../errors.ts';
import type { ResponseInput, Task } from '../../human/types.ts';
import type { Channels } from '../channels.ts';
import { ANSWER_ACTION, MODAL_CALLBACK, modalView } from './blocks.ts';
import { verifySlackSignature } from './signature.ts';

/** What to answer Slack: a status and, for modals, a JSON body (`response_action`). */
export interface InteractionReply {
  status: 200 | 400 | 401 | 404;
  body: Record<string, unknown> | null;
}

interface SlackPayload {
  type?: string;
  user?: { id?: string };
  trigger_id?: string;
  channel?: { id?: string };
  container?: { channel_id?: string; message_ts?: string };
  message?: { ts?: string };
  actions?: { action_id?: string; value?: string }[];
  view?: {
    callback_id?: string;
    private_metadata?: string;
    state?: { values?: Record<string, Record<string, { value?: string | null }>> };
  };
}

const ok: InteractionReply = { status: 200, body: null };

/**
 * Handles Slack's interactivity request (`POST /v1/channels/slack/interactions`): verifies the
 * signature over the raw body (refused: 401, nothing done), maps the Slack user to a principal
 * through `people` (an unknown user is refused and the attempt audited), then either answers the
 * task at once (a button), opens a modal (a reason, a form, edited arguments), or answers from the
 * modal's submission. Slack wants an answer within 3 s: an answer is one store write; the other
 * copies are closed afterwards by the durable closing run, not in this request; opening a modal
 * gives up after 2 s (the person is then told, in an ephemeral message, where else to answer).
 */
export async function slackInteraction(
  channels: Channels,
  rawBody: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
): Promise<InteractionReply> {
  const secret = channels.config.slack?.signingSecret;
  if (!secret) return { status: 404, body: { error: 'Slack is not configured (slack.signingSecret)' } };
  const refusal = verifySlackSignature(secret, headers, rawBody, Date.now());
  if (refusal) return { status: 401, body: { error: `Slack signature ${refusal}` } };
  let payload: SlackPayload;
  try {
    payload = JSON.parse(new URLSearchParams(rawBody).get('payload') ?? '') as SlackPayload;
  } catch {
    return { status: 400, body: { error: 'No interaction payload' } };
  }
  const user = payload.user?.id ?? '';
  const principal = channels.people.principalOfSlackUser(user);
  if (payload.type === 'block_actions') return blockAction(channels, payload, user, principal);
  if (payload.type === 'view_submission' && payload.view?.callback_id === MODAL_CALLBACK) {
    return viewSubmission(channels, payload, user, principal);
  }
  return ok;
}

async function blockAction(
  channels: Channels,
  payload: SlackPayload,
  user: string,
  principal: string | undefined,
): Promise<InteractionReply> {
  const action = payload.actions?.[0];
  if (!action?.action_id?.startsWith(`${ANSWER_ACTION}:`)) return ok; // e.g. the "Open in inbox" link
  let target: { taskId: string; outcome: string };
  try {
    target = JSON.parse(action.value ?? '') as { taskId: string; outcome: string };
  } catch {
    return { status: 400, body: { error: 'Bad button value' } };
  }
  const channel = payload.channel?.id ?? payload.container?.channel_id ?? '';
  const heed = channels.heed;
  if (!principal) {
    await heed.tasks.recordRefusal(target.taskId, {
      actor: `slack:${user.slice(0, 40)}`,
      via: 'slack',
      outcome: target.outcome,
      reason: 'unknown Slack user',
    });
    tell(channels, channel, user, 'Heed does not know your Slack account, so it cannot take your answer.');
    return ok;
  }
  const task = await heed.tasks.get(target.taskId);
  if (!task) return ok;
  if (needsModal(task, target.outcome) && task.status === 'pending' && payload.trigger_id) {
    const address = { kind: 'slack-user' as const, principal, user };
    const view = modalView(channels.notice(task, 'created', address, false), task, target.outcome, {
      channel,
      ts: payload.container?.message_ts ?? payload.message?.ts ?? '',
    });
    try {
      await channels.slack?.openModal(payload.trigger_id, view);
    } catch {
      // Slack is answered in time all the same; the person is told where else to answer.
      const inbox = channels.notice(task, 'created', address, false).inboxUrl;
      tell(
        channels,
        channel,
        user,
        `Slack could not open the form in time. Try again, or answer in the inbox: ${inbox}`,
      );
    }
    return ok;
  }
  try {
    await heed.tasks.respond(target.taskId, { outcome: target.outcome }, { principal, via: 'slack' });
  } catch (error) {
    if (!(error instanceof HeedError)) throw error;
    tell(channels, channel, user, error.message);
  }
  return ok;
}

async function viewSubmission(
  channels: Channels,
  payload: SlackPayload,
  user: string,
  principal: string | undefined,
): Promise<InteractionReply> {
  const values = payload.view?.state?.values ?? {};
  const value = (block: string) => values[block]?.value?.value ?? null;
  let meta: { taskId: string; outcome: string };
  try {
    meta = JSON.parse(payload.view?.private_metadata ?? '') as { taskId: string; outcome: string };
  } catch {
    return { status: 400, body: { error: 'Bad modal metadata' } };
  }
  if (!principal) {
    await channels.heed.tasks.recordRefusal(meta.taskId, {
      actor: `slack:${user.slice(0, 40)}`,
      via: 'slack',
      outcome: meta.outcome,
      reason: 'unknown Slack user',
    });
    return errors('comment', 'Heed does not know your Slack account, so it cannot take your answer.');
  }
  const task = await channels.heed.tasks.get(meta.taskId);
  if (!task) return errors('comment', 'This task no longer exists.');
  const input: ResponseInput = { outcome: meta.outcome };
  const comment = value('comment')?.trim();
  if (comment) input.comment = comment;
  const argsText = value('args');
  if (argsText !== null && task.allowEdit) {
    try {
      input.args = JSON.parse(argsText) as Record<string, unknown>;
    } catch {
      return errors('args', 'This is not valid JSON.');
    }
  }
  if (task.form) input.data = formData(task.form, value);
  try {
    await channels.heed.tasks.respond(meta.taskId, input, { principal, via: 'slack' });
  } catch (error) {
    if (!(error instanceof HeedError)) throw error;
    const issue = error instanceof InvalidResponseError ? error.issues[0] : undefined;
    const block = issue?.path.startsWith('args')
      ? 'args'
      : issue && task.form && `field:${issue.path.split('.')[0]}` in values
        ? `field:${issue.path.split('.')[0]}`
        : 'comment';
    return errors(block, issue ? `${issue.path}: ${issue.message}` : error.message);
  }
  return { status: 200, body: { response_action: 'clear' } };
}

function needsModal(task: Task, outcome: string): boolean {
  return task.requireComment.includes(outcome) || task.form !== null || task.allowEdit;
}

/** The modal's fields as form data, typed by the form's JSON Schema (text, numbers, booleans). */
function formData(form: Record<string, unknown>, value: (block: string) => string | null): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  const properties = (form.properties ?? {}) as Record<string, { type?: string }>;
  for (const [name, field] of Object.entries(properties)) {
    const text = value(`field:${name}`);
    if (text === null || text === '') continue;
    if (field.type === 'number' || field.type === 'integer') data[name] = Number(text);
    else if (field.type === 'boolean') data[name] = /^(true|yes|y|1)$/i.test(text.trim());
    else data[name] = text;
  }
  return data;
}

function errors(block: string, message: string): InteractionReply {
  return { status: 200, body: { response_action: 'errors', errors: { [block]: message.slice(0, 300) } } };
}

/** An ephemeral note to the user; best effort, after the acknowledgement (not awaited). */
function tell(channels: Channels, channel: string, user: string, text: string): void {
  if (!channels.slack || !channel) return;
  channels.slack.ephemeral(channel, user, text).catch(() => {});
}
