/**
 * Rows of the `deliveries` and `outbox` tables as both stores read them (bigints parsed to
 * numbers), and their mapping to the domain records. Never leave `store/`.
 */
import type { DeliveryRecord, DeliveryStatus, DeliveryWrite, OutboxRecord } from './delivery-store.ts';
import type { TaskDelivery } from './task-store.ts';

export interface DeliveryRow {
  key: string;
  task_id: string;
  channel: string;
  recipient: string;
  event: string;
  status: string;
  attempts: number;
  error: string | null;
  ref: string | null;
  created_at: number;
  updated_at: number;
}

export interface OutboxRow {
  id: string;
  task_id: string;
  channel: string;
  recipient: string;
  address: string;
  message: string;
  created_at: number;
  updated_at: number;
}

export const DELIVERY_COLUMNS =
  'key, task_id, channel, recipient, event, status, attempts, error, ref, created_at, updated_at';
export const OUTBOX_COLUMNS = 'id, task_id, channel, recipient, address, message, created_at, updated_at';

export function toDelivery(row: DeliveryRow): DeliveryRecord {
  return {
    key: row.key,
    taskId: row.task_id,
    channel: row.channel,
    recipient: row.recipient,
    event: row.event,
    status: row.status as DeliveryStatus,
    attempts: row.attempts,
    error: row.error,
    ref: row.ref,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toOutbox(row: OutboxRow): OutboxRecord {
  return {
    id: row.id,
    taskId: row.task_id,
    channel: row.channel,
    recipient: row.recipient,
    address: row.address,
    message: row.message,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The delivery row of a notification recorded as sent with a task write (never sent again). */
export function sentDelivery(taskId: string, delivery: TaskDelivery): DeliveryWrite {
  const { key, channel, recipient, event } = delivery;
  return {
    key,
    taskId,
    channel,
    recipient: recipient ?? '*',
    event: event ?? '',
    status: 'sent',
    attempts: 1,
    error: null,
    ref: null,
  };
}
