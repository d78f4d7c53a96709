import { decodeCursor, encodeCursor } from '../page-cursor.ts';
import type { Sql } from './sql.ts';

/**
 * One page of a table newest first (`created_at DESC, id DESC`), after `cursor`, with the given
 * filters (`where` clauses use `$1…$n` for `params`): the rows of the page and the next cursor.
 * @throws InvalidArgumentError for a cursor this API did not make.
 */
export async function newestFirst<Row extends { created_at: number; id: string }>(
  sql: Sql,
  query: {
    from: string;
    columns: string;
    where: string[];
    params: unknown[];
    cursor?: string | undefined;
    limit: number;
  },
): Promise<{ rows: Row[]; nextCursor: string | null }> {
  const where = [...query.where];
  const params = [...query.params];
  if (query.cursor) {
    const [createdAt, id] = decodeCursor(query.cursor);
    params.push(createdAt, id);
    where.push(`(created_at, id) < ($${params.length - 1}, $${params.length})`);
  }
  params.push(query.limit + 1);
  const rows = await sql.rows<Row>(
    `SELECT ${query.columns} FROM ${query.from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  const last = rows.length > query.limit ? rows[query.limit - 1] : undefined;
  return { rows: rows.slice(0, query.limit), nextCursor: last ? encodeCursor(last.created_at, last.id) : null };
}
