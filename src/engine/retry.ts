import { InvalidArgumentError } from '../errors.ts';
import { type Duration, toMs } from '../time/duration.ts';

export interface BackoffOptions {
  initial?: Duration;
  factor?: number;
  max?: Duration;
}

export interface RetryPolicy {
  retries: number;
  initialMs: number;
  factor: number;
  maxMs: number;
}

/**
 * Normalizes step retry options (durations in whole milliseconds, see `toMs`).
 * @throws InvalidArgumentError for negative retries, a factor below 1 or not finite, or bad
 *   durations (negative, not finite, over 10 years): before the step runs or anything is written.
 */
export function retryPolicy(retries: number | undefined, backoff: BackoffOptions | undefined): RetryPolicy {
  const count = retries ?? 3;
  if (!Number.isInteger(count) || count < 0)
    throw new InvalidArgumentError(`retries must be a non-negative integer, got ${retries}`);
  const factor = backoff?.factor ?? 2;
  if (!(factor >= 1) || !Number.isFinite(factor)) {
    throw new InvalidArgumentError(`backoff.factor must be a finite number of at least 1, got ${factor}`);
  }
  return {
    retries: count,
    initialMs: toMs(backoff?.initial ?? 100, 'backoff.initial'),
    factor,
    maxMs: toMs(backoff?.max ?? 30_000, 'backoff.max'),
  };
}

/** Delay before try number `attempt + 1`, after `attempt` failed tries: whole milliseconds, at most `maxMs`. */
export function delayAfter(policy: RetryPolicy, attempt: number): number {
  return Math.round(Math.min(policy.maxMs, policy.initialMs * policy.factor ** (attempt - 1)));
}
