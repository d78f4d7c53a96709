import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { modelFromEnvironment } from '../agent/models.ts';
import { Channels } from '../channels/channels.ts';
import { type ChannelsConfig, channelsConfig } from '../channels/config.ts';
import { registerDemoWorkflows } from '../demo/workflows.ts';
import { Heed } from '../human/heed.ts';
import { startServer } from '../server/serve.ts';
import type { WebhookOptions } from '../server/webhooks/dispatcher.ts';
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
interface ServeConfig extends ChannelsConfig {
  /** API key → principal. Also `HEED_API_KEYS="key1=user:alice,key2=user:bob"`. */
  keys?: Record<string, string>;
  admins?: string[];
  /** principal → groups it belongs to. */
  groups?: Record<string, string[]>;
  /** Secret for one-click links (also HEED_LINK_SECRET); default: kept in a file beside the store. */
  linkSecret?: string;
  /** Outgoing webhooks: `{endpoints: [{url, secret, events?}], callbackSecret}` (also HEED_WEBHOOK_SECRET). */
  webhooks?: WebhookOptions;
}

/** The link secret: configured, or made once and kept beside the store so links survive restarts. */
function linkSecret(config: ServeConfig, db: string): string {
  const configured = process.env.HEED_LINK_SECRET ?? config.linkSecret;
  if (configured) return configured;
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

  const db = flags.db ?? '.heed/heed.db';
  // Email and Slack: without SMTP or a Slack token, notices go to the local outbox (/outbox).
  const channels = new Channels(channelsConfig(config));
  const heed = new Heed({ store: new SqliteStore(db), groupsOf, notifiers: channels.notifiers });
  const model = flags.demo ? modelFromEnvironment() : undefined;
  if (model) registerDemoWorkflows(heed, model.model);
  const server = await startServer(heed, {
    port,
    host: flags.host ?? '127.0.0.1',
    auth: { keys, admins: new Set(config.admins ?? []) },
    groupsOf,
    linkSecret: linkSecret(config, db),
    webhooks: {
      ...config.webhooks,
      ...(process.env.HEED_WEBHOOK_SECRET ? { callbackSecret: process.env.HEED_WEBHOOK_SECRET } : {}),
    },
    ...(channels.config.publicUrl ? { publicUrl: channels.config.publicUrl } : {}),
    channels,
  });
  console.log(`${paint('green', 'Heed')} is serving on ${server.url}`);
  console.log(`  inbox  ${server.url}/`);
  console.log(`  API    ${server.url}/v1  (reference: ${server.url}/v1/docs)`);
  console.log(`  store  ${db}`);
  const offline = (['email', 'slack'] as const).filter((c) => channels.offline(c));
  if (offline.length > 0)
    console.log(`  outbox ${server.url}/outbox  (${offline.join(' and ')} not configured: notices are kept here)`);
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
