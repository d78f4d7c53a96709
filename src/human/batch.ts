/**
 * Batch decisions: one person answers many similar tasks at once ("Approve selected"). Each task is
 * answered on its own through the one answer path of every channel (`Authorization.answer`), so
 * each gets its own audit entry, its own authority check and its own compare-and-set; a batch only
 * saves the clicks. Every item is bound to the task as it stands: no form data and no edited
 * arguments (an approval of an action approves exactly the arguments that were asked). Partial
 * success is explicit: the outcome lists, per task, the task as answered or the error.
 */
import { HeedError, InvalidArgumentError } from '../errors.ts';
import type { Task } from './types.ts';

/** At most this many tasks in one batch. */
export const MAX_BATCH = 100;

/** One task of a batch and how it is answered. */
export interface BatchItem {
  id: string;
  outcome: string;
  comment?: string;
}

/** What became of one item: the task as answered, or why it was not. */
export type BatchItemOutcome =
  | { id: string; ok: true; task: Task }
  | { id: string; ok: false; error: { code: string; message: string } };

/**
 * Checks a batch before anything is answered: between 1 and {@link MAX_BATCH} items, each task at
 * most once, each with an outcome.
 * @throws InvalidArgumentError naming the first problem (nothing has been answered).
 */
export function checkBatch(items: readonly BatchItem[]): void {
  if (!Array.isArray(items) || items.length === 0) throw new InvalidArgumentError('A batch needs at least one item');
  if (items.length > MAX_BATCH) throw new InvalidArgumentError(`At most ${MAX_BATCH} tasks in one batch`);
  const seen = new Set<string>();
  for (const item of items) {
    if (typeof item.id !== 'string' || item.id === '') throw new InvalidArgumentError('Every item needs a task id');
    if (typeof item.outcome !== 'string' || item.outcome === '')
      throw new InvalidArgumentError(`Item ${item.id} needs an outcome`);
    if (seen.has(item.id)) throw new InvalidArgumentError(`Task ${item.id} is in the batch twice`);
    seen.add(item.id);
  }
}

/**
 * Answers every item in order with `answer` (the caller's one answer path), one at a time so a
 * batch never holds more than one task's write. A refusal (not found, not yours, already decided,
 * an outcome the task does not offer, a comment required…) is that item's error, and the batch
 * goes on; an unexpected error is reported as `INTERNAL` for that item without its details.
 * @throws InvalidArgumentError when the batch itself is malformed (see {@link checkBatch}).
 */
export async function answerEach(
  items: readonly BatchItem[],
  answer: (id: string, input: { outcome: string; comment?: string }) => Promise<Task>,
): Promise<BatchItemOutcome[]> {
  checkBatch(items);
  const outcomes: BatchItemOutcome[] = [];
  for (const item of items) {
    const input =
      item.comment === undefined ? { outcome: item.outcome } : { outcome: item.outcome, comment: item.comment };
    try {
      outcomes.push({ id: item.id, ok: true, task: await answer(item.id, input) });
    } catch (error) {
      const known = error instanceof HeedError;
      outcomes.push({
        id: item.id,
        ok: false,
        error: known ? { code: error.code, message: error.message } : { code: 'INTERNAL', message: 'Internal error' },
      });
    }
  }
  return outcomes;
}
