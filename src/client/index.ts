/**
 * `heed/client`: a typed client of Heed's HTTP API. The types are generated from the OpenAPI
 * document (`src/client/schema.ts`, `npm run generate:client`); requests go through
 * `openapi-fetch`, so every path, parameter, body and response is checked by TypeScript:
 *
 * ```ts
 * import { createHeedClient, unwrap } from 'heed/client';
 * const heed = createHeedClient({ url: 'http://127.0.0.1:4000', key: process.env.HEED_KEY });
 * const task = unwrap(await heed.POST('/v1/tasks', { body: { type: 'approval', title: 'Deploy?' } }));
 * ```
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './schema.ts';

export type { components, operations, paths, webhooks } from './schema.ts';

type Schemas = components['schemas'];
export type Task = Schemas['Task'];
export type TaskSpec = Schemas['TaskSpec'];
export type TaskResult = Schemas['TaskResult'];
export type TaskAnswer = Schemas['TaskAnswer'];
export type TaskResponseBody = Schemas['TaskResponse'];
export type Run = Schemas['Run'];
export type RunDetail = Schemas['RunDetail'];
export type AuditEntry = Schemas['AuditEntry'];
export type WebhookEvent = Schemas['WebhookEvent'];
export type ErrorBody = Schemas['Error'];

/** The typed client: `GET`, `POST`, … on the API's paths (openapi-fetch's `Client`). */
export type HeedClient = Client<paths>;

export interface HeedClientOptions {
  /** The server, e.g. `http://127.0.0.1:4000`. */
  url: string;
  /** An API key, sent as `Authorization: Bearer <key>`. */
  key?: string | undefined;
  /** Development mode only (no API keys configured): the principal, sent as `X-Heed-Principal`. */
  principal?: string | undefined;
  /** The channel answers are recorded under (`X-Heed-Via`: `api`, `inbox` or `cli`; default `api`). */
  via?: 'api' | 'inbox' | 'cli';
  /** Another fetch (tests, proxies). */
  fetch?: typeof fetch;
}

/**
 * A client of the server at `options.url`. Requests never throw for HTTP errors: each result is
 * `{data}` or `{error}` (the server's `{"error": {code, message}}`) with the `response`; use
 * {@link unwrap} to throw instead. A server that cannot be reached rejects with fetch's error.
 */
export function createHeedClient(options: HeedClientOptions): HeedClient {
  const headers: Record<string, string> = {};
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  if (options.principal) headers['x-heed-principal'] = options.principal;
  if (options.via) headers['x-heed-via'] = options.via;
  return createClient<paths>({
    baseUrl: options.url.replace(/\/+$/, ''),
    headers,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/** An error answer of the API: its HTTP status, the error `code` and message, and field `issues`. */
export class HeedApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly issues: { path: string; message: string }[];
  constructor(status: number, body: unknown) {
    const error = (body as Partial<ErrorBody> | undefined)?.error;
    super(error?.message ?? `HTTP ${status}`);
    this.name = 'HeedApiError';
    this.status = status;
    this.code = error?.code ?? 'HTTP_ERROR';
    this.issues = error?.issues ?? [];
  }
}

/**
 * The data of a successful result.
 * @throws HeedApiError when the server answered with an error status.
 */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (!result.response.ok || result.error !== undefined) throw new HeedApiError(result.response.status, result.error);
  return result.data as T;
}
