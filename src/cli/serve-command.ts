import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { modelFromEnvironment } from '../agent/models.ts';
import { registerDemoWorkflows } from '../demo/workflows.ts';
import { Heed } from '../human/heed.ts';
import { startServer } from '../server/serve.ts';
import type { WebhookOptions } from '../server/webhooks/dispatcher.ts';
import { SqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { paint } from './format.ts';
import { storeFromFlags } from './store-flags.ts';
import { importWorkflowModules } from './workflow-modules.ts';

export interface ServeFlags {
  db?: string | undefined;
  postgres?: string | undefined;
  port?: string | undefined;
  host?: string | undefined;
  config?: string | undefined;
  demo?: boolean | undefined;
  import?: string[] | undefined;
  lease?: string | undefined;
}

/** What `--config FILE` may hold (JSON). */
interface ServeConfig {
  /** API key → principal. Also `HEED_API_KEYS="key1=user:alice,key2=user:bob"`. */
  keys?: Record<string, string>;
  admins?: string[];
  /** principal → groups it belongs to. */
  groups?: Record<string, string[]>;
  /** Secret for one-click links (also HEED_LINK_SECRET); default: kept in a file beside the store. */
  linkSecret?: string;
  /** Public URL of the service, for links in notifications. */
  publicUrl?: string;
  /** Outgoing webhooks: `{endpoints: [{url, secret, events?}], callbackSecret}` (also HEED_WEBHOOK_SECRET). */
  webhooks?: WebhookOptions;
}

/**
 * The link secret: configured, or made once and kept with the store so links survive restarts
 * (beside a SQLite file; in a PostgreSQL store's settings, shared by every server on it).
 */
async function linkSecret(config: ServeConfig, db: string | undefined, store: Store): Promise<string> {
  const configured = process.env.HEED_LINK_SECRET ?? config.linkSecret;
  if (configured) return configured;
  if (db === undefined) {
    await store.init();
    const kept = await store.getSetting('link-secret');
    if (kept) return kept;
    await store.setSetting('link-secret', randomBytes(32).toString('hex'));
    return (await store.getSetting('link-secret')) as string;
  }
  const file = `${db}.link-secret`;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/**
 * `heed serve`: the API, the inbox, the workers and the timers in one process, until SIGTERM or
 * SIGINT, when it stops gracefully (in-flight steps get 10 s, the rest are handed back).
 */
export async function serveCommand(flags: ServeFlags): Promise<void> {
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

  const { store, label } = storeFromFlags(flags);
  const db = store instanceof SqliteStore ? store.path : undefined;
  const heed = new Heed({ store, groupsOf, ...(flags.lease ? { lease: flags.lease } : {}) });
  const model = flags.demo ? modelFromEnvironment() : undefined;
  if (model) registerDemoWorkflows(heed, model.model);
  await importWorkflowModules(heed, flags.import ?? []);
  const server = await startServer(heed, {
    port,
    host: flags.host ?? '127.0.0.1',
    auth: { keys, admins: new Set(config.admins ?? []) },
    groupsOf,
    linkSecret: await linkSecret(config, db, store),
    webhooks: {
      ...config.webhooks,
      ...(process.env.HEED_WEBHOOK_SECRET ? { callbackSecret: process.env.HEED_WEBHOOK_SECRET } : {}),
    },
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
  });
  console.log(`${paint('green', 'Heed')} is serving on ${server.url}`);
  console.log(`  inbox  ${server.url}/`);
  console.log(`  API    ${server.url}/v1  (reference: ${server.url}/v1/docs)`);
  console.log(`  store  ${label}`);
  if (model) console.log(`  demo   workflows banking, banking-router, refund, data-export; model: ${model.label}`);
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
