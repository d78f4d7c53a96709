import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.ts';
import { assigneesLater, workingHoursOfPeople } from '../../src/human/working-hours.ts';
import {
  addWorkingTime,
  isWorkingTime,
  nextWorkingStart,
  type WorkingHours,
  workingSchedule,
} from '../../src/human/working-time.ts';

const H = 3_600_000;
const WEEK: WorkingHours = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' };
const paris = workingSchedule('Europe/Paris', WEEK);
const newYork = workingSchedule('America/New_York', WEEK);
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('working time: durations that count only working hours, in the person’s time zone', () => {
  it('counts a duration inside one working day as elapsed time', () => {
    // Tuesday 10:00 Paris (winter, UTC+1) + 2 h = 12:00 Paris.
    expect(iso(addWorkingTime(at('2026-12-01T09:00:00Z'), 2 * H, paris))).toBe('2026-12-01T11:00:00.000Z');
  });

  it('skips the evening and the weekend: Friday 16:00 + 2 working hours is Monday 10:00', () => {
    expect(iso(addWorkingTime(at('2026-12-04T15:00:00Z'), 2 * H, paris))).toBe('2026-12-07T09:00:00.000Z');
    // Ending exactly at the close of Friday stays on Friday.
    expect(iso(addWorkingTime(at('2026-12-04T15:00:00Z'), 1 * H, paris))).toBe('2026-12-04T16:00:00.000Z');
    // A week of work (40 h) from Monday 09:00 ends Friday 17:00.
    expect(iso(addWorkingTime(at('2026-12-07T08:00:00Z'), 40 * H, paris))).toBe('2026-12-11T16:00:00.000Z');
  });

  it('starts counting at the next start of working hours when asked outside them', () => {
    // Saturday noon: counting starts Monday 09:00 Paris.
    expect(iso(addWorkingTime(at('2026-12-05T11:00:00Z'), 30 * 60_000, paris))).toBe('2026-12-07T08:30:00.000Z');
    // Tuesday 07:00 Paris (before hours): 09:00 + 1 h.
    expect(iso(addWorkingTime(at('2026-12-01T06:00:00Z'), H, paris))).toBe('2026-12-01T09:00:00.000Z');
    // Tuesday 20:00 Paris (after hours): Wednesday 09:00 + 1 h.
    expect(iso(addWorkingTime(at('2026-12-01T19:00:00Z'), H, paris))).toBe('2026-12-02T09:00:00.000Z');
  });

  it('finds the next start of working hours, or now within them', () => {
    expect(iso(nextWorkingStart(at('2026-12-04T17:00:00Z'), paris))).toBe('2026-12-07T08:00:00.000Z');
    expect(iso(nextWorkingStart(at('2026-12-03T12:34:00Z'), paris))).toBe('2026-12-03T12:34:00.000Z');
    expect(isWorkingTime(at('2026-12-03T08:00:00Z'), paris)).toBe(true);
    expect(isWorkingTime(at('2026-12-03T16:00:00Z'), paris)).toBe(false);
    expect(isWorkingTime(at('2026-12-05T12:00:00Z'), paris)).toBe(false);
  });

  it('follows the spring-forward change in Europe/Paris (UTC+1 → UTC+2 on 2026-03-29)', () => {
    // Friday 27 March 16:00 CET (15:00Z) + 2 h: Monday 30 March 10:00 CEST, which is 08:00Z.
    expect(iso(addWorkingTime(at('2026-03-27T15:00:00Z'), 2 * H, paris))).toBe('2026-03-30T08:00:00.000Z');
    // Hours across the change itself: 01:00–05:00 local that Sunday last 3 real hours.
    const night = workingSchedule('Europe/Paris', { days: ['sun'], start: '01:00', end: '05:00' });
    expect(iso(addWorkingTime(at('2026-03-29T00:00:00Z'), 3 * H, night))).toBe('2026-03-29T03:00:00.000Z');
    expect(iso(addWorkingTime(at('2026-03-29T00:00:00Z'), 3.5 * H, night))).toBe('2026-04-04T23:30:00.000Z'); // next Sunday 01:30 CEST
    // A start that does not exist that day (02:30) begins when the clock has moved on: 03:30 CEST.
    const skipped = workingSchedule('Europe/Paris', { days: ['sun'], start: '02:30', end: '05:00' });
    expect(iso(nextWorkingStart(at('2026-03-28T12:00:00Z'), skipped))).toBe('2026-03-29T01:30:00.000Z');
  });

  it('follows the fall-back change in Europe/Paris (UTC+2 → UTC+1 on 2026-10-25)', () => {
    // Friday 23 October 16:00 CEST (14:00Z) + 2 h: Monday 26 October 10:00 CET, which is 09:00Z.
    expect(iso(addWorkingTime(at('2026-10-23T14:00:00Z'), 2 * H, paris))).toBe('2026-10-26T09:00:00.000Z');
    // 02:30 happens twice: the hours start at the first; 02:30–05:00 that day lasts 3.5 real hours.
    const repeated = workingSchedule('Europe/Paris', { days: ['sun'], start: '02:30', end: '05:00' });
    expect(iso(nextWorkingStart(at('2026-10-24T12:00:00Z'), repeated))).toBe('2026-10-25T00:30:00.000Z');
    expect(iso(addWorkingTime(at('2026-10-24T12:00:00Z'), 3.5 * H, repeated))).toBe('2026-10-25T04:00:00.000Z');
  });

  it('follows the DST changes in America/New_York (2026-03-08 and 2026-11-01)', () => {
    // Friday 6 March 16:00 EST (21:00Z) + 2 h: Monday 9 March 10:00 EDT = 14:00Z.
    expect(iso(addWorkingTime(at('2026-03-06T21:00:00Z'), 2 * H, newYork))).toBe('2026-03-09T14:00:00.000Z');
    // Friday 30 October 16:00 EDT (20:00Z) + 2 h: Monday 2 November 10:00 EST = 15:00Z.
    expect(iso(addWorkingTime(at('2026-10-30T20:00:00Z'), 2 * H, newYork))).toBe('2026-11-02T15:00:00.000Z');
    // The New York night of the change: 01:00–04:00 local on 8 March lasts 2 real hours.
    const night = workingSchedule('America/New_York', { days: ['sun'], start: '01:00', end: '04:00' });
    expect(iso(addWorkingTime(at('2026-03-08T06:00:00Z'), 2 * H, night))).toBe('2026-03-08T08:00:00.000Z');
  });

  it('counts "24:00" as midnight at the end of the day', () => {
    const evening = workingSchedule('Europe/Paris', { days: ['sat'], start: '20:00', end: '24:00' });
    expect(iso(addWorkingTime(at('2026-12-05T19:00:00Z'), 4 * H, evening))).toBe('2026-12-05T23:00:00.000Z');
  });

  it('refuses invalid schedules, naming the field', () => {
    const refused = (timeZone: unknown, hours: unknown) => {
      try {
        workingSchedule(timeZone, hours, 'people["user:alice"]');
        return 'accepted';
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidArgumentError);
        return (error as Error).message;
      }
    };
    expect(refused('Mars/Olympus', WEEK)).toContain('timeZone');
    expect(refused('Europe/Paris', { ...WEEK, days: [] })).toContain('days');
    expect(refused('Europe/Paris', { ...WEEK, days: ['monday'] })).toContain('"monday"');
    expect(refused('Europe/Paris', { ...WEEK, start: '9am' })).toContain('start');
    expect(refused('Europe/Paris', { ...WEEK, end: '24:30' })).toContain('end');
    expect(refused('Europe/Paris', { ...WEEK, start: '17:00', end: '09:00' })).toContain('after start');
    expect(refused('Europe/Paris', WEEK)).toBe('accepted');
    expect(() => addWorkingTime(0, -1, paris)).toThrow(RangeError);
  });
});

describe('whose working hours a task follows', () => {
  const people = workingHoursOfPeople({
    'user:alice': { timeZone: 'Europe/Paris', workingHours: WEEK },
    'user:carol': { timeZone: 'America/New_York', workingHours: WEEK },
    'user:dave': { timeZone: 'Asia/Tokyo' },
  });

  it('takes the earliest of the assignees with working hours; elapsed time when none has any', () => {
    const friday = at('2026-12-04T15:00:00Z'); // 16:00 Paris, 10:00 New York
    expect(iso(assigneesLater(['user:alice'], people)?.(friday, 2 * H) ?? 0)).toBe('2026-12-07T09:00:00.000Z');
    const both = assigneesLater(['user:alice', 'user:carol', 'group:ops'], people);
    expect(iso(both?.(friday, 2 * H) ?? 0)).toBe('2026-12-04T17:00:00.000Z');
    expect(assigneesLater(['user:dave', 'group:ops'], people)).toBeUndefined();
    expect(assigneesLater(['user:alice'], undefined)).toBeUndefined();
  });

  it('checks the people directory: working hours need a time zone', () => {
    expect(() => workingHoursOfPeople({ 'user:bob': { workingHours: WEEK } })).toThrow(
      /people\["user:bob"\].*timeZone/,
    );
    expect(() => workingHoursOfPeople({ 'user:bob': { timeZone: 'Nowhere/Land', workingHours: WEEK } })).toThrow(
      InvalidArgumentError,
    );
  });
});
