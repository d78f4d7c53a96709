import type { DeliveryRecord, DeliveryWrite, OutboxRecord } from '../delivery-store.ts';
import {
  DELIVERY_COLUMNS,
  type DeliveryRow,
  OUTBOX_COLUMNS,
  type OutboxRow,
  toDelivery,
  toOutbox,
} from '../delivery-rows.ts';
import type { Sql } from './sql.ts';

/** Inserts a delivery, or replaces its state (status, attempts, error, ref) by key. */
export async function upsertDelivery(sql: Sql, d: DeliveryWrite, now: number): Promise<void> {
  await sql.run(
    `INSERT INTO deliveries (${DELIVERY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
     ON CONFLICT (key) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
       error = excluded.error, ref = excluded.ref, updated_at = excluded.updated_at`,
    [d.key, d.taskId, d.channel, d.recipient, d.event, d.status, d.attempts, d.error, d.ref, now],
  );
}

export async function selectDelivery(sql: Sql, key: string): Promise<DeliveryRecord | undefined> {
  const row = await sql.one<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE key = $1`, [key]);
  return row && toDelivery(row);
}

export async function selectTaskDeliveries(sql: Sql, taskId: string): Promise<DeliveryRecord[]> {
  const rows = await sql.rows<DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE task_id = $1 ORDER BY created_at, key`,
    [taskId],
  );
  return rows.map(toDelivery);
}

/** Whether the delivery with this key was sent (only `sent` counts as delivered). */
export async function hasDelivery(sql: Sql, key: string): Promise<boolean> {
  return (await sql.one("SELECT 1 AS yes FROM deliveries WHERE key = $1 AND status = 'sent'", [key])) !== undefined;
}

export async function upsertOutbox(
  sql: Sql,
  m: Omit<OutboxRecord, 'createdAt' | 'updatedAt'>,
  now: number,
): Promise<void> {
  await sql.run(
    `INSERT INTO outbox (${OUTBOX_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
     ON CONFLICT (id) DO UPDATE SET message = excluded.message, updated_at = excluded.updated_at`,
    [m.id, m.taskId, m.channel, m.recipient, m.address, m.message, now],
  );
}

export async function selectOutbox(sql: Sql, id: string): Promise<OutboxRecord | undefined> {
  const row = await sql.one<OutboxRow>(`SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE id = $1`, [id]);
  return row && toOutbox(row);
}

export async function listOutbox(sql: Sql, limit: number): Promise<OutboxRecord[]> {
  const rows = await sql.rows<OutboxRow>(`SELECT ${OUTBOX_COLUMNS} FROM outbox ORDER BY seq DESC LIMIT $1`, [limit]);
  return rows.map(toOutbox);
}
