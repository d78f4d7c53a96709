import type { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { Heed } from '../human/heed.ts';
import type { MembershipLookup } from '../human/principals.ts';
import { type AuthConfig, type AuthEnv, authenticate } from '../server/auth.ts';
import { HttpError } from '../server/errors.ts';
import { localTaskPort } from './local-port.ts';
import type { HeedMcpOptions } from './tools.ts';

/** The MCP SDK, loaded on the first `/mcp` request: the rest of the server (and the CLI) starts without it. */
let sdk: Promise<
  [typeof import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'), typeof import('./tools.ts')]
>;
const loadSdk = () => {
  sdk ??= Promise.all([import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'), import('./tools.ts')]);
  return sdk;
};

export interface McpRouteOptions extends HeedMcpOptions {
  auth: AuthConfig;
  groupsOf?: MembershipLookup | undefined;
  maxBodyBytes?: number | undefined;
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
  app.use('/mcp', authenticate(options.auth));
  app.all('/mcp', async (c) => {
    const [{ WebStandardStreamableHTTPServerTransport }, { createHeedMcpServer }] = await loadSdk();
    const server = createHeedMcpServer(localTaskPort(heed, c.get('caller'), options.groupsOf), options);
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    await server.connect(transport);
    // The client went away: stop this request's waits (their tasks go on in Heed).
    c.req.raw.signal.addEventListener('abort', () => void server.close(), { once: true });
    return transport.handleRequest(c.req.raw);
  });
}
