import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Authorization } from '../../authorization/authorization.ts';
import { HeedError, TaskForbiddenError, TaskNotFoundError } from '../../errors.ts';
import type { Heed } from '../../human/heed.ts';
import type { NameLookup } from '../../human/principal-names.ts';
import { isPerson, isPrincipal } from '../../human/principals.ts';
import { refusalAudited } from '../../human/responses.ts';
import type { AuthEnv } from '../auth.ts';
import { ClientAddress } from '../client-address.ts';
import { HttpError } from '../errors.ts';
import { LinkGuard } from '../link-guard.ts';
import {
  confirmPage,
  decidedPage,
  decidedText,
  LINK_REFUSALS,
  refusedPage,
  thanksPage,
  unknownTaskPage,
} from '../link-pages.ts';
import type { LinkClaims, LinkSigner } from '../links.ts';
import { errors, IdParam, json } from '../schemas.ts';

export interface LinkRouteOptions {
  /** Decides whether the link's person may see and answer the task, as on every channel. */
  authorization: Authorization;
  /** Counts and limits refused attempts per client (shared with `GET /v1/health`). */
  guard?: LinkGuard | undefined;
  /** Who a request comes from (the socket, or `X-Forwarded-For` through `trustProxy`). */
  clients?: ClientAddress | undefined;
  /** The people directory's names, for the pages. */
  names?: NameLookup | undefined;
}

/**
 * Signed one-click links, for one person each: `GET /t/{token}` (and HEAD) shows a confirmation
 * page and writes nothing at all, whatever the link (mail scanners fetch links, also after a
 * decision); `POST /t/{token}` answers the task through the one answer path of every channel
 * (`Authorization.answer`: the person must see the task and may answer it). Forged, expired and
 * reused links get a clear page and change nothing. Refused attempts are counted per client and
 * past a limit answered 429; a valid, unused link always works. An expired or reused link's POST
 * is recorded once in the task's audit chain; a forged one never is.
 */
export function linkRoutes(
  app: OpenAPIHono<AuthEnv>,
  heed: Heed,
  signer: LinkSigner,
  baseUrl: () => string,
  options: LinkRouteOptions,
): void {
  const { authorization } = options;
  const guard = options.guard ?? new LinkGuard();
  const clients = options.clients ?? new ClientAddress();
  const clientOf = (c: Context) =>
    clients.of(
      (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress,
      c.req.header('x-forwarded-for'),
    );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/tasks/{id}/links',
      operationId: 'createTaskLink',
      tags: ['Tasks'],
      summary: 'Make a signed one-click link that answers the task as one person with an outcome',
      description:
        'Admins only. The principal must be one person (`user:` or `email:`), never a group (400 `INVALID_PRINCIPAL`): a group member answers as themself, so four-eyes holds. Whether that person may answer is decided when the link is used.',
      request: {
        params: IdParam,
        body: {
          content: {
            'application/json': {
              schema: z.strictObject({
                principal: z.string(),
                outcome: z.string(),
                expiresIn: z
                  .number()
                  .int()
                  .min(1)
                  .max(30 * 86_400)
                  .optional(),
              }),
            },
          },
          required: true,
        },
      },
      responses: {
        201: json(z.object({ url: z.string(), expiresAt: z.number() }), 'The link'),
        ...errors(400, 401, 403, 404, 422),
      },
    }),
    async (c) => {
      if (!c.get('caller').admin) throw new HttpError('FORBIDDEN', 'Only admins (and channels) make links');
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const task = await heed.tasks.get(id);
      if (!task) throw new HttpError('TASK_NOT_FOUND', `No task with id "${id}"`);
      if (!isPrincipal(body.principal))
        throw new HttpError('INVALID_PRINCIPAL', `${body.principal} is not a principal`);
      if (!isPerson(body.principal)) {
        throw new HttpError(
          'INVALID_PRINCIPAL',
          `A link is signed for one person (user: or email:), never for ${body.principal}: its members answer as themselves`,
        );
      }
      if (!task.outcomes.includes(body.outcome)) {
        throw new HttpError('OUTCOME_NOT_ALLOWED', `"${body.outcome}" is not an outcome of this task`);
      }
      const expiresAt = heed.clock.now() + (body.expiresIn ?? 7 * 86_400) * 1000;
      const token = signer.sign({ taskId: id, principal: body.principal, outcome: body.outcome, expiresAt });
      return c.json({ url: `${baseUrl()}/t/${token}`, expiresAt }, 201);
    },
  );

  const html = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
  const token = z.object({
    token: z.string().openapi({ param: { name: 'token', in: 'path' }, description: 'The signed link token' }),
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/t/{token}',
    operationId: 'showLinkPage',
    tags: ['Links'],
    summary: 'The confirmation page of a one-click link: shows the task and writes nothing (also HEAD)',
    description:
      "Read-only whatever the link (mail scanners fetch links, also after a decision): no audit entry, nothing used. The link's person must see the task (else 404) and be allowed to answer it (else 403), as on every channel.",
    security: [],
    request: { params: token },
    responses: {
      200: html('The confirmation page (a form that POSTs to the same URL)'),
      400: html('Forged or expired link'),
      403: html('The link is for a group, or its person may not answer this task (e.g. they requested it)'),
      404: html("The task does not exist, or the link's person may not see it"),
      409: html('The task has already ended, or the link was used'),
      429: html('A forged link, from a client with too many refused attempts lately'),
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/t/{token}',
    operationId: 'answerByLink',
    tags: ['Links'],
    summary: "Answer the task with the link's outcome, as the link's person (the token is the credential)",
    description:
      "Answers through the same check as every channel. Refused attempts are counted per client (the socket's address, or `X-Forwarded-For` through `trustProxy`); past 20 in 10 minutes a client's refused attempts get 429, while a valid, unused link still works.",
    security: [],
    request: {
      params: token,
      body: {
        content: {
          'application/x-www-form-urlencoded': {
            schema: z.object({ comment: z.string().optional().openapi({ description: 'Required for some outcomes' }) }),
          },
        },
      },
    },
    responses: {
      200: html('Recorded'),
      400: html('Forged or expired link (an expired link is audited once)'),
      403: html('The link is for a group, or its person may not answer this task (audited once per person and reason)'),
      404: html("The task does not exist, or the link's person may not see it (nothing is written)"),
      409: html('Reused link, the task already ended, or the answer was refused (e.g. a comment is required)'),
      429: html('A refused attempt from a client with too many refused attempts lately (not audited)'),
    },
  });

  // Read-only: verifying, reading the task and deciding whether its person may answer write
  // nothing. Only a forged token is counted (in memory, per client): someone probing for tokens.
  app.get('/t/:token', async (c) => {
    const now = heed.clock.now();
    const check = signer.verify(c.req.param('token'), now);
    if (!check.ok) {
      if (check.reason === 'forged' && guard.refused(clientOf(c), 'forged', now)) {
        return c.html(refusedPage(LINK_REFUSALS.limited), 429);
      }
      return c.html(refusedPage(LINK_REFUSALS[check.reason]), check.reason === 'not-a-person' ? 403 : 400);
    }
    const { claims } = check;
    const caller = await authorization.caller(claims.principal);
    try {
      const task = authorization.requireTask(caller, await heed.tasks.get(claims.taskId), claims.taskId);
      if (task.status !== 'pending') return c.html(decidedPage(task, options.names), 409);
      if (await heed.tasks.linkUsed(claims.nonce)) return c.html(refusedPage(LINK_REFUSALS.used), 409);
      authorization.requireAnswer(caller, task, claims.taskId);
      return c.html(confirmPage(task, claims, options.names));
    } catch (error) {
      if (error instanceof TaskNotFoundError) return c.html(unknownTaskPage(), 404);
      if (error instanceof TaskForbiddenError) return c.html(refusedPage(error.message), 403);
      throw error;
    }
  });

  app.post('/t/:token', async (c) => {
    const now = heed.clock.now();
    const client = clientOf(c);
    const check = signer.verify(c.req.param('token'), now);
    if (!check.ok) {
      // Signed here before links were for one person only: not an attack, not counted.
      if (check.reason === 'not-a-person') return c.html(refusedPage(LINK_REFUSALS['not-a-person']), 403);
      if (guard.refused(client, check.reason, now)) return c.html(refusedPage(LINK_REFUSALS.limited), 429);
      // The signature holds for an expired link: these claims are ours, the principal is real, and
      // the attempt is recorded once in the task's audit chain. A forged token names nobody and
      // no trustworthy task: it is counted and rate-limited, never written into a chain.
      if (check.reason === 'expired' && check.claims) await recordOnce(check.claims, 'expired link');
      return c.html(refusedPage(LINK_REFUSALS[check.reason]), 400);
    }
    const { claims } = check;
    if (await heed.tasks.linkUsed(claims.nonce)) {
      if (guard.refused(client, 'used', now)) return c.html(refusedPage(LINK_REFUSALS.limited), 429);
      await recordOnce(claims, 'reused link');
      return c.html(refusedPage(LINK_REFUSALS.used), 409);
    }
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const comment = typeof form.comment === 'string' && form.comment.trim() ? form.comment.trim() : undefined;
    try {
      const caller = await authorization.caller(claims.principal);
      const input = { outcome: claims.outcome, ...(comment ? { comment } : {}) };
      const task = await authorization.answer(heed.tasks, caller, claims.taskId, input, 'link');
      // Burned only once it worked: a link refused for a missing comment can be tried again.
      // (Two racing uses cannot both answer: the task's compare-and-set lets one win.)
      await heed.tasks.useLink(claims.nonce, claims.taskId);
      return c.html(thanksPage(task, claims.outcome));
    } catch (error) {
      if (error instanceof TaskNotFoundError) return c.html(unknownTaskPage(), 404);
      if (error instanceof TaskForbiddenError) return c.html(refusedPage(error.message), 403);
      if (error instanceof HeedError) {
        const task = await heed.tasks.get(claims.taskId);
        return c.html(
          refusedPage(task && task.status !== 'pending' ? decidedText(task, options.names) : error.message),
          409,
        );
      }
      throw error;
    }
  });

  /**
   * Records a refused attempt with a genuine link in its task's audit chain, once per link and
   * reason in this process and once per person and reason in the chain (so a restart does not
   * record a repeat again either).
   */
  async function recordOnce(claims: LinkClaims, reason: string): Promise<void> {
    if (!guard.firstRefusal(claims.nonce, reason)) return;
    const audit = await heed.tasks.audit(claims.taskId).catch((error: unknown) => {
      if (error instanceof TaskNotFoundError) return undefined; // nothing to record it in
      throw error;
    });
    if (!audit || refusalAudited(audit, claims.principal, reason)) return;
    await heed.tasks.recordRefusal(claims.taskId, {
      actor: claims.principal,
      via: 'link',
      outcome: claims.outcome,
      reason,
    });
  }
}
