import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AuthEnv } from './auth.ts';
import { ErrorSchema } from './schemas.ts';

/** The OpenAPI document's type, as `@hono/zod-openapi` builds it. */
export type OpenApiDocument = ReturnType<OpenAPIHono['getOpenAPI31Document']>;

type Operation = {
  security?: Record<string, string[]>[];
  requestBody?: { content?: Record<string, unknown> };
  responses?: Record<string, unknown>;
};

const TAGS = [
  { name: 'Tasks', description: 'Human tasks: create, list (the inbox), answer, cancel, long-poll, audit' },
  { name: 'People', description: 'Away and delegates: who answers while someone is away' },
  { name: 'Runs', description: 'Durable workflow runs: start, inspect, cancel, message, stream' },
  { name: 'Events', description: 'Events that resume runs waiting in `waitForEvent`' },
  { name: 'Agents', description: 'Durable agents: the agent inbox' },
  { name: 'Chat', description: 'The AI SDK UI message stream protocol (useChat) over durable threads' },
  { name: 'Webhooks', description: 'Outgoing webhook deliveries and their state' },
  { name: 'Links', description: 'Signed one-click links sent in notifications' },
  { name: 'Inbox', description: 'The web inbox' },
  { name: 'Meta', description: 'Health, this document and its rendering' },
  { name: 'MCP', description: 'Heed as an MCP server over Streamable HTTP' },
];

/**
 * A `text/event-stream` response: each event's `data` is JSON; `events` describes them for readers.
 */
export const eventStream = (description: string, events: string) => ({
  description: `${description}. Events: ${events}`,
  content: { 'text/event-stream': { schema: { type: 'string' as const, description: 'Server-sent events' } } },
});

/** A JSON error response; the `Error` schema is the same for every status. */
const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/**
 * Responses that the middleware of `createApp` gives on every route it covers, so that no route
 * has to repeat them (each route lists its own, specific ones):
 * - routes that need credentials: 400 (`INVALID_PRINCIPAL` in X-Heed-Principal), 401 (no or an
 *   unknown API key), 403 (development mode called from off-loopback, or not permitted);
 * - every POST under `/v1`: 413 (body over the limit), 415 (a body that is not `application/json`);
 * - requests with a JSON body: 400 (not JSON), 422 (invalid against the schema).
 */
function addMiddlewareResponses(document: OpenApiDocument): void {
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const operation = (item as Record<string, Operation | undefined>)[method];
      if (!operation) continue;
      operation.responses ??= {};
      const responses = operation.responses;
      const add = (status: string, description: string) => {
        responses[status] ??= errorResponse(description);
      };
      const authenticated = operation.security === undefined || operation.security.length > 0;
      if (authenticated && path.startsWith('/v1/')) {
        add('400', 'BAD_REQUEST, or INVALID_PRINCIPAL: X-Heed-Principal is not a principal');
        add('401', 'UNAUTHENTICATED: missing or unknown API key');
        add('403', 'FORBIDDEN: not permitted (or, without API keys, a caller off loopback)');
      }
      if (method === 'post' && path.startsWith('/v1/')) {
        add('413', 'PAYLOAD_TOO_LARGE: the body is over the limit (1 MiB by default)');
        add('415', 'UNSUPPORTED_MEDIA_TYPE: a body that is not Content-Type: application/json');
      }
      if (operation.requestBody?.content?.['application/json'] !== undefined && path.startsWith('/v1/')) {
        add('400', 'BAD_REQUEST: the body is not JSON');
        add('422', 'INVALID_REQUEST: the body does not match the schema (`issues` says where)');
      }
    }
  }
}

/**
 * The OpenAPI 3.1 document of the app: every route registered with `app.openapi` or described
 * with `app.openAPIRegistry.registerPath` (plain routes: streams, pages), the outgoing webhooks
 * (`registerWebhook`), security schemes and the responses the middleware adds. Pure: the same app
 * always gives the same document (the generated client in `src/client/` is compared with it).
 */
export function openApiDocument(app: OpenAPIHono<AuthEnv>, version: string): OpenApiDocument {
  app.openAPIRegistry.register('Error', ErrorSchema);
  const document = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'Heed',
      version,
      description:
        'Durable human-in-the-loop for AI agents. JSON under `/v1`; errors are `{"error": {"code", "message"}}`. ' +
        'With API keys configured, send `Authorization: Bearer <key>`; without them the server answers loopback ' +
        'only and takes the caller from `X-Heed-Principal` (development). Any route may also answer 503 ' +
        '(`STORE_LOCKED`) while the store is busy elsewhere.',
      license: { name: 'MIT', url: 'https://opensource.org/license/mit' },
    },
    servers: [{ url: 'http://127.0.0.1:4000', description: '`heed serve` (default port)' }],
    tags: TAGS,
    security: [{ bearer: [] }, { devPrincipal: [] }],
  });
  document.components = {
    ...document.components,
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'An API key from the `keys` configuration' },
      devPrincipal: {
        type: 'apiKey',
        in: 'header',
        name: 'X-Heed-Principal',
        description: 'Development mode only (no API keys configured, loopback callers): the caller principal',
      },
    },
  };
  addMiddlewareResponses(document);
  return document;
}
