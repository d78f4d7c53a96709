import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HeedError } from '../../errors.ts';
import type { Heed } from '../../human/heed.ts';
import { isPrincipal } from '../../human/principals.ts';
import type { Task } from '../../human/types.ts';
import type { AuthEnv } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { escapeHtml, page } from '../html.ts';
import { LinkGuard } from '../link-guard.ts';
import type { LinkSigner } from '../links.ts';
import { errors, IdParam, json } from '../schemas.ts';

const REASONS = {
  forged: 'This link is not valid: it was not issued by this server or was changed.',
  expired: 'This link has expired.',
  used: 'This link was already used.',
} as const;

/**
 * Signed one-click links: `GET /t/{token}` shows a confirmation page and changes nothing (mail
 * scanners follow links); `POST /t/{token}` answers the task. Forged, expired and reused links
 * get a clear page and change nothing; refusals are counted and rate-limited per client (429),
 * and an expired or reused link's attempt is recorded once in the task's audit log.
 */
export function linkRoutes(
  app: OpenAPIHono<AuthEnv>,
  heed: Heed,
  signer: LinkSigner,
  baseUrl: () => string,
  guard: LinkGuard = new LinkGuard(),
): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/tasks/{id}/links',
      operationId: 'createTaskLink',
      tags: ['Tasks'],
      summary: 'Make a signed one-click link that answers the task as a principal with an outcome',
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
    summary: 'The confirmation page of a one-click link: shows the task and changes nothing',
    security: [],
    request: { params: token },
    responses: {
      200: html('The confirmation page (a form that POSTs to the same URL)'),
      400: html('Forged or expired link'),
      404: html('The task no longer exists'),
      409: html('The task has already ended'),
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/t/{token}',
    operationId: 'answerByLink',
    tags: ['Links'],
    summary: "Answer the task with the link's outcome, as the link's principal (the token is the credential)",
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
      400: html('Forged or expired link (the attempt is audited)'),
      409: html('Reused link, the task already ended, or the answer was refused (e.g. a comment is required)'),
    },
  });
  app.get('/t/:token', async (c) => {
    const now = heed.clock.now();
    if (guard.limited(clientOf(c), now)) return refused(c, LIMITED, 429);
    const check = signer.verify(c.req.param('token'), now);
    if (!check.ok) {
      guard.refused(clientOf(c), check.reason, now);
      return c.html(page('Link refused', `<h1>Link refused</h1><p class="error">${REASONS[check.reason]}</p>`), 400);
    }
    const task = await heed.tasks.get(check.claims.taskId);
    if (!task)
      return c.html(page('Unknown task', '<h1>Unknown task</h1><p class="error">This task no longer exists.</p>'), 404);
    if (task.status !== 'pending') {
      return c.html(
        page(task.title, `<h1>${escapeHtml(task.title)}</h1><p class="decided">${escapeHtml(decidedText(task))}</p>`),
        409,
      );
    }
    const needsComment = task.requireComment.includes(check.claims.outcome);
    return c.html(
      page(
        task.title,
        `<h1>${escapeHtml(task.title)}</h1>
${task.description ? `<p>${escapeHtml(task.description)}</p>` : ''}
${task.action ? `<pre>${escapeHtml(`${task.action.tool} ${JSON.stringify(task.action.args, null, 2)}`)}</pre>` : ''}
<p class="muted">You are answering as ${escapeHtml(check.claims.principal)}.</p>
<form method="post"><label>Comment${needsComment ? ' (required)' : ''}<textarea name="comment" ${needsComment ? 'required' : ''}></textarea></label>
<button type="submit">Confirm: ${escapeHtml(check.claims.outcome)}</button></form>`,
      ),
    );
  });

  app.post('/t/:token', async (c) => {
    const now = heed.clock.now();
    const client = clientOf(c);
    if (guard.limited(client, now)) return refused(c, LIMITED, 429);
    const check = signer.verify(c.req.param('token'), now);
    if (!check.ok) {
      guard.refused(client, check.reason, now);
      // The signature holds for an expired link: these claims are ours, the principal is real, and
      // the attempt is recorded once in the task's audit chain. A forged token names nobody and
      // no trustworthy task: it is counted and rate-limited, never written into a chain.
      if (check.claims && check.reason === 'expired' && guard.firstRefusal(check.claims.nonce, 'expired')) {
        await heed.tasks.recordRefusal(check.claims.taskId, {
          actor: check.claims.principal,
          via: 'link',
          outcome: check.claims.outcome,
          reason: 'expired link',
        });
      }
      return refused(c, REASONS[check.reason], 400);
    }
    const { claims } = check;
    if (await heed.tasks.linkUsed(claims.nonce)) {
      guard.refused(client, 'used', now);
      if (guard.firstRefusal(claims.nonce, 'used')) {
        await heed.tasks.recordRefusal(claims.taskId, {
          actor: claims.principal,
          via: 'link',
          outcome: claims.outcome,
          reason: 'reused link',
        });
      }
      return refused(c, REASONS.used, 409);
    }
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const comment = typeof form.comment === 'string' && form.comment.trim() ? form.comment.trim() : undefined;
    try {
      const task = await heed.tasks.respond(
        claims.taskId,
        { outcome: claims.outcome, ...(comment ? { comment } : {}) },
        { principal: claims.principal, via: 'link' },
      );
      // Burned only once it worked: a link refused for a missing comment can be tried again.
      // (Two racing uses cannot both answer: the task's compare-and-set lets one win.)
      await heed.tasks.useLink(claims.nonce, claims.taskId);
      return c.html(
        page(
          task.title,
          `<h1>Thank you</h1><p>${escapeHtml(task.title)}: <strong>${escapeHtml(claims.outcome)}</strong> recorded.</p>`,
        ),
      );
    } catch (error) {
      if (error instanceof HeedError) {
        const task = await heed.tasks.get(claims.taskId);
        return refused(c, task && task.status !== 'pending' ? decidedText(task) : error.message, 409);
      }
      throw error;
    }
  });
}

/** "Already decided: approve by user:bob via slack." — what a link says once the task ended. */
export function decidedText(task: Task): string {
  const result = task.result;
  if (task.status === 'cancelled') return `Already decided: cancelled${result?.by ? ` by ${result.by}` : ''}.`;
  if (task.status === 'expired' || !result) return `Already decided: ${task.status} at its deadline.`;
  const by = result.by === 'system' ? 'the deadline' : result.by;
  return `Already decided: ${result.outcome ?? task.status} by ${by}${result.via ? ` via ${result.via}` : ''}.`;
}

const LIMITED = 'Too many refused link attempts from your address: try again later.';

/** The client's address (the TCP peer), for rate limiting. */
function clientOf(c: Context): string {
  return (
    (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress ??
    'unknown'
  );
}

function refused(c: Context, message: string, status: 400 | 409 | 429) {
  return c.html(
    page('Link refused', `<h1>Nothing was changed</h1><p class="error">${escapeHtml(message)}</p>`),
    status,
  );
}
