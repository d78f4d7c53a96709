/**
 * Decision insights: where decisions stall. From the tasks created in a window, time to decision
 * (p50, p90) by task type, policy, person and channel; what is pending and overdue now; reminders
 * and escalations per task; how many were answered only after an escalation. Pure functions of
 * the tasks read (see {@link readInsightTasks}); nothing is stored.
 *
 * "Time to decision" is from a task's creation to the answer that ended it. Tasks that a deadline
 * decided (`by: system`), that expired or were cancelled are counted as such, not as decisions.
 */
import type { HumanTasks } from './tasks.ts';
import type { Task } from './types.ts';

/** Figures for one group of tasks (a type, a policy, a person, a channel). */
export interface DecisionFigures {
  key: string;
  /** Decisions made by a person. */
  decided: number;
  /** Seconds from creation to decision: median and 90th percentile (`null` without decisions). */
  p50Seconds: number | null;
  p90Seconds: number | null;
}

export interface Insights {
  /** The window the tasks were created in (epoch ms) and whose figures these are. */
  from: number;
  to: number;
  /** `null`: everyone's (admins); otherwise the person whose figures these are. */
  principal: string | null;
  /** Tasks read; `truncated` when the window held more than the limit (the oldest were left out). */
  tasks: number;
  truncated: boolean;
  decided: number;
  /** Ended without a person's decision: the deadline decided, expired, or cancelled. */
  timedOut: number;
  cancelled: number;
  pending: number;
  /** Pending with their deadline passed (the safe default is due). */
  overdue: number;
  /** Reminders and escalations sent, per task (mean). */
  remindersPerTask: number;
  escalationsPerTask: number;
  /** Decisions made only after an escalation. */
  answeredAfterEscalation: number;
  overall: DecisionFigures;
  byType: DecisionFigures[];
  byPolicy: DecisionFigures[];
  byPerson: DecisionFigures[];
  byChannel: DecisionFigures[];
  /**
   * Tasks approved by a standing approval (`standing.ts`), per standing approval, most used first.
   * (They also count as decisions, via `standing`, in the figures above.)
   */
  standingUsed: { standingApprovalId: string; tasks: number }[];
}

/** At most this many tasks are read for one request: a window is summarized, never unbounded. */
export const MAX_INSIGHT_TASKS = 20_000;

/** The value at quantile `q` of sorted `values` (nearest rank). */
function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? null;
}

function figures(key: string, seconds: number[]): DecisionFigures {
  const sorted = [...seconds].sort((a, b) => a - b);
  return { key, decided: sorted.length, p50Seconds: quantile(sorted, 0.5), p90Seconds: quantile(sorted, 0.9) };
}

/** A person's decision, as opposed to the system's (deadline) or no decision at all. */
export function decisionOf(task: Task): { by: string; via: string; seconds: number } | undefined {
  const result = task.result;
  if (task.status !== 'resolved' || !result?.by || result.by === 'system') return undefined;
  return { by: result.by, via: result.via ?? 'api', seconds: Math.max(0, (result.at - task.createdAt) / 1_000) };
}

function grouped(tasks: readonly Task[], keyOf: (task: Task) => string | undefined): DecisionFigures[] {
  const groups = new Map<string, number[]>();
  for (const task of tasks) {
    const decision = decisionOf(task);
    const key = keyOf(task);
    if (!decision || key === undefined) continue;
    const seconds = groups.get(key) ?? [];
    seconds.push(decision.seconds);
    groups.set(key, seconds);
  }
  return [...groups]
    .map(([key, seconds]) => figures(key, seconds))
    .sort((a, b) => b.decided - a.decided || (a.key < b.key ? -1 : 1));
}

/** How often each standing approval decided a task (its id is in the result's comment, see `tasks.ts`). */
function standingUsed(tasks: readonly Task[]): { standingApprovalId: string; tasks: number }[] {
  const counts = new Map<string, number>();
  for (const task of tasks) {
    if (task.result?.via !== 'standing') continue;
    const id = /\bSA-[0-9a-f-]+/.exec(task.result.comment ?? '')?.[0];
    if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return [...counts]
    .map(([standingApprovalId, n]) => ({ standingApprovalId, tasks: n }))
    .sort((a, b) => b.tasks - a.tasks || (a.standingApprovalId < b.standingApprovalId ? -1 : 1));
}

/** Summarizes `tasks` (created in `from`..`to`) as of `now`. */
export function summarize(
  tasks: readonly Task[],
  window: { from: number; to: number; now: number; principal: string | null; truncated: boolean },
): Insights {
  const decided = tasks.filter((t) => decisionOf(t));
  const count = (predicate: (task: Task) => boolean) => tasks.filter(predicate).length;
  const mean = (total: number) => (tasks.length === 0 ? 0 : Math.round((total / tasks.length) * 100) / 100);
  return {
    from: window.from,
    to: window.to,
    principal: window.principal,
    tasks: tasks.length,
    truncated: window.truncated,
    decided: decided.length,
    timedOut: count((t) => t.status === 'expired' || (t.status === 'resolved' && t.result?.by === 'system')),
    cancelled: count((t) => t.status === 'cancelled'),
    pending: count((t) => t.status === 'pending'),
    overdue: count((t) => t.status === 'pending' && t.deadline !== null && t.deadline < window.now),
    remindersPerTask: mean(tasks.reduce((sum, t) => sum + t.remindersSent, 0)),
    escalationsPerTask: mean(tasks.reduce((sum, t) => sum + t.escalationLevel, 0)),
    answeredAfterEscalation: decided.filter((t) => t.escalationLevel > 0).length,
    overall: figures(
      'all',
      decided.map((t) => decisionOf(t)?.seconds ?? 0),
    ),
    byType: grouped(tasks, (t) => t.type),
    byPolicy: grouped(tasks, (t) => t.policy?.name ?? 'none'),
    byPerson: grouped(tasks, (t) => decisionOf(t)?.by),
    byChannel: grouped(tasks, (t) => decisionOf(t)?.via),
    standingUsed: standingUsed(tasks),
  };
}

/**
 * The tasks insights are made of: created in `from`..`to`, newest first, at most
 * {@link MAX_INSIGHT_TASKS}. For a person (`principal`), the tasks they were asked (as an
 * assignee, directly, through a group or by escalation) or decided; for admins (`null`) all.
 * @throws the store's error
 */
export async function readInsightTasks(
  tasks: HumanTasks,
  options: { from: number; to: number; principal: string | null },
): Promise<{ items: Task[]; truncated: boolean }> {
  const items: Task[] = [];
  const inWindow = (task: Task) => task.createdAt >= options.from && task.createdAt < options.to;
  if (options.principal === null) {
    let cursor: string | undefined;
    do {
      const page = await tasks.list({ createdAfter: options.from, createdBefore: options.to, limit: 500, cursor });
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && items.length < MAX_INSIGHT_TASKS);
    return { items: items.slice(0, MAX_INSIGHT_TASKS), truncated: Boolean(cursor) || items.length > MAX_INSIGHT_TASKS };
  }
  // A person's inbox, every status; the inbox is indexed by person, newest first.
  let truncated = false;
  for (const status of ['pending', 'resolved', 'expired', 'cancelled'] as const) {
    let cursor: string | undefined;
    do {
      const page = await tasks.inbox(options.principal, { status, limit: 500, cursor });
      for (const task of page.items) if (inWindow(task)) items.push(task);
      cursor = page.nextCursor ?? undefined;
      const oldest = page.items.at(-1);
      if (oldest && oldest.createdAt < options.from) cursor = undefined; // past the window
    } while (cursor && items.length < MAX_INSIGHT_TASKS);
    if (cursor) truncated = true;
  }
  return { items: items.slice(0, MAX_INSIGHT_TASKS), truncated: truncated || items.length > MAX_INSIGHT_TASKS };
}
