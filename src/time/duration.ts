import { InvalidArgumentError } from '../errors.ts';

/** A duration: milliseconds (a number or a numeric string), or a string such as `'250ms'`, `'5m'`, `'4h'`, `'1d 2h'`. */
export type Duration = number | string;

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
 * Converts a {@link Duration} to milliseconds.
 * @throws InvalidArgumentError for negative, non-finite or unparseable values.
 */
export function toMs(duration: Duration, what = 'duration'): number {
  if (typeof duration === 'number') {
    if (!Number.isFinite(duration) || duration < 0) {
      throw new InvalidArgumentError(`${what} must be a non-negative number of milliseconds, got ${duration}`);
    }
    return duration;
  }
  if (typeof duration !== 'string') {
    throw new InvalidArgumentError(
      `${what} must be a number of milliseconds or a string like '5m', got ${typeof duration}`,
    );
  }
  const text = duration.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) return Math.round(Number(text));
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
  return Math.round(total);
}
