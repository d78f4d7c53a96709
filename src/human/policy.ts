import type { NormalizedSpec } from './types.ts';

/** A timed policy action of a task. */
export type PolicyEvent =
  | { kind: 'remind'; index: number; at: number }
  | { kind: 'escalate'; index: number; at: number }
  | { kind: 'deadline'; index: 0; at: number };

const ORDER = { escalate: 0, remind: 1, deadline: 2 } as const;

/** The instant `ms` after `from`: elapsed time, or working time (see `working-time.ts`). */
export type Later = (from: number, ms: number) => number;

const ELAPSED: Later = (from, ms) => from + ms;

/**
 * Every reminder, escalation and the deadline of a task, in time order, from its creation time.
 * Computed once and recorded by the lifecycle workflow, so a restart replays the same plan.
 * Nothing is scheduled after the deadline. `later` counts the durations of reminders (each
 * `every` from the one before) and escalations (from creation): elapsed time by default, working
 * time for a `businessHours` task; the deadline is always elapsed time.
 */
export function policySchedule(spec: NormalizedSpec, createdAt: number, later: Later = ELAPSED): PolicyEvent[] {
  const events: PolicyEvent[] = [];
  if (spec.remind) {
    let at = later(createdAt, spec.remind.afterMs);
    for (let i = 0; i < spec.remind.max; i++) {
      if (i > 0) {
        if (spec.remind.everyMs === null) break;
        at = later(at, spec.remind.everyMs);
      }
      events.push({ kind: 'remind', index: i + 1, at });
    }
  }
  spec.escalate.forEach((level, i) => {
    events.push({ kind: 'escalate', index: i + 1, at: later(createdAt, level.afterMs) });
  });
  const deadline = spec.deadlineMs === null ? null : createdAt + spec.deadlineMs;
  const scheduled = events.filter((event) => deadline === null || event.at < deadline);
  if (deadline !== null) scheduled.push({ kind: 'deadline', index: 0, at: deadline });
  return scheduled.sort((a, b) => a.at - b.at || ORDER[a.kind] - ORDER[b.kind] || a.index - b.index);
}
