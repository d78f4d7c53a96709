import type { Changes } from './changes.ts';
import type { Run, RunEvent, StatusEntry } from './store.ts';

/**
 * What live feeds read (SSE streams, the inbox's live updates, the webhook dispatcher, the channel
 * closer): the run event feed, the status change feed, the change port, small durable settings
 * (feed cursors) and the tasks' version. Given to the server as `heed.feeds`.
 */
export interface FeedStore {
  /**
   * Announces committed changes (run events, tasks) to live feeds: at least in this process,
   * across processes where the implementation can (see `changes.ts`).
   */
  readonly changes: Changes;
  /** The change feed: entries with `id > after` in order, optionally of one run. */
  statusChanges(after: number, limit: number, runId?: string): Promise<StatusEntry[]>;
  /** A small durable setting (e.g. a feed cursor), or `undefined`. */
  getSetting(key: string): Promise<string | undefined>;
  setSetting(key: string, value: string): Promise<void>;
  /**
   * Keeps `value` under `key` unless the key has a value already, and returns the value kept:
   * this one, or the one there before. Atomic: of many calls at once, from any number of
   * processes, exactly one value is kept and every call returns that one (e.g. a secret that
   * every process must share: each proposes a fresh one, all end up with the same).
   */
  setSettingOnce(key: string, value: string): Promise<string>;
  /** The id of the newest run event (0 when there is none). */
  lastRunEventId(): Promise<number>;
  /** The run event feed: events with `id > after` in order, of one run or of all. */
  runEvents(after: number, limit: number, runId?: string): Promise<RunEvent[]>;
  /** The run (to tell whether a followed run has ended), or `undefined`. */
  getRun(id: string): Promise<Run | undefined>;
  /**
   * Changes whenever any task is created or changes, committed by any writer (two writes in the
   * same millisecond included), for live inbox updates. Constant time, whatever the number of tasks.
   */
  tasksVersion(): Promise<string>;
}
