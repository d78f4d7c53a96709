import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Authorization } from '../../authorization/authorization.ts';
import type { Channels } from '../../channels/channels.ts';
import { outboxNotices, outboxPage, outboxShell } from '../../channels/outbox/page.ts';
import { slackInteraction, unknownSlackUsers } from '../../channels/slack/interactions.ts';
import { teamsActivity, unknownTeamsUsers, verifyTeamsRequest } from '../../channels/teams/invoke.ts';
import type { AuthEnv } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { errors, json } from '../schemas.ts';

/** How many notices the outbox shows (the newest). */
const OUTBOX_LIMIT = 200;

/**
 * The channels' HTTP surfaces: Slack's interactivity URL (`POST /v1/channels/slack/interactions`,
 * verified by Slack's signature, not an API key) and the local outbox (`/outbox`). The outbox
 * shows everyone's notices: in development mode (loopback only) the page has them; with API keys
 * it is for admins (the authorization module decides): the page loads them from `GET /v1/outbox`
 * with the key the inbox's sign-in keeps in the browser.
 */
export function channelRoutes(
  app: OpenAPIHono<AuthEnv>,
  channels: Channels | undefined,
  authorization: Authorization,
): void {
  const html = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
  const error = (description: string) => ({
    description,
    content: {
      'application/json': {
        schema: z.object({ error: z.object({ code: z.string(), message: z.string() }) }).openapi('SlackRefusal'),
      },
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/channels/slack/interactions',
    operationId: 'slackInteraction',
    tags: ['Channels'],
    summary: "Slack's interactivity Request URL (buttons, modals); verified by Slack's signature, not an API key",
    description:
      'Signed by Slack: `X-Slack-Signature` is `v0=` + hex HMAC-SHA256 (signing secret) of `v0:{X-Slack-Request-Timestamp}:{raw body}`; timestamps older than 5 minutes are refused. The Slack user must be in `people`: an unknown user is refused (told in Slack), audited once per task, and past 20 refusals in 10 minutes ignored. A known user answers as their principal through the same check as every channel (they must see the task and may answer it).',
    security: [],
    request: {
      headers: z.object({ 'x-slack-signature': z.string(), 'x-slack-request-timestamp': z.string() }),
      body: {
        content: {
          'application/x-www-form-urlencoded': {
            schema: z.object({ payload: z.string().openapi({ description: 'The interaction, JSON (Slack)' }) }),
          },
        },
      },
    },
    responses: {
      200: {
        description:
          'Acknowledged; for a modal submission, `{response_action: "clear"}` or `{response_action: "errors", errors}`',
        content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
      },
      400: error('No interaction payload'),
      401: error('Missing, forged or stale signature (nothing was done)'),
      404: error('Slack is not configured'),
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/channels/teams/messages',
    operationId: 'teamsMessages',
    tags: ['Channels'],
    summary:
      "Microsoft Teams' messaging endpoint (Adaptive Card buttons); verified by the Bot Framework token, not an API key",
    description:
      "The bot's messaging endpoint for Azure Bot Service. `Authorization: Bearer` is a JWT verified as the Microsoft 365 Agents SDK does (signed by Bot Framework or the configured Entra authority, audience the bot's `appId`). An `invoke` named `adaptiveCard/action` with verb `heed.answer` and data `{taskId, outcome}` answers the task as the Teams user's principal (`people[p].teams`, the Entra object id) through the same check as every channel; the response is the refreshed card (`application/vnd.microsoft.card.adaptive`) or a message saying why the answer was not taken. Other activities are acknowledged and ignored.",
    security: [],
    request: {
      headers: z.object({ authorization: z.string() }),
      body: {
        content: {
          'application/json': {
            schema: z.record(z.string(), z.unknown()).openapi({ description: 'A Bot Framework activity' }),
          },
        },
      },
    },
    responses: {
      200: {
        description: 'The invoke response (`{statusCode, type, value}`), or `{}` for an activity Heed ignores',
        content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
      },
      400: {
        description: 'Not an activity, or not a Heed button',
        content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
      },
      401: {
        description: 'Missing or invalid token (nothing was done)',
        content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
      },
      404: error('Teams is not configured'),
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/outbox',
    operationId: 'getOutbox',
    tags: ['Channels'],
    summary: 'The local outbox: the notices Heed keeps when no SMTP or Slack is configured',
    description:
      'In development mode the page holds the notices. With API keys it loads them from `GET /v1/outbox` with the API key the inbox sign-in keeps in the browser (admins only).',
    security: [],
    responses: {
      200: html('The page'),
      404: { description: 'No channels are set up', content: { 'text/plain': { schema: z.string() } } },
    },
  });
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/outbox',
      operationId: 'getOutboxNotices',
      tags: ['Channels'],
      summary: 'The newest notices of the local outbox, rendered as the outbox page shows them (admins only)',
      responses: {
        200: json(
          z.object({ html: z.string().openapi({ description: 'The notices, newest first, as HTML' }) }),
          'The notices',
        ),
        ...errors(401, 403, 404),
      },
    }),
    async (c) => {
      authorization.requireAdmin(c.get('caller'), "see the outbox (everyone's notices)");
      if (!channels) throw new HttpError('NOT_FOUND', 'No channels are set up');
      return c.json({ html: outboxNotices(await channels.heed.deliveries.listOutbox(OUTBOX_LIMIT)) }, 200);
    },
  );
  const unknownUsers = unknownSlackUsers();
  app.post('/v1/channels/slack/interactions', async (c) => {
    if (!channels) return c.json({ error: { code: 'NOT_FOUND', message: 'Slack is not configured' } }, 404);
    const raw = await c.req.text();
    const reply = await slackInteraction(
      channels,
      raw,
      { signature: c.req.header('x-slack-signature'), timestamp: c.req.header('x-slack-request-timestamp') },
      { authorization, unknownUsers },
    );
    if (reply.status !== 200) {
      const message = String(reply.body?.error ?? 'Refused');
      return c.json(
        { error: { code: reply.status === 401 ? 'UNAUTHENTICATED' : 'BAD_REQUEST', message } },
        reply.status,
      );
    }
    return reply.body ? c.json(reply.body) : c.body(null, 200);
  });

  const unknownTeams = unknownTeamsUsers();
  app.post('/v1/channels/teams/messages', async (c) => {
    const teams = channels?.teams;
    if (!channels || !teams) return c.json({ error: { code: 'NOT_FOUND', message: 'Teams is not configured' } }, 404);
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = await c.req.json();
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      body = {};
    }
    const refused = await verifyTeamsRequest(teams, {
      method: c.req.method,
      authorization: c.req.header('authorization'),
      body,
    });
    if (refused) return c.json(refused.body, refused.status);
    const reply = await teamsActivity(channels, body, { authorization, unknownUsers: unknownTeams });
    return c.json(reply.body, reply.status);
  });

  app.get('/outbox', async (c) => {
    if (!channels) return c.text('No channels are set up', 404);
    const offline = { email: channels.offline('email'), slack: channels.offline('slack') };
    if (!authorization.devMode) return c.html(outboxShell(offline));
    return c.html(outboxPage(await channels.heed.deliveries.listOutbox(OUTBOX_LIMIT), offline));
  });
}
