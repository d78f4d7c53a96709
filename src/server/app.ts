import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { Heed } from '../human/heed.ts';
import type { MembershipLookup } from '../human/principals.ts';
import { type AuthConfig, type AuthEnv, authenticate } from './auth.ts';
import { mcpRoutes } from '../mcp/http-route.ts';
import { HttpError, onError } from './errors.ts';
import { EventHub } from './event-hub.ts';
import { LinkSigner } from './links.ts';
import { agentRoutes } from './routes/agents.ts';
import { chatRoutes } from './routes/chat.ts';
import { inboxRoutes } from './routes/inbox.ts';
import { linkRoutes } from './routes/links.ts';
import { metaRoutes } from './routes/meta.ts';
import { runRoutes } from './routes/runs.ts';
import { taskRoutes } from './routes/tasks.ts';
import { describeWebhooks } from './webhooks/openapi.ts';

export interface AppOptions {
  auth: AuthConfig;
  /** Secret for signed one-click links (at least 16 bytes). */
  linkSecret: string;
  /** The public base URL links point to. */
  baseUrl: () => string;
  groupsOf?: MembershipLookup | undefined;
  /** Largest request body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Fallback poll for live feeds, for writes of other processes (ms, default 500). */
  feedPollMs?: number | undefined;
}

/**
 * The HTTP service (DESIGN.md "HTTP contract"): JSON under `/v1`, errors as
 * `{"error": {"code", "message"}}` with the status mapped in `errors.ts`.
 */
export function createApp(heed: Heed, options: AppOptions): { app: OpenAPIHono<AuthEnv>; hub: EventHub } {
  const hub = new EventHub(heed.store, options.feedPollMs);
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

  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: options.maxBodyBytes ?? 1024 * 1024,
      onError: () => {
        throw new HttpError(
          'PAYLOAD_TOO_LARGE',
          `The request body is over ${options.maxBodyBytes ?? 1024 * 1024} bytes`,
        );
      },
    }),
  );
  app.use('/v1/*', async (c, next) => {
    if (c.req.method === 'POST' && hasBody(c.req.raw)) {
      const type = c.req.header('content-type') ?? '';
      if (!/^application\/json\b/i.test(type)) {
        throw new HttpError(
          'UNSUPPORTED_MEDIA_TYPE',
          `Send JSON with Content-Type: application/json (got "${type || 'none'}")`,
        );
      }
    }
    await next();
  });
  app.use('/v1/*', async (c, next) => {
    if (
      ['/v1/health', '/v1/openapi.json', '/v1/inbox/events'].includes(c.req.path) ||
      c.req.path.startsWith('/v1/docs')
    ) {
      return next();
    }
    return authenticate(options.auth)(c, next);
  });

  taskRoutes(app, heed, options.groupsOf);
  runRoutes(app, heed, hub, () => options.auth.keys.size === 0);
  chatRoutes(app, heed, hub);
  agentRoutes(app, heed);
  metaRoutes(app, heed);
  inboxRoutes(app, heed, options.feedPollMs);
  linkRoutes(app, heed, new LinkSigner(options.linkSecret), options.baseUrl);
  describeWebhooks(app);
  mcpRoutes(app, heed, { auth: options.auth, groupsOf: options.groupsOf, maxBodyBytes: options.maxBodyBytes });
  return { app, hub };
}

function hasBody(request: Request): boolean {
  const length = request.headers.get('content-length');
  return request.body !== null && (length === null || Number(length) > 0);
}
