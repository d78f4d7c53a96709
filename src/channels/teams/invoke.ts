import { Activity, ActivityTypes } from '@microsoft/agents-activity';
import {
  type AdaptiveCardInvokeResponse,
  authorizeJWT,
  type Request,
  type WebResponse,
} from '@microsoft/agents-hosting';
import { z } from 'zod';
import type { Authorization } from '../../authorization/authorization.ts';
import { RefusalGuard } from '../../authorization/refusal-guard.ts';
import { HeedError, TaskAlreadyResolvedError, TaskNotFoundError } from '../../errors.ts';
import { refusalAudited } from '../../human/responses.ts';
import type { Task } from '../../human/types.ts';
import type { Channels } from '../channels.ts';
import { endedNegative, endedText } from '../notice.ts';
import type { TeamsApi } from './api.ts';
import { ANSWER_VERB, COMMENT_INPUT, closedCard, openCard } from './card.ts';

/** What to answer Teams: the HTTP status and its JSON body (an invoke response, or the SDK's refusal). */
export interface InvokeReply {
  status: 200 | 400 | 401 | 404 | 405;
  body: Record<string, unknown>;
}

/** What answering from Teams needs besides the channels: the one authorization module and the guard for unknown users. */
export interface TeamsAnswering {
  authorization: Authorization;
  /** Refusals of Teams users not in `people`, per tenant and user. */
  unknownUsers: RefusalGuard<'unknown'>;
}

/** A guard for unknown Teams users: 20 refused presses per user in 10 minutes, then silence. */
export function unknownTeamsUsers(): RefusalGuard<'unknown'> {
  return new RefusalGuard(['unknown']);
}

/** The name of the invoke an `Action.Execute` sends (Universal Actions). */
export const ACTION_INVOKE = 'adaptiveCard/action';

const actionValue = z.object({
  action: z.object({
    type: z.literal('Action.Execute'),
    verb: z.string().max(100),
    data: z
      .object({
        taskId: z.string().min(1).max(200),
        outcome: z.string().min(1).max(100),
        [COMMENT_INPUT]: z.string().max(5000).optional(),
      })
      .loose(),
  }),
});

const CARD = 'application/vnd.microsoft.card.adaptive';
const MESSAGE = 'application/vnd.microsoft.activity.message';

const cardReply = (value: Record<string, unknown>): InvokeReply => ({
  status: 200,
  body: { statusCode: 200, type: CARD, value } satisfies AdaptiveCardInvokeResponse,
});
const messageReply = (text: string): InvokeReply => ({
  status: 200,
  body: { statusCode: 200, type: MESSAGE, value: text as unknown as Record<string, unknown> },
});
const badRequest = (message: string): InvokeReply => ({
  status: 400,
  body: { statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'BadRequest', message } },
});

/**
 * Verifies a request from Teams as the SDK does: `authorizeJWT` checks the bearer token (signed by
 * Bot Framework or the configured Entra authority, audience the bot's `appId`, issuer trusted, not
 * expired). Returns `null` when valid, or the SDK's refusal (401; 405 for a method other than POST).
 */
export async function verifyTeamsRequest(
  api: TeamsApi,
  request: { method: string; authorization: string | undefined; body: Record<string, unknown> },
): Promise<InvokeReply | null> {
  let refusal: InvokeReply | null = null;
  let status = 401;
  const res = {
    status(code: number) {
      status = code;
      return this;
    },
    send(body?: unknown) {
      refusal = { status: status as InvokeReply['status'], body: { error: body ?? 'unauthorized' } };
      return this;
    },
    setHeader() {
      return this;
    },
    end() {
      return this;
    },
    headersSent: false,
    writableEnded: false,
  } satisfies WebResponse;
  let passed = false;
  const req: Request = {
    method: request.method,
    headers: request.authorization ? { authorization: request.authorization } : {},
    body: request.body,
  };
  await authorizeJWT(api.auth)(req, res, () => {
    passed = true;
  });
  return passed ? null : (refusal ?? { status: 401, body: { error: 'unauthorized' } });
}

/**
 * Handles an activity Teams posts to `POST /v1/channels/teams/messages` (already verified): an
 * `invoke` named `adaptiveCard/action` from a Heed button (verb `heed.answer`, data `{taskId,
 * outcome}`, and the card's comment). The Teams user (`from.aadObjectId`) is mapped to a principal through `people`; the
 * answer goes through `Authorization.answer` via `teams`, like every channel's; the reply is the
 * refreshed card (the outcome, no buttons), which Teams puts in place of the pressed one. The
 * other copies are closed by the durable closing run, not in this request. Refusals (not asked,
 * already answered by someone else, an unknown user) are said in a message; an unknown user is
 * audited once per task and, past 20 refusals in 10 minutes, ignored. Other activities (messages,
 * installs) are acknowledged and ignored.
 */
export async function teamsActivity(
  channels: Channels,
  body: Record<string, unknown>,
  answering: TeamsAnswering,
): Promise<InvokeReply> {
  let activity: Activity;
  try {
    activity = Activity.fromObject(body);
  } catch {
    return badRequest('Not an activity');
  }
  if (activity.type !== ActivityTypes.Invoke || activity.name !== ACTION_INVOKE) return { status: 200, body: {} };
  const parsed = actionValue.safeParse(activity.value);
  if (!parsed.success || parsed.data.action.verb !== ANSWER_VERB) return badRequest('Not a Heed button');
  const { taskId, outcome } = parsed.data.action.data;
  const comment = parsed.data.action.data[COMMENT_INPUT]?.trim();
  const user = activity.from?.aadObjectId ?? '';
  const principal = user ? channels.people.principalOfTeamsUser(user) : undefined;
  const heed = channels.heed;
  if (!principal) {
    const tenant = activity.conversation?.tenantId ?? '';
    await refuseUnknown(channels, answering.unknownUsers, `${tenant}:${user || activity.from?.id || ''}`, {
      taskId,
      outcome,
    });
    return messageReply(UNKNOWN_USER);
  }
  const { authorization } = answering;
  const caller = await authorization.caller(principal);
  try {
    const task = await authorization.answer(
      heed.tasks,
      caller,
      taskId,
      { outcome, ...(comment ? { comment } : {}) },
      'teams',
    );
    return cardReply(cardOf(channels, task, principal, outcome));
  } catch (error) {
    if (!(error instanceof HeedError)) throw error;
    if (error instanceof TaskAlreadyResolvedError) {
      // Someone was first: the pressed card is refreshed to say who, if the person may see it.
      const task = await heed.tasks.get(taskId);
      if (task && authorization.canSeeTask(caller, task)) return cardReply(cardOf(channels, task, principal));
    }
    return messageReply(error instanceof TaskNotFoundError ? 'You are not asked to answer this task.' : error.message);
  }
}

/**
 * The card as it is now for `principal`: closed with the outcome once the task ended; while it
 * still waits for others (a quorum, a later stage), without buttons once `principal` answered.
 */
function cardOf(channels: Channels, task: Task, principal: string, answered?: string): Record<string, unknown> {
  const notice = channels.notice(task, 'created', { kind: 'teams-user', principal, user: '' }, false);
  if (task.status !== 'pending')
    return { ...closedCard(notice, endedText(task, channels.people), endedNegative(task)) };
  if (answered === undefined) return { ...openCard(notice) };
  const label = notice.choices.find((c) => c.outcome === answered)?.label ?? answered;
  return { ...closedCard(notice, `You answered ${label}; waiting for the others`, false) };
}

const UNKNOWN_USER = 'Heed does not know your Teams account, so it cannot take your answer.';

/**
 * Counts an unknown Teams user's press and records it in the task's audit chain once per task and
 * user (also after a restart: the chain is looked at). Past the guard's limit nothing is recorded.
 */
async function refuseUnknown(
  channels: Channels,
  guard: RefusalGuard<'unknown'>,
  client: string,
  target: { taskId: string; outcome: string },
): Promise<void> {
  const heed = channels.heed;
  const key = client.slice(0, 140);
  if (guard.refused(key, 'unknown', heed.clock.now())) return;
  const actor = `teams:${(key.split(':')[1] ?? '').slice(0, 40)}`;
  const reason = 'unknown Teams user';
  if (!guard.firstRefusal(`${target.taskId}:${key}`, reason)) return;
  const audit = await heed.tasks.audit(target.taskId).catch((error: unknown) => {
    if (error instanceof TaskNotFoundError) return undefined;
    throw error;
  });
  if (audit && !refusalAudited(audit, actor, reason)) {
    await heed.tasks.recordRefusal(target.taskId, { actor, via: 'teams', outcome: target.outcome, reason });
  }
}
