/**
 * Whose working hours a task's timers follow (policy `businessHours: true`, docs/working-hours.md):
 * the assignees' at creation, each in their own time zone. A duration such as "2h" ends at the
 * earliest instant at which ANY assignee with working hours has worked it (someone who can answer
 * is reminded as soon as they have had the time). Assignees without working hours (groups without
 * an entry of their own, email addresses, people without `workingHours`) are not counted; when no
 * assignee has working hours, durations are elapsed time as without the policy.
 */
import { InvalidArgumentError } from '../errors.ts';
import type { Later } from './policy.ts';
import { addWorkingTime, type WorkingHours, type WorkingSchedule, workingSchedule } from './working-time.ts';

/** A person's working hours and the time zone they are in (config `people`: `timeZone` and `workingHours`). */
export interface ZonedWorkingHours extends WorkingHours {
  /** IANA time zone, e.g. `Europe/Paris`. */
  timeZone: string;
}

/** A principal's working hours, or `undefined` when it has none (always counted as elapsed time). */
export type WorkingHoursLookup = (principal: string) => ZonedWorkingHours | undefined;

/**
 * How a `businessHours` task counts its reminders' and escalations' durations, from its assignees.
 * `undefined` when none of them has working hours (elapsed time).
 * @throws InvalidArgumentError naming the principal whose working hours are invalid (an unknown
 *   time zone, a bad time or day): the task is refused rather than timed wrongly.
 */
export function assigneesLater(
  assignees: readonly string[],
  lookup: WorkingHoursLookup | undefined,
): Later | undefined {
  if (!lookup) return undefined;
  const schedules: WorkingSchedule[] = [];
  for (const principal of new Set(assignees)) {
    const hours = lookup(principal);
    if (hours) schedules.push(workingSchedule(hours.timeZone, hours, `working hours of ${principal}`));
  }
  if (schedules.length === 0) return undefined;
  return (from, ms) => Math.min(...schedules.map((schedule) => addWorkingTime(from, ms, schedule)));
}

/**
 * The lookup for a `people` directory (config `people`), every entry checked now: an entry with
 * `workingHours` needs a `timeZone`.
 * @throws InvalidArgumentError naming the entry and the field.
 */
export function workingHoursOfPeople(
  people: Record<string, { timeZone?: string; workingHours?: WorkingHours }>,
): WorkingHoursLookup {
  const hours = new Map<string, ZonedWorkingHours>();
  for (const [principal, person] of Object.entries(people)) {
    if (person.workingHours === undefined) continue;
    const label = `people["${principal}"]`;
    if (person.timeZone === undefined) throw new InvalidArgumentError(`${label}: workingHours needs a timeZone`);
    workingSchedule(person.timeZone, person.workingHours, label);
    hours.set(principal, { ...person.workingHours, timeZone: person.timeZone });
  }
  return (principal) => hours.get(principal);
}
