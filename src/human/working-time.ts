/**
 * Working time (docs/working-hours.md): a person's working hours in their time zone, and the
 * arithmetic reminders and escalations of a `businessHours: true` policy need: "2 working hours
 * after this instant" and "the next start of working hours". Pure functions of instants (ms since
 * the epoch) and a schedule. Wall-clock times are converted with `Intl.DateTimeFormat` (Node 24
 * has no `Temporal`), so they follow the time zone's rules, DST included: a working day that
 * contains a DST change lasts the hours that really pass; a start time that does not exist on a
 * spring-forward day is moved forward by the gap, one that exists twice on a fall-back day is its
 * first occurrence (Temporal's `compatible` disambiguation).
 */
import { InvalidArgumentError } from '../errors.ts';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Working hours as configured: the same hours on each of `days`, e.g. 09:00 to 17:30, Monday to Friday. */
export interface WorkingHours {
  days: readonly Weekday[];
  /** `HH:MM`, 24-hour clock, local time. */
  start: string;
  /** `HH:MM` after `start` (`24:00`: midnight at the end of the day). */
  end: string;
}

/** Working hours in a time zone, checked: what the computations take. */
export interface WorkingSchedule {
  /** IANA time zone, e.g. `Europe/Paris`. */
  timeZone: string;
  /** Working days, as `Date#getUTCDay()` numbers (0 = Sunday). */
  days: ReadonlySet<number>;
  /** Minutes after local midnight. */
  startMinute: number;
  endMinute: number;
}

const DAY_MS = 86_400_000;
/** No valid schedule needs more days than this to place any duration Heed accepts (centuries of work). */
const MAX_DAYS = 400_000;

/**
 * Checks a person's time zone and working hours and prepares them.
 * @throws InvalidArgumentError naming `label` and the field: an unknown time zone, no or unknown
 *   days, a time that is not `HH:MM`, an end not after the start.
 */
export function workingSchedule(timeZone: unknown, hours: unknown, label = 'working hours'): WorkingSchedule {
  if (typeof timeZone !== 'string' || !isTimeZone(timeZone)) {
    throw new InvalidArgumentError(`${label}: timeZone must be an IANA time zone such as "Europe/Paris"`);
  }
  const h = hours as Partial<WorkingHours> | null | undefined;
  if (typeof h !== 'object' || h === null) throw new InvalidArgumentError(`${label}: workingHours must be an object`);
  if (!Array.isArray(h.days) || h.days.length === 0 || h.days.length > 7) {
    throw new InvalidArgumentError(`${label}: workingHours.days must list working days ("mon" … "sun")`);
  }
  const days = new Set<number>();
  for (const day of h.days) {
    const index = WEEKDAYS.indexOf(day as Weekday);
    if (index < 0) throw new InvalidArgumentError(`${label}: workingHours.days: unknown day ${JSON.stringify(day)}`);
    days.add(index);
  }
  const startMinute = minuteOf(h.start, `${label}: workingHours.start`);
  const endMinute = minuteOf(h.end, `${label}: workingHours.end`);
  if (endMinute <= startMinute) throw new InvalidArgumentError(`${label}: workingHours.end must come after start`);
  return { timeZone, days, startMinute, endMinute };
}

/**
 * The instant at which `ms` of working time has passed since `from`: time outside the schedule's
 * hours does not count. `ms` 0 gives `from` inside working hours, or else the next start of
 * working hours (see {@link nextWorkingStart}).
 * @throws RangeError for a negative or non-finite `ms`.
 */
export function addWorkingTime(from: number, ms: number, schedule: WorkingSchedule): number {
  if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`working time must be a non-negative number, got ${ms}`);
  let remaining = ms;
  let cursor = from;
  let day = localDay(from, schedule.timeZone);
  for (let i = 0; i < MAX_DAYS; i++, day += DAY_MS) {
    const window = windowOn(day, schedule);
    if (!window || window.end <= cursor) continue;
    cursor = Math.max(cursor, window.start);
    const available = window.end - cursor;
    if (remaining <= available) return cursor + remaining;
    remaining -= available;
  }
  throw new RangeError(`working time of ${ms} ms is too long to place`);
}

/** `at` if it is within working hours, else the start of the next working hours. */
export function nextWorkingStart(at: number, schedule: WorkingSchedule): number {
  return addWorkingTime(at, 0, schedule);
}

/** Whether `at` is within working hours (the start included, the end not). */
export function isWorkingTime(at: number, schedule: WorkingSchedule): boolean {
  const window = windowOn(localDay(at, schedule.timeZone), schedule);
  return window !== null && window.start <= at && at < window.end;
}

/** The working hours of a local day (its local midnight as a UTC-based ms number), or null on a day off. */
function windowOn(day: number, schedule: WorkingSchedule): { start: number; end: number } | null {
  if (!schedule.days.has(new Date(day).getUTCDay())) return null;
  return {
    start: instantOf(day + schedule.startMinute * 60_000, schedule.timeZone),
    end: instantOf(day + schedule.endMinute * 60_000, schedule.timeZone),
  };
}

/** The local date of an instant, as the ms of its midnight read as UTC. */
function localDay(at: number, timeZone: string): number {
  const local = wallClock(at, timeZone);
  return local - (((local % DAY_MS) + DAY_MS) % DAY_MS);
}

/**
 * The instant a wall-clock time (ms read as UTC) happens in `timeZone`. A time skipped by a
 * spring-forward change is moved forward by the gap; a repeated one is its first occurrence.
 */
function instantOf(local: number, timeZone: string): number {
  // Offsets a day either side: zones change at most once in two days.
  const before = local - offsetAt(local - DAY_MS, timeZone);
  const after = local - offsetAt(local + DAY_MS, timeZone);
  const valid = [before, after].filter((t) => wallClock(t, timeZone) === local);
  if (valid.length > 0) return Math.min(...valid);
  // In a gap: the offset before the change carries the time past it, as a clock moved forward would.
  return before;
}

/** Local time minus UTC at instant `at`, in ms. */
function offsetAt(at: number, timeZone: string): number {
  return wallClock(at, timeZone) - Math.floor(at / 1000) * 1000;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock time at instant `at` in `timeZone`, as ms read as UTC (seconds precision). */
function wallClock(at: number, timeZone: string): number {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(timeZone, format);
  }
  const parts: Record<string, string> = {};
  for (const part of format.formatToParts(at)) parts[part.type] = part.value;
  const year = parts.era === 'BC' || parts.era === 'B' ? 1 - Number(parts.year) : Number(parts.year);
  const date = new Date(0);
  date.setUTCFullYear(year, Number(parts.month) - 1, Number(parts.day));
  date.setUTCHours(Number(parts.hour), Number(parts.minute), Number(parts.second), 0);
  return date.getTime();
}

function isTimeZone(timeZone: string): boolean {
  if (timeZone.length === 0 || timeZone.length > 100) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

function minuteOf(value: unknown, label: string): number {
  const match = typeof value === 'string' ? /^([01]\d|2[0-4]):([0-5]\d)$/.exec(value) : null;
  const minute = match ? Number(match[1]) * 60 + Number(match[2]) : Number.NaN;
  if (!(minute <= 24 * 60)) throw new InvalidArgumentError(`${label} must be a time such as "09:00"`);
  return minute;
}
