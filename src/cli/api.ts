import { createHeedClient, type HeedClient, unwrap } from '../client/index.ts';

/** How the CLI reaches a server: flags first, then the environment. */
export interface ConnectionFlags {
  url?: string | undefined;
  key?: string | undefined;
  as?: string | undefined;
}

export const DEFAULT_URL = 'http://127.0.0.1:4000';

/** The server the CLI talks to, through the typed client (`heed/client`). */
export interface Api {
  url: string;
  client: HeedClient;
  /**
   * Awaits a client call and returns its data.
   * @throws HeedApiError for an error answer; Error saying where it looked when the server is unreachable.
   */
  call<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T>;
}

export function connect(flags: ConnectionFlags): Api {
  const url = (flags.url ?? process.env.HEED_URL ?? DEFAULT_URL).replace(/\/+$/, '');
  const client = createHeedClient({
    url,
    key: flags.key ?? process.env.HEED_KEY,
    principal: flags.as ?? process.env.HEED_PRINCIPAL,
    via: 'cli',
  });
  return {
    url,
    client,
    async call(request) {
      let result: Awaited<typeof request>;
      try {
        result = await request;
      } catch (error) {
        const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
        throw new Error(`Cannot reach Heed at ${url} (${reason}); is \`heed serve\` running?`);
      }
      return unwrap(result);
    },
  };
}
