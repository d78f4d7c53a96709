/** Page cursors and page sizes, the same for every store. */
import { InvalidArgumentError } from '../errors.ts';

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
