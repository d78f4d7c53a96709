import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AuthEnv } from '../auth.ts';
import { WebhookEventSchema } from '../schemas.ts';
import { WEBHOOK_EVENTS } from './events.ts';

/**
 * Describes the outgoing webhooks in the OpenAPI document (`webhooks`): what Heed POSTs to the
 * configured endpoints and to tasks' `callbackUrl`, signed the Standard Webhooks way.
 */
export function describeWebhooks(app: OpenAPIHono<AuthEnv>): void {
  const headers = z.object({
    'webhook-id': z.string().openapi({ description: 'The same on every attempt of a delivery: drop duplicates by it' }),
    'webhook-timestamp': z.string().openapi({ description: 'Unix seconds of this attempt' }),
    'webhook-signature': z.string().openapi({
      description: 'Space-separated `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` (Standard Webhooks)',
    }),
  });
  for (const [type, summary] of WEBHOOK_EVENTS) {
    app.openAPIRegistry.registerWebhook({
      method: 'post',
      path: type,
      operationId: `webhook.${type}`,
      tags: ['Webhooks'],
      summary,
      description:
        'Delivered at least once; failures are retried durably with backoff (8 attempts over about 3 hours). ' +
        'Verify the signature with any Standard Webhooks library and the endpoint secret.',
      security: [],
      request: {
        headers,
        body: { required: true, content: { 'application/json': { schema: WebhookEventSchema } } },
      },
      responses: { 200: { description: 'Any 2xx acknowledges the delivery; anything else is retried' } },
    });
  }
}
