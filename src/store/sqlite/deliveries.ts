import type { DeliveryRecord, DeliveryStatus, DeliveryWrite, OutboxRecord } from '../delivery-store.ts';
import type { Database } from './database.ts';

interface DeliveryRow {
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

interface OutboxRow {
  id: string;
  task_id: string;
  channel: string;
  recipient: string;
  address: string;
  message: string;
  created_at: number;
  updated_at: number;
}

const DELIVERY_COLUMNS =
  'key, task_id, channel, recipient, event, status, attempts, error, ref, created_at, updated_at';
const OUTBOX_COLUMNS = 'id, task_id, channel, recipient, address, message, created_at, updated_at';

export function upsertDelivery(db: Database, d: DeliveryWrite, now: number): void {
  db.run(
    `INSERT INTO deliveries (${DELIVERY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
       error = excluded.error, ref = excluded.ref, updated_at = excluded.updated_at`,
    d.key,
    d.taskId,
    d.channel,
    d.recipient,
    d.event,
    d.status,
    d.attempts,
    d.error,
    d.ref,
    now,
    now,
  );
}

export function selectDelivery(db: Database, key: string): DeliveryRecord | undefined {
  const row = db.get<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE key = ?`, key);
  return row && toDelivery(row);
}

export function selectTaskDeliveries(db: Database, taskId: string): DeliveryRecord[] {
  return db
    .all<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE task_id = ? ORDER BY created_at, key`, taskId)
    .map(toDelivery);
}

export function hasDelivery(db: Database, key: string): boolean {
  return !!db.get("SELECT 1 AS yes FROM deliveries WHERE key = ? AND status = 'sent'", key);
}

export function upsertOutbox(db: Database, m: Omit<OutboxRecord, 'createdAt' | 'updatedAt'>, now: number): void {
  db.run(
    `INSERT INTO outbox (${OUTBOX_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET message = excluded.message, updated_at = excluded.updated_at`,
    m.id,
    m.taskId,
    m.channel,
    m.recipient,
    m.address,
    m.message,
    now,
    now,
  );
}

export function selectOutbox(db: Database, id: string): OutboxRecord | undefined {
  const row = db.get<OutboxRow>(`SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE id = ?`, id);
  return row && toOutbox(row);
}

export function listOutbox(db: Database, limit: number): OutboxRecord[] {
  return db.all<OutboxRow>(`SELECT ${OUTBOX_COLUMNS} FROM outbox ORDER BY seq DESC LIMIT ?`, limit).map(toOutbox);
}

function toDelivery(row: DeliveryRow): DeliveryRecord {
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

function toOutbox(row: OutboxRow): OutboxRecord {
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
