import type { Completion } from './store.ts';

/**
 * The event a run's end appends to its feed (`run.succeeded` with the output, `run.failed` with
 * the error), on every store. PostgreSQL writes the same JSON in SQL where runs end inside its
 * functions (`sql/heed_complete_runs.sql`; `sql/heed_claim.sql` for a run out of recoveries).
 */
export function runEndEvent(completion: Completion): { type: 'run.succeeded' | 'run.failed'; data: unknown } {
  return 'output' in completion
    ? { type: 'run.succeeded', data: { output: completion.output === null ? null : JSON.parse(completion.output) } }
    : { type: 'run.failed', data: { error: JSON.parse(completion.error) } };
}
