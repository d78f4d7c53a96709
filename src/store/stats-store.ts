/**
 * The part of the storage contract that counts, for metrics (`observability/metrics.ts`): what
 * is unfinished now, across every process sharing the store. Each method is one read over an
 * index on the status; its cost grows with what is unfinished, never with what has ended.
 */

/** Unfinished runs, by workflow and status. */
export interface RunCount {
  workflow: string;
  status: 'pending' | 'running' | 'waiting' | 'blocked';
  count: number;
}

/** Pending tasks of one type, and those of them whose deadline has passed (a decision is due). */
export interface PendingTaskCount {
  type: string;
  pending: number;
  overdue: number;
}

export interface StatsStore {
  /** Runs that have not finished, grouped by workflow and status. */
  unfinishedRuns(): Promise<RunCount[]>;
  /** Pending tasks by type; `overdue`: those whose deadline is before `now`. */
  pendingTasks(now: number): Promise<PendingTaskCount[]>;
}

export const UNFINISHED_RUNS_SQL = `SELECT workflow, status, count(*) AS count FROM runs
  WHERE status IN ('pending', 'running', 'waiting', 'blocked') GROUP BY workflow, status ORDER BY workflow, status`;

/** `$1` (PostgreSQL) or `?` (SQLite) is the current time. */
export const pendingTasksSql = (now: '$1' | '?') => `SELECT type, count(*) AS pending,
  count(*) FILTER (WHERE deadline IS NOT NULL AND deadline < ${now}) AS overdue
  FROM tasks WHERE status = 'pending' GROUP BY type ORDER BY type`;
