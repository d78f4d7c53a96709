/**
 * The part of the storage contract that keeps who is away: one row per person (`away`), with the
 * delegate their tasks go to meanwhile, and an append-only log of every change (`away_log`), so
 * that setting and clearing an absence are on the record like everything else a task goes through.
 * The store stores; who may set it, loops and delegation are decided in `human/away.ts`.
 */

/** A person's absence: from `from` until `until` (epoch ms, `until` excluded), tasks go to `delegate`. */
export interface AwayRecord {
  principal: string;
  delegate: string;
  from: number;
  until: number;
  /** Who set it (the person, or an admin). */
  setBy: string;
  setAt: number;
}

/** One change to someone's absence: `set` (detail: the record) or `cleared` (detail: what was cleared). */
export interface AwayLogEntry {
  principal: string;
  action: 'set' | 'cleared';
  actor: string;
  at: number;
  detail: unknown;
}

export interface AwayStore {
  /** Sets (or replaces) `record.principal`'s absence and logs `set`, atomically. */
  putAway(record: AwayRecord): Promise<void>;
  /** The absence set for `principal`, if any (past, present or future: the caller compares times). */
  getAway(principal: string): Promise<AwayRecord | undefined>;
  /** Removes `principal`'s absence and logs `cleared`, atomically; returns what was removed (`undefined`: nothing). */
  clearAway(principal: string, actor: string, now: number): Promise<AwayRecord | undefined>;
  /** The latest changes to `principal`'s absence, newest first, at most `limit`. */
  awayLog(principal: string, limit: number): Promise<AwayLogEntry[]>;
}

/** The SQL row of `away` (both stores). */
export interface AwayRow {
  principal: string;
  delegate: string;
  starts_at: number | string;
  until: number | string;
  set_by: string;
  set_at: number | string;
}

export function toAwayRecord(row: AwayRow): AwayRecord {
  return {
    principal: row.principal,
    delegate: row.delegate,
    from: Number(row.starts_at),
    until: Number(row.until),
    setBy: row.set_by,
    setAt: Number(row.set_at),
  };
}

export interface AwayLogRow {
  principal: string;
  action: string;
  actor: string;
  at: number | string;
  detail: string;
}

export function toAwayLogEntry(row: AwayLogRow): AwayLogEntry {
  return {
    principal: row.principal,
    action: row.action as AwayLogEntry['action'],
    actor: row.actor,
    at: Number(row.at),
    detail: JSON.parse(row.detail) as unknown,
  };
}
