import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Channels } from '../../channels/channels.ts';
import { outboxPage } from '../../channels/outbox/page.ts';
import { slackInteraction } from '../../channels/slack/interactions.ts';
import type { AuthEnv } from '../auth.ts';

/**
 * The channels' HTTP surfaces: Slack's interactivity URL (`POST /v1/channels/slack/interactions`,
 * verified by Slack's signature, not an API key) and the local outbox page (`/outbox`, only in
 * development mode, where the server listens on loopback alone: it shows everyone's notices).
 */
export function channelRoutes(app: OpenAPIHono<AuthEnv>, channels: Channels | undefined, development: boolean): void {
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
      'Signed by Slack: `X-Slack-Signature` is `v0=` + hex HMAC-SHA256 (signing secret) of `v0:{X-Slack-Request-Timestamp}:{raw body}`; timestamps older than 5 minutes are refused. The Slack user must be in `people`.',
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
    method: 'get',
    path: '/outbox',
    operationId: 'getOutbox',
    tags: ['Channels'],
    summary: 'The local outbox: the notices Heed keeps when no SMTP or Slack is configured (development mode only)',
    security: [],
    responses: {
      200: html('The page'),
      404: { description: 'Not in development mode', content: { 'text/plain': { schema: z.string() } } },
    },
  });
  app.post('/v1/channels/slack/interactions', async (c) => {
    if (!channels) return c.json({ error: { code: 'NOT_FOUND', message: 'Slack is not configured' } }, 404);
    const raw = await c.req.text();
    const reply = await slackInteraction(channels, raw, {
      signature: c.req.header('x-slack-signature'),
      timestamp: c.req.header('x-slack-request-timestamp'),
    });
    if (reply.status !== 200) {
      const message = String(reply.body?.error ?? 'Refused');
      return c.json(
        { error: { code: reply.status === 401 ? 'UNAUTHENTICATED' : 'BAD_REQUEST', message } },
        reply.status,
      );
    }
    return reply.body ? c.json(reply.body) : c.body(null, 200);
  });

  app.get('/outbox', async (c) => {
    if (!channels || !development) return c.text('The outbox is shown in development mode only', 404);
    const records = await channels.heed.deliveries.listOutbox(200);
    return c.html(outboxPage(records, { email: channels.offline('email'), slack: channels.offline('slack') }));
  });
}
