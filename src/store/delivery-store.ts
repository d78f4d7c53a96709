/**
 * The part of the storage contract that holds notification deliveries and the local outbox.
 * A delivery is one notice to one recipient on one channel for one lifecycle event of a task
 * (`created`, `reminder:2`, `escalated:1`, …), keyed by an idempotency key. Channels read and
 * write their own delivery's state (one delivery run owns each key, so writes do not race).
 */

export type DeliveryStatus = 'pending' | 'sent' | 'failed' | 'skipped';

export interface DeliveryRecord {
  /** `<task>:<kind>:<index>:<channel>` for a channel as a whole, `…:<recipient address>` per recipient. */
  key: string;
  taskId: string;
  channel: string;
  /** The principal told, or `*` for the channel as a whole. */
  recipient: string;
  /** The lifecycle event: `created:0`, `reminder:1`, `escalated:1`, … */
  event: string;
  status: DeliveryStatus;
  /** Sending attempts begun (an attempt that crashed midway counts). */
  attempts: number;
  error: string | null;
  /** What the provider gave back (Message-ID, Slack channel and ts, outbox id), JSON text. */
  ref: string | null;
  createdAt: number;
  updatedAt: number;
}

export type DeliveryWrite = Omit<DeliveryRecord, 'createdAt' | 'updatedAt'>;

/** A notice kept in the local outbox (no SMTP or Slack configured): what the recipient would see. */
export interface OutboxRecord {
  /** The delivery key. */
  id: string;
  taskId: string;
  channel: string;
  recipient: string;
  /** Email address, Slack user or channel id. */
  address: string;
  /** The rendered message, JSON text (email: subject, html, text, headers; Slack: blocks). */
  message: string;
  createdAt: number;
  updatedAt: number;
}

export interface DeliveryStore {
  /** Writes a delivery's state (inserted, or replaced by key). */
  putDelivery(delivery: DeliveryWrite, now: number): Promise<void>;
  getDelivery(key: string): Promise<DeliveryRecord | undefined>;
  /** A task's deliveries, oldest first. */
  taskDeliveries(taskId: string): Promise<DeliveryRecord[]>;
  /** Whether a delivery with this key was sent (see `TaskUpdate.delivery`). */
  hasDelivery(key: string): Promise<boolean>;
  /** Stores (or replaces, by id) a message in the local outbox. */
  putOutbox(message: Omit<OutboxRecord, 'createdAt' | 'updatedAt'>, now: number): Promise<void>;
  getOutbox(id: string): Promise<OutboxRecord | undefined>;
  /** Outbox messages, newest first. */
  listOutbox(limit: number): Promise<OutboxRecord[]>;
}
