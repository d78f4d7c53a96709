import { HeedError, SerializationError } from '../errors.ts';

/**
 * Values crossing the durable boundary (workflow input and output, step results, messages,
 * events, statuses) are stored as JSON text. They are checked before anything is written, so a
 * bad value fails loudly at the call site instead of being silently mangled by `JSON.stringify`.
 */

/** JSON text as stored. `null` (SQL NULL) stands for `undefined`. */
export type JsonText = string | null;

/**
 * Checks that `value` is plain JSON data and encodes it.
 * @throws SerializationError naming the path of the first offending value (a function, a Map, a
 *   class instance, a BigInt, NaN, a cycle, …).
 */
export function encode(value: unknown, what: string): JsonText {
  if (value === undefined) return null;
  assertJson(value, what, new Set());
  return JSON.stringify(value);
}

/** Decodes JSON text written by {@link encode}. */
export function decode<T = unknown>(text: JsonText): T {
  return (text === null ? undefined : JSON.parse(text)) as T;
}

function assertJson(value: unknown, path: string, seen: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return;
    case 'number':
      if (!Number.isFinite(value)) fail(path, `the number ${value}`);
      return;
    case 'object': {
      if (value === null) return;
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) fail(path, 'an invalid Date');
        return;
      }
      if (seen.has(value)) fail(path, 'a circular reference');
      const proto = Object.getPrototypeOf(value);
      const isArray = Array.isArray(value);
      if (!isArray && proto !== Object.prototype && proto !== null) {
        fail(path, `an instance of ${value.constructor?.name ?? 'an unknown class'}`);
      }
      seen.add(value);
      if (isArray) {
        for (const [i, item] of value.entries()) assertJson(item, `${path}[${i}]`, seen);
      } else {
        for (const [key, item] of Object.entries(value)) assertJson(item, `${path}.${key}`, seen);
      }
      seen.delete(value);
      return;
    }
    default:
      fail(path, `a ${typeof value}`);
  }
}

function fail(path: string, found: string): never {
  throw new SerializationError(`${path} must be plain JSON data, but it contains ${found}`);
}

/** The stored form of an error. */
export interface ErrorData {
  name: string;
  message: string;
  code?: string;
  stack?: string;
  cause?: ErrorData;
}

/** Encodes any thrown value as {@link ErrorData} JSON text; never throws. */
export function encodeError(error: unknown): string {
  return JSON.stringify(toErrorData(error, 0));
}

function toErrorData(error: unknown, depth: number): ErrorData {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const data: ErrorData = { name: error.name, message: error.message };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') data.code = code;
  if (error.stack) data.stack = error.stack;
  if (error.cause !== undefined && depth < 4) data.cause = toErrorData(error.cause, depth + 1);
  return data;
}

/**
 * An error rebuilt from its stored form: same `name`, `message`, `code` and `stack` as the
 * original, so that code handling it behaves the same on the first run and on replay.
 */
export class RecordedError extends HeedError {
  constructor(data: ErrorData) {
    super(data.code ?? 'ERROR', data.message, data.cause ? { cause: new RecordedError(data.cause) } : undefined);
    this.name = data.name;
    if (data.stack) this.stack = data.stack;
  }
}

/** Decodes error JSON text written by {@link encodeError}. */
export function decodeError(text: string): RecordedError {
  return new RecordedError(JSON.parse(text) as ErrorData);
}
