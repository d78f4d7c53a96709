import { InvalidArgumentError } from '../errors.ts';

/** A duration: milliseconds (a number or a numeric string), or a string such as `'250ms'`, `'5m'`, `'4h'`, `'1d 2h'`. */
export type Duration = number | string;

/**
 * The longest duration Heed accepts: 10 years. Longer ones are almost always a unit mistake
 * (seconds taken for milliseconds, a date taken for a duration), and past it deadlines stop being
 * exact in a double and in the stores' bigint columns.
 */
export const MAX_DURATION_MS = 10 * 365 * 86_400_000;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  sec: 1_000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const PART = /(\d+(?:\.\d+)?)\s*(ms|sec|min|s|m|h|d|w)/gy;

/**
 * Converts a {@link Duration} to whole milliseconds (fractions are rounded to the nearest one),
 * so what reaches a store is always an integer it can keep.
 * @throws InvalidArgumentError for negative, non-finite, unparseable values and values over
 *   {@link MAX_DURATION_MS} (10 years), naming `what`.
 */
export function toMs(duration: Duration, what = 'duration'): number {
  if (typeof duration === 'number') {
    if (!Number.isFinite(duration) || duration < 0) {
      throw new InvalidArgumentError(`${what} must be a non-negative number of milliseconds, got ${duration}`);
    }
    return bounded(Math.round(duration), duration, what);
  }
  if (typeof duration !== 'string') {
    throw new InvalidArgumentError(
      `${what} must be a number of milliseconds or a string like '5m', got ${typeof duration}`,
    );
  }
  const text = duration.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) return bounded(Math.round(Number(text)), duration, what);
  let total = 0;
  let matched = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    while (text[PART.lastIndex] === ' ') PART.lastIndex++;
    const start = PART.lastIndex;
    const m = PART.exec(text);
    if (!m || m.index !== start) break;
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    matched = PART.lastIndex;
  }
  if (text.length === 0 || matched !== text.length) {
    throw new InvalidArgumentError(
      `${what} "${duration}" is not a duration; use milliseconds or a string like '500ms', '30s', '5m', '4h', '2d'`,
    );
  }
  return bounded(Math.round(total), duration, what);
}

function bounded(ms: number, given: Duration, what: string): number {
  // `!(ms <= MAX)` also refuses NaN and Infinity (a numeric string of 400 digits is Infinity).
  if (!(ms <= MAX_DURATION_MS)) {
    throw new InvalidArgumentError(
      `${what} ${typeof given === 'string' ? `"${given}"` : given} is longer than the 10 years Heed accepts (${MAX_DURATION_MS} ms)`,
    );
  }
  return ms;
}
