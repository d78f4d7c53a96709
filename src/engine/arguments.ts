import { InvalidArgumentError } from '../errors.ts';
import { encode } from './serialization.ts';

/** A match is a plain object of dotted paths to defined JSON values. */
export function checkMatch(match: unknown): asserts match is Record<string, unknown> {
  if (match === null || typeof match !== 'object' || Array.isArray(match)) {
    throw new InvalidArgumentError(
      `waitForEvent match must be an object of paths to values, like {ticketId: 'T-1'}, got ${JSON.stringify(match)}`,
    );
  }
  for (const [path, value] of Object.entries(match)) {
    if (path.length === 0 || value === undefined) {
      throw new InvalidArgumentError(`waitForEvent match.${path} must be a non-empty path with a defined value`);
    }
  }
  encode(match, 'waitForEvent match');
}

/** @throws InvalidArgumentError unless `value` is a non-empty string. */
export function checkName(value: unknown, what: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidArgumentError(`${what} must be a non-empty string`);
  }
}
