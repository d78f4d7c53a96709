import { describe, expect, it } from 'vitest';
import { dataMatches, keyForData, matchKey, matchShape } from '../../src/store/event-match.ts';

describe('event matching keys', () => {
  it('gives equal keys to equal matches whatever the key order', () => {
    expect(matchKey({ a: 1, b: { y: 2, x: 1 } })).toBe(matchKey({ b: { x: 1, y: 2 }, a: 1 }));
    expect(matchShape({ b: 1, a: 2 })).toBe(matchShape({ a: 0, b: 0 }));
  });

  it('computes the key an event would have, following dotted paths', () => {
    const match = { ticketId: 'T-1', 'user.id': 7 };
    const data = { ticketId: 'T-1', user: { id: 7, name: 'x' }, extra: true };
    expect(keyForData(matchShape(match), data)).toBe(matchKey(match));
    expect(dataMatches(data, match)).toBe(true);
    expect(dataMatches({ ...data, ticketId: 'T-2' }, match)).toBe(false);
    expect(keyForData(matchShape(match), { ticketId: 'T-1' })).toBeUndefined();
    expect(dataMatches(undefined, {})).toBe(true);
    // Types matter: the string "7" is not the number 7.
    expect(dataMatches({ ticketId: 'T-1', user: { id: '7' } }, match)).toBe(false);
  });
});
