import type { OpenAPIHono } from '@hono/zod-openapi';
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
    const records = await channels.heed.store.listOutbox(200);
    return c.html(outboxPage(records, { email: channels.offline('email'), slack: channels.offline('slack') }));
  });
}
