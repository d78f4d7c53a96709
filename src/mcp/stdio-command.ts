import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { policiesOf, readConfigFile } from '../cli/config-file.ts';
import { Heed } from '../human/heed.ts';
import { checkPrincipal } from '../human/principals.ts';
import { SqliteStore } from '../store/sqlite/sqlite-store.ts';
import { httpTaskPort } from './http-port.ts';
import { Authorization } from '../authorization/authorization.ts';
import { localTaskPort } from './local-port.ts';
import type { McpTaskPort } from './task-port.ts';
import { connectHeedMcp } from './client-question.ts';
import { createHeedMcpServer } from './tools.ts';

export interface McpFlags {
  db?: string | undefined;
  url?: string | undefined;
  key?: string | undefined;
  as?: string | undefined;
  config?: string | undefined;
}

/** Who `heed mcp --db` acts as without `--as` or HEED_PRINCIPAL. */
const DEFAULT_PRINCIPAL = 'agent:mcp';

/**
 * `heed mcp`: Heed's MCP server on stdin/stdout, for MCP clients that start their servers as
 * child processes. Against a server (`--url`/HEED_URL, default http://127.0.0.1:4000, with
 * `--key`/HEED_KEY, or `--as` in development), or against a store (`--db PATH`, acting as
 * `--as`/HEED_PRINCIPAL, default `agent:mcp`; this process then also runs workers, so deadlines and reminders fire even when no
 * `heed serve` shares the file). Stdout carries only MCP messages; diagnostics go to stderr.
 * Ends when stdin closes.
 */
export async function mcpCommand(flags: McpFlags): Promise<void> {
  const principal = flags.as ?? process.env.HEED_PRINCIPAL;
  let port: McpTaskPort;
  let heed: Heed | undefined;
  let baseUrl: string | undefined;
  if (flags.db !== undefined) {
    if (flags.url !== undefined) throw new Error('heed mcp: give --db or --url, not both');
    // The same policies as the server on this store: the model never picks who decides.
    const config = readConfigFile(flags.config);
    const groups = config.groups ?? {};
    heed = new Heed({
      store: new SqliteStore(flags.db),
      groupsOf: (p) => groups[p] ?? [],
      ...policiesOf(config),
      onError: (error) => console.error('[heed]', error),
    });
    await heed.start();
    // A local principal on the local store: development-mode rules, no admins.
    const authorization = new Authorization({ admins: new Set(), devMode: true, workflows: heed });
    const caller = await authorization.caller(checkPrincipal(principal ?? DEFAULT_PRINCIPAL));
    port = localTaskPort(heed, { ...caller, admin: false }, authorization);
  } else {
    const url = flags.url ?? process.env.HEED_URL ?? 'http://127.0.0.1:4000';
    port = httpTaskPort({ url, key: flags.key ?? process.env.HEED_KEY, principal });
    baseUrl = url;
  }
  // A lasting connection: each MCP task's end is told without being asked; URL-mode
  // elicitations link to the server's inbox (against a store there is no inbox: forms only).
  const server = createHeedMcpServer(port, {
    notifyStatus: true,
    ...(baseUrl === undefined ? {} : { baseUrl: () => baseUrl as string }),
    onError: (error) => console.error('[heed mcp]', (error as Error).message),
  });
  const transport = new StdioServerTransport();
  const stopped = new Promise<void>((resolve) => {
    transport.onclose = resolve;
    process.stdin.once('end', resolve);
  });
  await connectHeedMcp(server, transport);
  console.error(`heed mcp: serving request_approval, ask_human, get_task as ${port.principal} on stdio`);
  await stopped;
  await server.close().catch(() => {});
  await heed?.stop({ grace: 0 });
}
