import type { NewMessage } from '../store.ts';
import type { Sql } from './sql.ts';

/** Appends a message; returns its id, or `undefined` when its idempotency key was seen. */
export async function insertMessage(sql: Sql, message: NewMessage, now: number): Promise<number | undefined> {
  const row = await sql.one<{ id: number }>(
    `INSERT INTO messages (run_id, topic, body, idempotency_key, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING RETURNING id`,
    [message.runId, message.topic, message.body, message.idempotencyKey ?? null, now],
  );
  return row?.id;
}

/** Takes the oldest unread message of the run's topic, marking it read by `seq`. Run lock held. */
export async function takeMessage(
  sql: Sql,
  runId: string,
  topic: string,
  seq: number,
): Promise<{ body: string | null } | undefined> {
  return sql.one<{ body: string | null }>(
    `UPDATE messages SET consumed_seq = $3
     WHERE id = (SELECT id FROM messages WHERE run_id = $1 AND topic = $2 AND consumed_seq IS NULL ORDER BY id LIMIT 1)
     RETURNING body`,
    [runId, topic, seq],
  );
}

/** Puts back messages taken at positions `seq` and later (their records are being removed). */
export async function returnMessagesFrom(sql: Sql, runId: string, seq: number): Promise<void> {
  await sql.run('UPDATE messages SET consumed_seq = NULL WHERE run_id = $1 AND consumed_seq >= $2', [runId, seq]);
}

/** True when the run has a registered `recv` wait on `topic`. */
export async function waitsOnTopic(sql: Sql, runId: string, topic: string): Promise<boolean> {
  const row = await sql.one(`SELECT 1 AS yes FROM waits WHERE run_id = $1 AND kind = 'recv' AND topic = $2 LIMIT 1`, [
    runId,
    topic,
  ]);
  return row !== undefined;
}
