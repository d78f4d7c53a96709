import type { NewMessage } from '../store.ts';
import type { Database } from './database.ts';

/** Appends a message; returns its id, or `undefined` when its idempotency key was seen. */
export function insertMessage(db: Database, message: NewMessage, now: number): number | undefined {
  const row = db.get<{ id: number }>(
    `INSERT INTO messages (run_id, topic, body, idempotency_key, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT DO NOTHING RETURNING id`,
    message.runId,
    message.topic,
    message.body,
    message.idempotencyKey ?? null,
    now,
  );
  return row?.id;
}

/** Takes the oldest unread message of the run's topic, marking it read by `seq`. */
export function takeMessage(
  db: Database,
  runId: string,
  topic: string,
  seq: number,
): { body: string | null } | undefined {
  return db.get<{ body: string | null }>(
    `UPDATE messages SET consumed_seq = ?
     WHERE id = (SELECT id FROM messages WHERE run_id = ? AND topic = ? AND consumed_seq IS NULL ORDER BY id LIMIT 1)
     RETURNING body`,
    seq,
    runId,
    topic,
  );
}

/** Puts back messages taken at positions `seq` and later (their records are being removed). */
export function returnMessagesFrom(db: Database, runId: string, seq: number): void {
  db.run('UPDATE messages SET consumed_seq = NULL WHERE run_id = ? AND consumed_seq >= ?', runId, seq);
}

/** True when the run has a registered `recv` wait on `topic`. */
export function waitsOnTopic(db: Database, runId: string, topic: string): boolean {
  return !!db.get(`SELECT 1 AS yes FROM waits WHERE run_id = ? AND kind = 'recv' AND topic = ? LIMIT 1`, runId, topic);
}
