import type { TaskPushNotificationConfig } from '@a2a-js/sdk';
import type { FeedStore } from '../store/feed-store.ts';

/** A push notification config as kept (the A2A fields Heed uses). */
export interface StoredPushConfig {
  id: string;
  url: string;
  /** Sent back in `X-A2A-Notification-Token`, for the receiver to check. */
  token: string;
  /** Sent as `Authorization: <scheme> <credentials>`. */
  authentication: { scheme: string; credentials: string } | null;
}

/** At most this many configs per task (each is a delivery per state change). */
export const MAX_PUSH_CONFIGS = 10;

const key = (taskId: string) => `a2a.push:${taskId}`;

/**
 * The push notification configs of A2A tasks, durable in the store's settings (one small entry
 * per task that has any). Read by the push dispatcher at each state change, so a config added
 * while a task waits gets the changes from then on.
 */
export class PushConfigs {
  readonly #store: Pick<FeedStore, 'getSetting' | 'setSetting'>;

  constructor(store: Pick<FeedStore, 'getSetting' | 'setSetting'>) {
    this.#store = store;
  }

  /** The configs of `taskId` (none: `[]`). */
  async list(taskId: string): Promise<StoredPushConfig[]> {
    const text = await this.#store.getSetting(key(taskId));
    return text ? (JSON.parse(text) as StoredPushConfig[]) : [];
  }

  /**
   * Adds a config, or replaces the one with its id; an empty id gets a new one. Returns it.
   * Two changes of one task's configs at the same instant may lose one (last write wins).
   * @throws RangeError past {@link MAX_PUSH_CONFIGS}
   */
  async save(taskId: string, config: TaskPushNotificationConfig): Promise<StoredPushConfig> {
    const stored: StoredPushConfig = {
      id: config.id || crypto.randomUUID(),
      url: config.url,
      token: config.token ?? '',
      authentication: config.authentication?.scheme
        ? { scheme: config.authentication.scheme, credentials: config.authentication.credentials }
        : null,
    };
    const others = (await this.list(taskId)).filter((c) => c.id !== stored.id);
    if (others.length >= MAX_PUSH_CONFIGS) {
      throw new RangeError(`A task has at most ${MAX_PUSH_CONFIGS} push notification configs`);
    }
    await this.#store.setSetting(key(taskId), JSON.stringify([...others, stored]));
    return stored;
  }

  /** Removes config `id` (all of them without one); false when there was none. */
  async delete(taskId: string, id: string | undefined): Promise<boolean> {
    const all = await this.list(taskId);
    const kept = id ? all.filter((c) => c.id !== id) : [];
    if (kept.length === all.length) return false;
    await this.#store.setSetting(key(taskId), JSON.stringify(kept));
    return true;
  }
}

/** A stored config as the A2A protocol shows it. */
export function toA2AConfig(taskId: string, config: StoredPushConfig): TaskPushNotificationConfig {
  return {
    tenant: '',
    id: config.id,
    taskId,
    url: config.url,
    token: config.token,
    authentication: config.authentication ?? undefined,
  };
}
