/**
 * Event matching as an indexed lookup. A wait says `match: {ticketId: 'T-1'}` (dotted paths into
 * the event's `data`). Its *shape* is the sorted list of paths; its *key* is a canonical string of
 * the paths with their values. An emitted event is matched by computing, for each shape that
 * waiting runs use for that event name, the key the event's data would have, and looking that key
 * up in an index: the cost depends on the number of shapes, not the number of waiting runs.
 */

import { canonicalJson as canonical } from './canonical.ts';

/** Paths into `data` (dotted, e.g. `'user.id'`) and the values they must equal. */
export type EventMatch = Readonly<Record<string, unknown>>;

/** The sorted paths of a match, encoded as one string. */
export function matchShape(match: EventMatch): string {
  return JSON.stringify(Object.keys(match).sort());
}

/** The canonical lookup key of a match: the same for any two matches that select the same events. */
export function matchKey(match: EventMatch): string {
  const paths = Object.keys(match).sort();
  return canonical(paths.map((p) => [p, match[p]]));
}

/**
 * The key that event `data` has under `shape`, or `undefined` when a path is missing
 * (then no wait of that shape can match it).
 */
export function keyForData(shape: string, data: unknown): string | undefined {
  const paths = JSON.parse(shape) as string[];
  const pairs: [string, unknown][] = [];
  for (const path of paths) {
    const value = valueAt(data, path);
    if (value === undefined) return undefined;
    pairs.push([path, value]);
  }
  return canonical(pairs);
}

/** True when every path of `match` holds its value in `data`. */
export function dataMatches(data: unknown, match: EventMatch): boolean {
  return keyForData(matchShape(match), data) === matchKey(match);
}

function valueAt(data: unknown, path: string): unknown {
  let current = data;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}
