import { decodeCursor, encodeCursor } from '../page-cursor.ts';
import type { Database, Params } from './database.ts';

export { decodeCursor, encodeCursor, pageLimit } from '../page-cursor.ts';

/**
 * One page of a table newest first (`created_at DESC, id DESC`), after `cursor`, with the given
 * filters: the rows of the page and the cursor of the next one.
 */
export function newestFirst<Row extends { created_at: number; id: string }>(
  db: Database,
  query: { from: string; columns: string; where: string[]; params: Params; cursor?: string | undefined; limit: number },
): { rows: Row[]; nextCursor: string | null } {
  const where = [...query.where];
  const params = [...query.params];
  if (query.cursor) {
    const [createdAt, id] = decodeCursor(query.cursor);
    where.push('(created_at < ? OR (created_at = ? AND id < ?))');
    params.push(createdAt, createdAt, id);
  }
  const rows = db.all<Row>(
    `SELECT ${query.columns} FROM ${query.from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY created_at DESC, id DESC LIMIT ?`,
    ...params,
    query.limit + 1,
  );
  const last = rows.length > query.limit ? rows[query.limit - 1] : undefined;
  return { rows: rows.slice(0, query.limit), nextCursor: last ? encodeCursor(last.created_at, last.id) : null };
}
