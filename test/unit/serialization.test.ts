import { describe, expect, it } from 'vitest';
import { decode, decodeError, encode, encodeError } from '../../src/engine/serialization.ts';
import { SerializationError, TerminalError } from '../../src/errors.ts';

describe('serialization', () => {
  it('round-trips plain JSON and stands null for undefined', () => {
    const value = { a: [1, 'two', null, true], nested: { x: 1.5 }, skipped: undefined };
    expect(decode(encode(value, 'v'))).toEqual({ a: [1, 'two', null, true], nested: { x: 1.5 } });
    expect(encode(undefined, 'v')).toBeNull();
    expect(decode(null)).toBeUndefined();
    expect(decode(encode(new Date(0), 'v'))).toBe('1970-01-01T00:00:00.000Z');
    expect(decode(encode(Object.create(null), 'v'))).toEqual({});
  });

  it.each([
    [{ f: () => 1 }, 'v.f must be plain JSON data, but it contains a function'],
    [{ list: [1, new Map()] }, 'v.list[1] must be plain JSON data, but it contains an instance of Map'],
    [{ n: 10n }, 'v.n must be plain JSON data, but it contains a bigint'],
    [{ n: Number.NaN }, 'v.n must be plain JSON data, but it contains the number NaN'],
    [{ s: Symbol('x') }, 'v.s must be plain JSON data, but it contains a symbol'],
    [new (class Point {})(), 'v must be plain JSON data, but it contains an instance of Point'],
    [{ d: new Date('nope') }, 'v.d must be plain JSON data, but it contains an invalid Date'],
  ])('rejects %o', (value, message) => {
    expect(() => encode(value, 'v')).toThrow(new SerializationError(message));
  });

  it('rejects cycles but accepts shared references', () => {
    const shared = { x: 1 };
    expect(decode(encode({ a: shared, b: shared }, 'v'))).toEqual({ a: { x: 1 }, b: { x: 1 } });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encode(cyclic, 'v')).toThrow('v.self must be plain JSON data, but it contains a circular reference');
  });

  it('rebuilds errors with name, message, code and cause', () => {
    const original = new TerminalError('card declined', { cause: new RangeError('limit') });
    const rebuilt = decodeError(encodeError(original));
    expect(rebuilt).toMatchObject({ name: 'TerminalError', message: 'card declined', code: 'TERMINAL' });
    expect(rebuilt.cause).toMatchObject({ name: 'RangeError', message: 'limit' });
    expect(decodeError(encodeError('plain string'))).toMatchObject({ name: 'Error', message: 'plain string' });
  });
});
