import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { Channels } from '../channels/channels.ts';
import { channelsConfig } from '../channels/config.ts';
import type { Store } from '../store/store.ts';
import type { HeedConfig } from './config-file.ts';

/** The setting that keeps the link secret in the store. */
const LINK_SECRET_SETTING = 'link-secret';

/**
 * The link secret: configured, or made once and kept in the store's settings, so that links
 * survive restarts and every process on the store (`heed serve` and `heed worker` on one
 * PostgreSQL database, two processes started together on a new one) signs and checks links with
 * the same secret. Each process proposes a fresh secret and keeps whichever the store kept first
 * (`setSettingOnce`: insert if absent, then read back), so two processes racing on a new store
 * never each keep their own, which would make the links of one "forged" for the other.
 * A secret that an earlier version kept beside a SQLite file (`db`, the file's path) stays in use.
 * @throws the store's error when its settings cannot be read or written.
 */
export async function linkSecretOf(config: HeedConfig, db: string | undefined, store: Store): Promise<string> {
  const configured = process.env.HEED_LINK_SECRET ?? config.linkSecret;
  if (configured) return configured;
  const legacyFile = db === undefined ? undefined : `${db}.link-secret`;
  if (legacyFile !== undefined && existsSync(legacyFile)) return readFileSync(legacyFile, 'utf8').trim();
  await store.init();
  return store.setSettingOnce(LINK_SECRET_SETTING, randomBytes(32).toString('hex'));
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
