import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Channels } from '../channels/channels.ts';
import { channelsConfig } from '../channels/config.ts';
import type { Store } from '../store/store.ts';
import type { HeedConfig } from './config-file.ts';

/**
 * The link secret: configured, or made once and kept with the store so links survive restarts
 * (beside a SQLite file; in a PostgreSQL store's settings, shared by every process on it).
 * `db` is the SQLite file, undefined for a PostgreSQL store.
 * @throws the store's error when its settings cannot be read or written.
 */
export async function linkSecretOf(config: HeedConfig, db: string | undefined, store: Store): Promise<string> {
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
 * Email and Slack as `--config FILE` (and the environment) configure them, for every process
 * that runs workflows (`heed serve` and `heed worker`): a task's notices are decided by the
 * notifiers of the process that asks it (see `HumanTasks.create`), so each must have the same.
 * Without SMTP or a Slack token, notices go to the local outbox (`/outbox` of `heed serve`).
 */
export function channelsFromConfig(config: HeedConfig): Channels {
  return new Channels(channelsConfig(config));
}
