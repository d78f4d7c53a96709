import { runEndEvent } from '../run-end-event.ts';
import type { Completion } from '../store.ts';
import type { Database } from './database.ts';
import { appendRunEvent } from './run-events.ts';
import * as runs from './runs.ts';
import { deleteWaits, fireChildWaits } from './waits.ts';

/**
 * What follows a run's end inside the transaction that ends it: its end event on its feed, its
 * waits removed, and the parents waiting on it woken.
 */
export function afterRunEnd(db: Database, runId: string, completion: Completion, now: number): void {
  const event = runEndEvent(completion);
  appendRunEvent(db, runId, event.type, event.data, now);
  deleteWaits(db, runId);
  for (const parent of fireChildWaits(db, runId)) runs.wakeRun(db, parent, now);
}
