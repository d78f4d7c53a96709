import type { Authorization } from '../../authorization/authorization.ts';
import { RefusalGuard } from '../../authorization/refusal-guard.ts';
import { HeedError, InvalidResponseError, TaskNotFoundError } from '../../errors.ts';
import { refusalAudited } from '../../human/responses.ts';
import type { ResponseInput, Task } from '../../human/types.ts';
import type { Channels } from '../channels.ts';
import { ANSWER_ACTION, MODAL_CALLBACK, modalView } from './blocks.ts';
import { verifySlackSignature } from './signature.ts';

/** What to answer Slack: a status and, for modals, a JSON body (`response_action`). */
export interface InteractionReply {
  status: 200 | 400 | 401 | 404;
  body: Record<string, unknown> | null;
}

/**
 * What answering from Slack needs besides the channels: the one authorization module (every
 * channel answers through it) and the guard that counts and limits unknown Slack users.
 */
export interface SlackAnswering {
  authorization: Authorization;
  /** Refusals of Slack users not in `people`, per Slack team and user. */
  unknownUsers: RefusalGuard<'unknown'>;
}

/** A guard for unknown Slack users: 20 refused presses per user in 10 minutes, then silence. */
export function unknownSlackUsers(): RefusalGuard<'unknown'> {
  return new RefusalGuard(['unknown']);
}

interface SlackPayload {
  type?: string;
  user?: { id?: string; team_id?: string };
  team?: { id?: string };
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
 * through `people`, then either answers the task at once (a button), opens a modal (a reason, a
 * form, edited arguments; only for a person who may answer), or answers from the modal's
 * submission; answers go through `Authorization.answer`, like every channel's. An unknown Slack
 * user is refused, counted and limited per user (past the limit nothing is recorded or said), and
 * audited once per task. Slack wants an answer within 3 s: an answer is one store write; the other
 * copies are closed afterwards by the durable closing run, not in this request; opening a modal
 * gives up after 2 s (the person is then told, in an ephemeral message, where else to answer).
 */
export async function slackInteraction(
  channels: Channels,
  rawBody: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  answering: SlackAnswering,
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
  if (payload.type === 'block_actions') return blockAction(channels, answering, payload, user, principal);
  if (payload.type === 'view_submission' && payload.view?.callback_id === MODAL_CALLBACK) {
    return viewSubmission(channels, answering, payload, user, principal);
  }
  return ok;
}

async function blockAction(
  channels: Channels,
  answering: SlackAnswering,
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
    if (await refuseUnknown(channels, answering.unknownUsers, payload, user, target)) {
      tell(channels, channel, user, UNKNOWN_USER);
    }
    return ok;
  }
  const { authorization } = answering;
  const caller = await authorization.caller(principal);
  const task = await heed.tasks.get(target.taskId);
  if (!task) return ok;
  if (needsModal(task, target.outcome) && task.status === 'pending' && payload.trigger_id) {
    // No form for someone who may not answer (decided as the answer will be; nothing written).
    try {
      authorization.requireAnswer(caller, task, task.id);
    } catch (error) {
      if (!(error instanceof HeedError)) throw error;
      tell(channels, channel, user, refusalText(error));
      return ok;
    }
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
    await authorization.answer(heed.tasks, caller, target.taskId, { outcome: target.outcome }, 'slack');
  } catch (error) {
    if (!(error instanceof HeedError)) throw error;
    tell(channels, channel, user, refusalText(error));
  }
  return ok;
}

async function viewSubmission(
  channels: Channels,
  answering: SlackAnswering,
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
    await refuseUnknown(channels, answering.unknownUsers, payload, user, meta);
    return errors('comment', UNKNOWN_USER);
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
    const caller = await answering.authorization.caller(principal);
    await answering.authorization.answer(channels.heed.tasks, caller, meta.taskId, input, 'slack');
  } catch (error) {
    if (!(error instanceof HeedError)) throw error;
    const issue = error instanceof InvalidResponseError ? error.issues[0] : undefined;
    const block = issue?.path.startsWith('args')
      ? 'args'
      : issue && task.form && `field:${issue.path.split('.')[0]}` in values
        ? `field:${issue.path.split('.')[0]}`
        : 'comment';
    return errors(block, issue ? `${issue.path}: ${issue.message}` : refusalText(error));
  }
  return { status: 200, body: { response_action: 'clear' } };
}

const UNKNOWN_USER = 'Heed does not know your Slack account, so it cannot take your answer.';

/**
 * Counts an unknown Slack user's press or submission (per Slack team and user) and records it in
 * the task's audit chain once per task and user: a repeat is not recorded again, in this process
 * nor after a restart (the chain is looked at). Returns false when the user is past the limit:
 * then nothing is recorded and nothing should be said (no Slack call either).
 */
async function refuseUnknown(
  channels: Channels,
  guard: RefusalGuard<'unknown'>,
  payload: SlackPayload,
  user: string,
  target: { taskId: string; outcome: string },
): Promise<boolean> {
  const heed = channels.heed;
  const client = `${payload.team?.id ?? payload.user?.team_id ?? ''}:${user}`.slice(0, 100);
  if (guard.refused(client, 'unknown', heed.clock.now())) return false;
  const actor = `slack:${user.slice(0, 40)}`;
  const reason = 'unknown Slack user';
  if (typeof target.taskId !== 'string' || !guard.firstRefusal(`${target.taskId}:${client}`, reason)) return true;
  const audit = await heed.tasks.audit(target.taskId).catch((error: unknown) => {
    if (error instanceof TaskNotFoundError) return undefined;
    throw error;
  });
  if (audit && !refusalAudited(audit, actor, reason)) {
    await heed.tasks.recordRefusal(target.taskId, { actor, via: 'slack', outcome: target.outcome, reason });
  }
  return true;
}

/** Why an answer was not taken, for the person in Slack (a task they may not see is not named). */
function refusalText(error: HeedError): string {
  return error instanceof TaskNotFoundError ? 'You are not asked to answer this task.' : error.message;
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
