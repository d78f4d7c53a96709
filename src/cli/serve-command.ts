import { readFileSync } from 'node:fs';
import { registerDemoWorkflows } from '../demo/workflows.ts';
import { Heed } from '../human/heed.ts';
import { startServer } from '../server/serve.ts';
import { SqliteStore } from '../store/sqlite/sqlite-store.ts';
import { paint } from './format.ts';

export interface ServeFlags {
  db?: string | undefined;
  postgres?: string | undefined;
  port?: string | undefined;
  host?: string | undefined;
  config?: string | undefined;
  demo?: boolean | undefined;
}

/** What `--config FILE` may hold (JSON). */
interface ServeConfig {
  /** API key → principal. Also `HEED_API_KEYS="key1=user:alice,key2=user:bob"`. */
  keys?: Record<string, string>;
  admins?: string[];
  /** principal → groups it belongs to. */
  groups?: Record<string, string[]>;
}

/**
 * `heed serve`: the API, the inbox, the workers and the timers in one process, until SIGTERM or
 * SIGINT, when it stops gracefully (in-flight steps get 10 s, the rest are handed back).
 */
export async function serveCommand(flags: ServeFlags): Promise<void> {
  if (flags.postgres) throw new Error('PostgreSQL is not available in this version of Heed yet; use --db PATH');
  const config: ServeConfig = flags.config ? (JSON.parse(readFileSync(flags.config, 'utf8')) as ServeConfig) : {};
  const keys = new Map(Object.entries(config.keys ?? {}));
  for (const pair of (process.env.HEED_API_KEYS ?? '').split(',').filter(Boolean)) {
    const [key, principal] = pair.split('=');
    if (key && principal) keys.set(key.trim(), principal.trim());
  }
  const groups = config.groups ?? {};
  const groupsOf = (principal: string) => groups[principal] ?? [];
  const port = flags.port === undefined ? 4000 : Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be a port number, got ${flags.port}`);

  const heed = new Heed({ store: new SqliteStore(flags.db ?? '.heed/heed.db'), groupsOf });
  if (flags.demo) registerDemoWorkflows(heed);
  const server = await startServer(heed, {
    port,
    host: flags.host ?? '127.0.0.1',
    auth: { keys, admins: new Set(config.admins ?? []) },
    groupsOf,
  });
  console.log(`${paint('green', 'Heed')} is serving on ${server.url}`);
  console.log(`  inbox  ${server.url}/`);
  console.log(`  API    ${server.url}/v1  (reference: ${server.url}/v1/docs)`);
  console.log(`  store  ${flags.db ?? '.heed/heed.db'}${flags.demo ? '  (demo workflows: refund, data-export)' : ''}`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping gracefully…`);
    void server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
