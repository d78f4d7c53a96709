import { afterEach } from 'vitest';
import type { Heed, HeedOptions } from '../../src/index.ts';
import { type RunningServer, type ServeOptions, startServer } from '../../src/server/serve.ts';
import { testEngine } from '../helpers.ts';

const servers: RunningServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close().catch(() => {})));
});

/** A decoded JSON response body; tests read into it freely. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are arbitrary JSON checked by the assertions
export type Body = any;

export interface TestServer {
  heed: Heed;
  url: string;
  /** The SQLite file. */
  path: string;
  clock: ReturnType<typeof testEngine>['clock'];
  /** fetch with JSON body and the given principal (development mode) or key. */
  call(
    method: string,
    path: string,
    options?: { body?: unknown; as?: string; key?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: Body }>;
}

/** A real HTTP server on a random loopback port, over a temp SQLite file with a virtual clock. */
export async function testServer(
  options: ServeOptions & { setup?: (heed: Heed) => void; heed?: Partial<HeedOptions> } = {},
): Promise<TestServer> {
  const { heed, clock, path } = testEngine({
    ...(options.groupsOf ? { groupsOf: options.groupsOf } : {}),
    ...options.heed,
  });
  options.setup?.(heed);
  const server = await startServer(heed, { port: 0, ...options });
  servers.push(server);
  return {
    heed,
    clock,
    path,
    url: server.url,
    async call(method, path, { body, as, key, headers } = {}) {
      const h: Record<string, string> = { ...headers };
      if (body !== undefined && !h['content-type']) h['content-type'] = 'application/json';
      if (as) h['x-heed-principal'] = as;
      if (key) h.authorization = `Bearer ${key}`;
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: h,
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body: parsed };
    },
  };
}
