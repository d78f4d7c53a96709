import { describe, expect, it } from 'vitest';
import { MAX_DURATION_MS, toMs } from '../../src/time/duration.ts';

describe('durations', () => {
  it.each([
    [250, 250],
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['4h', 14_400_000],
    ['2d', 172_800_000],
    ['1w', 604_800_000],
    ['1h 30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['0', 0],
    ['1500', 1500],
    [1.5, 2],
    [0.4, 0],
    ['2.5', 3],
    ['1.0005s', 1001],
    ['3650d', MAX_DURATION_MS],
  ] as const)('%s is %i ms', (input, expected) => {
    expect(toMs(input)).toBe(expected);
  });

  it.each(['', 'soon', '5 minutes', '-5m', '5m garbage', '5x'])('rejects %j clearly', (input) => {
    expect(() => toMs(input, 'timeout')).toThrow(`timeout "${input}" is not a duration`);
  });

  it('rejects negative and non-finite numbers', () => {
    expect(() => toMs(-1)).toThrow(/non-negative/);
    expect(() => toMs(Number.NaN)).toThrow(/non-negative/);
    expect(() => toMs(Number.POSITIVE_INFINITY)).toThrow(/non-negative/);
  });

  it('rejects durations over 10 years, as numbers and as text', () => {
    expect(() => toMs(MAX_DURATION_MS + 1, 'sleep duration')).toThrow(/sleep duration .* longer than the 10 years/);
    expect(() => toMs('3651d')).toThrow(/longer than the 10 years/);
    expect(() => toMs('9'.repeat(400))).toThrow(/longer than the 10 years/);
  });
});
