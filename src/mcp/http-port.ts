import { HeedError, TaskNotFoundError } from '../errors.ts';
import { answerRefusal } from '../human/responses.ts';
import type { Task, TaskResult, TaskSpec } from '../human/types.ts';
import type { Page } from '../store/store.ts';
import type { McpCaller, McpTaskPort } from './task-port.ts';

export interface HttpPortOptions {
  /** The Heed server, e.g. `http://127.0.0.1:4000`. */
  url: string;
  /** API key (`Authorization: Bearer`): the server decides the principal. */
  key?: string | undefined;
  /** Development mode only (a server without keys): the `X-Heed-Principal` to act as. */
  principal?: string | undefined;
}

/** The longest long-poll the server accepts (`GET /v1/tasks/{id}/result?wait=`). */
const MAX_WAIT_S = 300;

/**
 * The MCP tools' access to a Heed server over its HTTP API (`heed mcp --url URL --key KEY`). The
 * server authenticates the key and authorizes every call; errors come back as `HeedError`s with the
 * server's code. Waiting is the server's result long-poll, one request at a time.
 */
export function httpTaskPort(options: HttpPortOptions): McpTaskPort {
  const base = options.url.replace(/\/+$/, '');
  async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T | undefined> {
    const headers: Record<string, string> = { 'x-heed-via': 'mcp' };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    if (options.principal) headers['x-heed-principal'] = options.principal;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) return undefined;
      throw new HeedError('UNREACHABLE', `Cannot reach Heed at ${base} (${(error as Error).message})`, {
        cause: error,
      });
    }
    const json = (await response.json().catch(() => undefined)) as
      | { error?: { code?: string; message?: string } }
      | undefined;
    if (response.status === 404) return undefined;
    if (!response.ok) {
      throw new HeedError(json?.error?.code ?? 'HTTP_ERROR', json?.error?.message ?? `HTTP ${response.status}`);
    }
    return json as T;
  }
  let me: Promise<McpCaller> | undefined;
  const whoami = (): Promise<McpCaller> => {
    me ??= call<{ principal: string; groups: string[] }>('GET', '/v1/me').then((body) => {
      if (!body) throw new HeedError('NOT_FOUND', `${base} has no /v1/me: is it a Heed server?`);
      return { principal: body.principal, identities: [body.principal, ...body.groups] };
    });
    // A failure is not remembered: the next call asks again.
    me.catch(() => {
      me = undefined;
    });
    return me;
  };
  const must =
    <T>(id: string) =>
    (value: T | undefined): T => {
      if (value === undefined) throw new TaskNotFoundError(id);
      return value;
    };
  return {
    principal: options.principal ?? 'the API key',
    async create(spec: TaskSpec): Promise<Task> {
      const task = await call<Task>('POST', '/v1/tasks', spec);
      if (!task) throw new HeedError('NOT_FOUND', `${base} has no /v1/tasks: is it a Heed server?`);
      return task;
    },
    get: (id) => call<Task>('GET', `/v1/tasks/${encodeURIComponent(id)}`),
    async waitForResult(id: string, ms: number, signal: AbortSignal): Promise<TaskResult | null> {
      const wait = Math.min(MAX_WAIT_S, Math.max(0, Math.ceil(ms / 1000)));
      const result = await call<TaskResult | { status: 'pending' }>(
        'GET',
        `/v1/tasks/${encodeURIComponent(id)}/result?wait=${wait}`,
        undefined,
        signal,
      );
      if (signal.aborted) return null;
      if (!result) throw new TaskNotFoundError(id);
      return result.status === 'pending' ? null : (result as TaskResult);
    },
    whoami,
    async list(cursor) {
      const { principal } = await whoami();
      const query = new URLSearchParams({ limit: '50', ...(principal === 'system' ? {} : { requester: principal }) });
      if (cursor) query.set('cursor', cursor);
      return (await call<Page<Task>>('GET', `/v1/tasks?${query}`)) ?? { items: [], nextCursor: null };
    },
    cancel: async (id) => must<Task>(id)(await call<Task>('POST', `/v1/tasks/${encodeURIComponent(id)}/cancel`)),
    async mayAnswer(task) {
      const caller = await whoami();
      // The server decides again when the answer comes; this only says whether to ask in the client.
      return caller.principal !== 'system' && answerRefusal(task, caller) === null;
    },
    answer: async (id, input) =>
      must<Task>(id)(await call<Task>('POST', `/v1/tasks/${encodeURIComponent(id)}/responses`, input)),
  };
}
