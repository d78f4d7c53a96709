import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { A2A_VERSION_HEADER, AgentCard, HTTP_EXTENSION_HEADER, Extensions } from '@a2a-js/sdk';
import { JsonRpcTransportHandler, validateVersion } from '@a2a-js/sdk/server';
import type { Authorization } from '../../authorization/authorization.ts';
import type { Heed } from '../../human/heed.ts';
import { HeedA2AHandler, HeedCallContext, type RunWatcher } from '../../a2a/handler.ts';
import { PushConfigs } from '../../a2a/push-configs.ts';
import { registerA2AWorkflow } from '../../a2a/workflow.ts';
import { type AuthConfig, type AuthEnv, authenticate } from '../auth.ts';
import { checkCallbackUrl } from '../callback-url.ts';
import { HttpError } from '../errors.ts';
import { ErrorSchema } from '../schemas.ts';

export const AGENT_CARD_PATH = '/.well-known/agent-card.json';
export const A2A_PATH = '/a2a';

export interface A2ARouteOptions {
  auth: AuthConfig;
  /** The public base URL (the agent card names `<base>/a2a`). */
  baseUrl: () => string;
  /** Push notifications are signed with the callback secret: without one, none are offered. */
  pushNotifications: boolean;
  /** Push notification URLs on loopback and private networks (default: refused, as callbacks). */
  allowPrivateCallbacks: boolean;
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/**
 * Heed's A2A agent (A2A 1.0, JSON-RPC binding; see `a2a/handler.ts`): the agent card at
 * `/.well-known/agent-card.json` (public, for discovery) and the JSON-RPC endpoint `/a2a`,
 * authenticated like every other route (bearer API key → principal; in development the
 * `X-Heed-Principal` header). Streaming methods answer with server-sent events. A request must
 * be JSON (a cross-site form cannot send it) and name `A2A-Version: 1.0`.
 */
export function a2aRoutes(
  app: OpenAPIHono<AuthEnv>,
  heed: Heed,
  watcher: RunWatcher,
  authorization: Authorization,
  options: A2ARouteOptions,
): void {
  registerA2AWorkflow(heed);
  const handler = new HeedA2AHandler(heed, authorization, {
    url: () => `${options.baseUrl().replace(/\/+$/, '')}${A2A_PATH}`,
    pushNotifications: options.pushNotifications,
    checkUrl: (url) => checkCallbackUrl(url, options.allowPrivateCallbacks),
    pushConfigs: new PushConfigs(heed.feeds),
    watcher,
  });
  const transport = new JsonRpcTransportHandler(handler);
  describeA2ARoutes(app);

  app.get(AGENT_CARD_PATH, async (c) => c.json(AgentCard.toJSON(await handler.getAgentCard()) as object, 200));

  app.use(A2A_PATH, authenticate(options.auth, authorization));
  app.post(A2A_PATH, async (c) => {
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/(a2a\+)?json\s*(;|$)/i.test(type)) {
      throw new HttpError('UNSUPPORTED_MEDIA_TYPE', `Send JSON-RPC as application/json (got "${type || 'none'}")`);
    }
    const body = await c.req.text();
    const id = requestId(body);
    // The request's own end (the client went away) or the stream's cancellation stops its waits.
    const ended = new AbortController();
    c.req.raw.signal.addEventListener('abort', () => ended.abort(), { once: true });
    const context = new HeedCallContext(c.get('caller'), ended.signal, {
      requestedVersion: c.req.header(A2A_VERSION_HEADER) ?? undefined,
      requestedExtensions: Extensions.parseServiceParameter(c.req.header(HTTP_EXTENSION_HEADER)),
    });
    try {
      validateVersion(context.requestedVersion, await handler.getAgentCard(), 'JSONRPC');
    } catch (error) {
      return c.json({ jsonrpc: '2.0', id, error: JsonRpcTransportHandler.mapToJSONRPCError(error) }, 200);
    }
    const pending = transport.handle(body, context);
    const answer = await Promise.race([pending, delay(QUICK_MS)]);
    // A blocking SendMessage waits for people (hours, days): answer at once and keep the
    // connection alive with whitespace (JSON allows it before the value) until the decision, so
    // no client or proxy gives up on a response that has not started.
    if (answer === undefined) return longAnswer(pending, id, ended);
    if (!(Symbol.asyncIterator in answer)) return c.json(answer, 200);
    const iterator = answer[Symbol.asyncIterator]();
    let first: IteratorResult<unknown>;
    try {
      first = await iterator.next();
    } catch (error) {
      // Refused before anything was streamed (not found, invalid): a plain JSON-RPC error.
      return c.json({ jsonrpc: '2.0', id, error: JsonRpcTransportHandler.mapToJSONRPCError(error) }, 200);
    }
    const encoder = new TextEncoder();
    const event = (value: unknown, name?: string) =>
      encoder.encode(`${name ? `event: ${name}\n` : ''}data: ${JSON.stringify(value)}\n\n`);
    // A comment line now and then keeps a stream that waits for people alive (clients ignore it).
    let heartbeat: NodeJS.Timeout | undefined;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        if (first.done) return controller.close();
        controller.enqueue(event(first.value));
        heartbeat = setInterval(() => {
          try {
            controller.enqueue(encoder.encode(': waiting\n\n'));
          } catch {
            clearInterval(heartbeat);
          }
        }, HEARTBEAT_MS);
      },
      async pull(controller) {
        try {
          const next = await iterator.next();
          if (next.done) {
            clearInterval(heartbeat);
            controller.close();
          } else controller.enqueue(event(next.value));
        } catch (error) {
          clearInterval(heartbeat);
          controller.enqueue(
            event({ jsonrpc: '2.0', id, error: JsonRpcTransportHandler.mapToJSONRPCError(error) }, 'error'),
          );
          controller.close();
        }
      },
      cancel() {
        clearInterval(heartbeat);
        ended.abort();
        void iterator.return?.(undefined);
      },
    });
    return new Response(stream, { status: 200, headers: SSE_HEADERS });
  });
}

/** How long an answer may take before it is sent as a long answer (see {@link longAnswer}). */
const QUICK_MS = 1000;
/** The whitespace that keeps a long answer's connection alive, this often. */
const HEARTBEAT_MS = 15_000;

const delay = (ms: number) => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref());

/**
 * A JSON-RPC answer still being computed: the headers now, a blank line every
 * {@link HEARTBEAT_MS}, then the answer (a JSON document may start with whitespace).
 */
function longAnswer(pending: Promise<unknown>, id: string | number | null, ended: AbortController): Response {
  const encoder = new TextEncoder();
  let timer: NodeJS.Timeout | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      timer = setInterval(() => controller.enqueue(encoder.encode('\n')), HEARTBEAT_MS);
      controller.enqueue(encoder.encode('\n'));
      void pending
        .then((answer) => controller.enqueue(encoder.encode(JSON.stringify(answer))))
        .catch((error) =>
          controller.enqueue(
            encoder.encode(
              JSON.stringify({ jsonrpc: '2.0', id, error: JsonRpcTransportHandler.mapToJSONRPCError(error) }),
            ),
          ),
        )
        .finally(() => {
          clearInterval(timer);
          try {
            controller.close();
          } catch {
            // The client went away first.
          }
        });
    },
    cancel() {
      clearInterval(timer);
      ended.abort();
    },
  });
  return new Response(stream, { status: 200, headers: { 'content-type': 'application/json' } });
}

/** The JSON-RPC id of a request body, for an error answered before the transport reads it. */
function requestId(body: string): string | number | null {
  try {
    const id = (JSON.parse(body) as { id?: unknown }).id;
    return typeof id === 'string' || typeof id === 'number' ? id : null;
  } catch {
    return null;
  }
}

/** The routes in the OpenAPI document: the agent card, and `/a2a` with a generic JSON-RPC body. */
function describeA2ARoutes(app: OpenAPIHono<AuthEnv>): void {
  const error = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });
  const rpc = z.record(z.string(), z.unknown()).openapi('A2AJsonRpcMessage');
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: AGENT_CARD_PATH,
    operationId: 'getAgentCard',
    tags: ['A2A'],
    summary: "The A2A agent card: Heed's skills (request_approval, ask_human, A2A workflows), its endpoint and auth",
    security: [],
    responses: {
      200: {
        description: 'The agent card (A2A 1.0)',
        content: { 'application/json': { schema: z.record(z.string(), z.unknown()).openapi('A2AAgentCard') } },
      },
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: A2A_PATH,
    operationId: 'a2aRequest',
    tags: ['A2A'],
    summary: 'An A2A JSON-RPC request (SendMessage, SendStreamingMessage, GetTask, CancelTask, SubscribeToTask, …)',
    description:
      'Heed as an A2A agent (A2A 1.0, JSON-RPC binding): each task is a durable Heed run that asks people; it is ' +
      '`working` while they decide (the status says who was asked) and `completed` with the decision as a data ' +
      'part. Send `A2A-Version: 1.0`. SendStreamingMessage and SubscribeToTask answer with server-sent events, ' +
      'each a JSON-RPC response. A blocking SendMessage that waits for people starts its 200 answer at once and ' +
      'sends blank lines (valid JSON whitespace) until the JSON-RPC response, so no client or proxy times out.',
    request: {
      headers: z.object({ 'A2A-Version': z.string().optional().openapi({ example: '1.0' }) }),
      body: { required: true, content: { 'application/json': { schema: rpc } } },
    },
    responses: {
      200: {
        description: 'A JSON-RPC response (result or error), or for the streaming methods an event stream of them',
        content: { 'application/json': { schema: rpc }, 'text/event-stream': { schema: z.string() } },
      },
      401: error('UNAUTHENTICATED: missing or unknown API key'),
      403: error('FORBIDDEN: without API keys, a caller off loopback'),
      413: error('PAYLOAD_TOO_LARGE: the body is over the limit (1 MiB by default)'),
      415: error('UNSUPPORTED_MEDIA_TYPE: the body is not JSON'),
    },
  });
}
