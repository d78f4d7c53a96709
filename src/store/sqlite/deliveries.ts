import type { DeliveryRecord, DeliveryWrite, OutboxRecord } from '../delivery-store.ts';
import {
  DELIVERY_COLUMNS,
  type DeliveryRow,
  OUTBOX_COLUMNS,
  type OutboxRow,
  toDelivery,
  toOutbox,
} from '../delivery-rows.ts';
import type { Database } from './database.ts';

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
