import { InvalidArgumentError } from '../../errors.ts';
import type { Database, Params } from './database.ts';

/** An opaque page cursor for lists ordered by `(created_at DESC, id DESC)`. */
export function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

/** @throws InvalidArgumentError when `cursor` was not made by {@link encodeCursor}. */
export function decodeCursor(cursor: string): [number, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown;
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string') {
      return [value[0], value[1]];
    }
  } catch {
    // fall through to the error below
  }
  throw new InvalidArgumentError(`cursor "${cursor}" is not a cursor returned by this API`);
}

/** Checks a page size. @throws InvalidArgumentError */
export function pageLimit(limit: number | undefined, fallback = 50): number {
  const value = limit ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > 1000) {
    throw new InvalidArgumentError(`limit must be an integer from 1 to 1000, got ${limit}`);
  }
  return value;
}

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
