import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { Heed } from '../human/heed.ts';
import type { Authorization } from '../authorization/authorization.ts';
import { type AuthConfig, type AuthEnv, authenticate } from '../server/auth.ts';
import { HttpError } from '../server/errors.ts';
import { ErrorSchema } from '../server/schemas.ts';
import { localTaskPort } from './local-port.ts';
import type { HeedMcpOptions } from './tools.ts';

/** The MCP SDK, loaded on the first `/mcp` request: the rest of the server (and the CLI) starts without it. */
let sdk: Promise<
  [
    typeof import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'),
    typeof import('./tools.ts'),
    typeof import('./client-question.ts'),
    typeof import('./elicitation-ids.ts'),
    typeof import('./session-capabilities.ts'),
  ]
>;
const loadSdk = () => {
  sdk ??= Promise.all([
    import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'),
    import('./tools.ts'),
    import('./client-question.ts'),
    import('./elicitation-ids.ts'),
    import('./session-capabilities.ts'),
  ]);
  return sdk;
};

export interface McpRouteOptions extends HeedMcpOptions {
  auth: AuthConfig;
  /** The one authorization module of the server (who may see which task). */
  authorization: Authorization;
  maxBodyBytes?: number | undefined;
  /** The server's link secret: signs elicitation ids, so an answer may reach any instance. */
  linkSecret?: string | undefined;
}

/**
 * `/mcp`: Heed's MCP server over Streamable HTTP, stateless (each request gets its own server and
 * transport; a waiting call lives only as long as its request, the task as long as it must). The
 * caller is authenticated like every other route (bearer API key → principal; in development the
 * `X-Heed-Principal` header), and the tools act as that caller.
 */
export function mcpRoutes(app: OpenAPIHono<AuthEnv>, heed: Heed, options: McpRouteOptions): void {
  const maxSize = options.maxBodyBytes ?? 1024 * 1024;
  app.use(
    '/mcp',
    bodyLimit({
      maxSize,
      onError: () => {
        throw new HttpError('PAYLOAD_TOO_LARGE', `The request body is over ${maxSize} bytes`);
      },
    }),
  );
  describeMcpRoute(app);
  app.use('/mcp', authenticate(options.auth, options.authorization));
  let ids: import('./elicitation-ids.ts').ElicitationIds | undefined;
  app.all('/mcp', async (c) => {
    const [{ WebStandardStreamableHTTPServerTransport }, { createHeedMcpServer }, answers, signed, sessions] =
      await loadSdk();
    ids ??= options.elicitationIds ?? new signed.ElicitationIds(options.linkSecret);
    // Stateless: the capabilities a client declared at initialization come back in its session id.
    const body =
      c.req.method === 'POST'
        ? await c.req.raw
            .clone()
            .json()
            .catch(() => undefined)
        : undefined;
    const initialize = (body as { method?: unknown } | undefined)?.method === 'initialize';
    const declared = initialize
      ? (body as { params?: { capabilities?: unknown } }).params?.capabilities
      : sessions.capabilitiesOf(c.req.header('mcp-session-id'));
    const session = initialize ? sessions.sessionIdFor(declared) : undefined;
    const server = createHeedMcpServer(localTaskPort(heed, c.get('caller'), options.authorization), {
      ...options,
      elicitationIds: ids,
      clientCapabilities: initialize ? undefined : ((declared as never) ?? {}),
    });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: session === undefined ? undefined : () => session,
    });
    await answers.connectHeedMcp(server, transport);
    // The client went away: stop this request's waits (their tasks go on in Heed).
    c.req.raw.signal.addEventListener('abort', () => void server.close(), { once: true });
    return transport.handleRequest(c.req.raw);
  });
}

/** `/mcp` in the OpenAPI document: the MCP Streamable HTTP transport (JSON-RPC 2.0). */
function describeMcpRoute(app: OpenAPIHono<AuthEnv>): void {
  const rpc = (description: string) => ({
    description,
    content: { 'application/json': { schema: z.record(z.string(), z.unknown()).openapi('JsonRpcMessage') } },
  });
  const stream = {
    description: 'The JSON-RPC answers as server-sent events (long tool calls send progress notifications first)',
    content: { 'text/event-stream': { schema: z.string() } },
  };
  const error = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });
  // The same authentication as /v1 (a bearer key, or X-Heed-Principal in development).
  const auth = {
    401: error('UNAUTHENTICATED: missing or unknown API key'),
    403: error('FORBIDDEN: without API keys, a caller off loopback'),
  };
  const base = {
    path: '/mcp',
    tags: ['MCP'],
    description:
      'Heed as an MCP server (Streamable HTTP, stateless): the tools `request_approval`, `ask_human` and `get_task` act as the caller. ' +
      'MCP tasks (a task-augmented `tools/call`, `tasks/get`, `tasks/result`, `tasks/list`, `tasks/cancel`): the MCP task is the Heed task, same id. ' +
      'A client that declares elicitation is asked in its own UI (`elicitation/create`, form or URL mode) when its user is the one to answer. ' +
      'A client that declares elicitation or tasks gets an `Mcp-Session-Id` carrying those capabilities (no state on the server); send it back on each request. ' +
      'Send `Accept: application/json, text/event-stream`.',
  };
  app.openAPIRegistry.registerPath({
    ...base,
    method: 'post',
    operationId: 'mcpRequest',
    summary: 'An MCP JSON-RPC request (initialize, tools/list, tools/call, …) or notification',
    request: {
      body: { required: true, content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } },
    },
    responses: {
      200: { ...stream, content: { ...stream.content, ...rpc('').content } },
      202: { description: 'A notification or response was accepted' },
      400: rpc('A message that is not JSON-RPC'),
      406: rpc('The Accept header does not take both application/json and text/event-stream'),
      413: error('PAYLOAD_TOO_LARGE: the body is over the limit (1 MiB by default)'),
      415: rpc('The body is not application/json'),
      ...auth,
    },
  });
  app.openAPIRegistry.registerPath({
    ...base,
    method: 'get',
    operationId: 'mcpStream',
    summary: 'A standalone stream of server messages',
    responses: { 200: stream, 406: rpc('The Accept header does not take text/event-stream'), ...auth },
  });
  app.openAPIRegistry.registerPath({
    ...base,
    method: 'delete',
    operationId: 'mcpEndSession',
    summary: 'End a session (stateless: nothing to end)',
    responses: { 200: { description: 'Ended' }, ...auth },
  });
}
