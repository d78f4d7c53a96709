import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { Channels } from '../channels/channels.ts';
import { Authorization } from '../authorization/authorization.ts';
import type { Heed } from '../human/heed.ts';
import type { MembershipLookup } from '../human/principals.ts';
import { type AuthConfig, type AuthEnv, authenticate } from './auth.ts';
import { mcpRoutes } from '../mcp/http-route.ts';
import { bodyLimit } from './body-limit.ts';
import { browserSafety, securityHeaders } from './browser-safety.ts';
import { ClientAddress } from './client-address.ts';
import { HttpError, onError } from './errors.ts';
import { EventHub } from './event-hub.ts';
import { LinkGuard } from './link-guard.ts';
import { LinkSigner } from './links.ts';
import { a2aRoutes } from './routes/a2a.ts';
import { agUiRoutes } from './routes/ag-ui.ts';
import { agentRoutes } from './routes/agents.ts';
import { channelRoutes } from './routes/channels.ts';
import { chatRoutes } from './routes/chat.ts';
import { inboxRoutes } from './routes/inbox.ts';
import { linkRoutes } from './routes/links.ts';
import { metaRoutes } from './routes/meta.ts';
import { runRoutes } from './routes/runs.ts';
import { taskRoutes } from './routes/tasks.ts';
import { batchRoutes } from './routes/batch.ts';
import { standingRoutes } from './routes/standing.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { insightRoutes } from './routes/insights.ts';
import { awayRoutes } from './routes/away.ts';
import { policyRoutes } from './routes/policies.ts';
import { describeWebhooks } from './webhooks/openapi.ts';

export interface AppOptions {
  auth: AuthConfig;
  /** Secret for signed one-click links (at least 16 bytes). */
  linkSecret: string;
  /** The public base URL links point to. */
  baseUrl: () => string;
  groupsOf?: MembershipLookup | undefined;
  /** Largest request body in bytes, on every route (default 1 MiB); larger ones get 413 (see `body-limit.ts`). */
  maxBodyBytes?: number | undefined;
  /** With API keys: workflow → principals or groups that may start it (`"*"`: everyone). */
  startable?: Readonly<Record<string, readonly string[]>> | undefined;
  /** Principals or groups that may emit events and send messages to runs (admins always may). */
  permissions?: { events?: readonly string[]; messages?: readonly string[]; metrics?: readonly string[] } | undefined;
  /** Accept `callbackUrl`s (and A2A push notification URLs) on loopback and private networks (default: refused). */
  allowPrivateCallbacks?: boolean | undefined;
  /** Whether the A2A agent offers push notifications (they are signed with the webhooks' callback secret). */
  a2aPushNotifications?: boolean | undefined;
  /** Who the demo agents ask to approve (shown on the inbox's sign-in). */
  demoApprovers?: readonly string[] | undefined;
  /** Email and Slack: the Slack interactivity route and the `/outbox` page. */
  channels?: Channels | undefined;
  /** Fallback poll for live feeds, for writes of other processes (ms, default 500). */
  feedPollMs?: number | undefined;
  /**
   * Proxies (addresses, CIDR ranges) whose `X-Forwarded-For` names the client, for limiting
   * refused link attempts per client; without it the socket's address is the client.
   */
  trustProxy?: readonly string[] | undefined;
}

/** Slack's interactivity requests: form-encoded, authenticated by Slack's signature instead of an API key. */
const SLACK_INTERACTIONS = '/v1/channels/slack/interactions';

/**
 * The HTTP service (DESIGN.md "HTTP contract"): JSON under `/v1`, errors as
 * `{"error": {"code", "message"}}` with the status mapped in `errors.ts`.
 * @throws Error when `trustProxy` names something that is not an address or a CIDR range.
 */
export function createApp(
  heed: Heed,
  options: AppOptions,
): { app: OpenAPIHono<AuthEnv>; hub: EventHub; authorization: Authorization } {
  const hub = new EventHub(heed.feeds, options.feedPollMs);
  const devMode = options.auth.keys.size === 0;
  const authorization = new Authorization({
    admins: options.auth.admins,
    groupsOf: options.groupsOf,
    devMode,
    startable: options.startable,
    permissions: options.permissions,
    workflows: heed,
  });
  const app = new OpenAPIHono<AuthEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issues = result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
        throw new HttpError(
          'INVALID_REQUEST',
          `The request is invalid: ${issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ')}`,
          issues,
        );
      }
    },
  });
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      const code = error.status === 413 ? 'PAYLOAD_TOO_LARGE' : error.status === 400 ? 'BAD_REQUEST' : 'HTTP_ERROR';
      return onError(new HttpError(code, error.message || 'Malformed request'), c);
    }
    return onError(error, c);
  });
  app.notFound((c) =>
    c.json({ error: { code: 'NOT_FOUND', message: `No route for ${c.req.method} ${c.req.path}` } }, 404),
  );

  app.use('*', securityHeaders());
  app.use(
    '*',
    browserSafety({
      devMode,
      trustedOrigins: () => {
        try {
          return [new URL(options.baseUrl()).origin];
        } catch {
          return [];
        }
      },
    }),
  );
  // Every route, links and /mcp included: an oversized body gets a 413 the client can read.
  app.use('*', bodyLimit(options.maxBodyBytes ?? 1024 * 1024));
  app.use('/v1/*', async (c, next) => {
    if (
      ['/v1/health', '/v1/openapi.json', '/v1/inbox/events', SLACK_INTERACTIONS].includes(c.req.path) ||
      c.req.path.startsWith('/v1/docs')
    ) {
      return next();
    }
    return authenticate(options.auth, authorization)(c, next);
  });
  // Prometheus scrapes /metrics (outside /v1) with a key, as any API caller.
  app.use('/metrics', (c, next) => authenticate(options.auth, authorization)(c, next));

  // The people directory (config `people`) names principals on every page and in the chat.
  const people = options.channels?.people;
  const names = (principal: string) => people?.known(principal);
  taskRoutes(app, heed, authorization, { allowPrivateCallbacks: options.allowPrivateCallbacks ?? false });
  batchRoutes(app, heed, authorization);
  standingRoutes(app, heed, authorization);
  runRoutes(app, heed, hub, authorization);
  policyRoutes(app, heed, authorization);
  insightRoutes(app, heed, authorization);
  awayRoutes(app, heed, authorization);
  metricsRoutes(app, heed, authorization);
  const chats = chatRoutes(app, heed, hub, authorization, { names });
  agUiRoutes(app, heed, chats, authorization, { names });
  agentRoutes(app, heed, authorization);
  const linkGuard = new LinkGuard();
  metaRoutes(app, heed, linkGuard, people);
  inboxRoutes(app, heed, { demoApprovers: options.demoApprovers ?? [], pollMs: options.feedPollMs });
  linkRoutes(app, heed, new LinkSigner(options.linkSecret), options.baseUrl, {
    authorization,
    guard: linkGuard,
    clients: new ClientAddress(options.trustProxy),
    names,
  });
  channelRoutes(app, options.channels, authorization);
  describeWebhooks(app);
  mcpRoutes(app, heed, {
    auth: options.auth,
    authorization,
    maxBodyBytes: options.maxBodyBytes,
    baseUrl: options.baseUrl,
    linkSecret: options.linkSecret,
  });
  a2aRoutes(app, heed, hub, authorization, {
    auth: options.auth,
    baseUrl: options.baseUrl,
    pushNotifications: options.a2aPushNotifications ?? false,
    allowPrivateCallbacks: options.allowPrivateCallbacks ?? false,
  });
  return { app, hub, authorization };
}
