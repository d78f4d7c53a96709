/**
 * The part of the storage contract that forgets: retention (see `retention/sweeper.ts`, which
 * calls it in batches on a schedule). Each method is one small transaction that deletes at most
 * about `limit` rows of one kind, oldest first, and says where the next batch goes on, so a sweep
 * never holds a long transaction and many processes may sweep at once:
 *
 * - what is still in use is never deleted: a run that has not finished, a run tree any of whose
 *   runs has not finished or ended recently, a run a pending task names (its lifecycle run or the
 *   run that asked), a pending task's deliveries, a task whose lifecycle run still runs;
 * - a concurrent sweeper (another process, or a second batch racing this one) finds the rows
 *   gone or locked and skips them: deleting is idempotent, and PostgreSQL batches lock what they
 *   delete with `SKIP LOCKED`, so they never wait on a worker and no worker waits on them for
 *   longer than the few rows they lock;
 * - with nothing to prune, a batch is one index probe (every kind is found through an index on
 *   the time it ended).
 */

/** One batch of one kind of pruning. */
export interface PruneRequest {
  /** Prune what ended before this time (epoch ms, the engine's clock). */
  before: number;
  /**
   * Rows to delete in this batch's transaction, about: the batch stops once it deleted as many,
   * and also once it has looked at as many candidates. A unit that must go atomically (one run
   * tree's history, one task with its audit chain) is never split, so one batch may exceed it by
   * that unit.
   */
  limit: number;
  /** Go on after this position: the `next` of the previous batch of the same sweep. */
  after?: string | null | undefined;
}

export interface PruneBatch {
  /** What was removed: runs (`pruneRuns`), rows (`pruneProgress`), deliveries, tasks. */
  items: number;
  /** Rows deleted from every table together. */
  rows: number;
  /**
   * The position reached: everything up to it was looked at (pass it as the next batch's
   * `after`). `null` when nothing was passed yet. An opaque cursor; it stays valid across processes
   * and restarts.
   */
  next: string | null;
  /** The batch was full: call again (with `after: next`) for more. */
  more: boolean;
}

export interface RetentionStore {
  /**
   * Deletes finished run trees with everything recorded about them: the runs, their operations
   * (history), waits, messages, statuses and run events. A tree is a run without a parent and its
   * descendants, pruned together and only whole: every run of it finished (succeeded, failed or
   * cancelled) before `before`, and no pending task names any of them. Status and event rows go
   * first, in batches of `limit` (a reader may briefly see a pruned run's feed shorter); a tree's
   * runs, operations, waits and messages go together in one transaction, so a run is never seen
   * (nor resumed) with part of its history. Tasks stay: a task whose lifecycle run or asking run
   * was pruned is still read, answered by nobody (it ended), and its audit chain verifies.
   *
   * A run id is free again once its run is pruned: idempotent start (`createRun` with an existing
   * id) and message idempotency keys hold within the retention window.
   */
  pruneRuns(request: PruneRequest): Promise<PruneBatch>;
  /**
   * Deletes the `progress` run events (a step's streamed output) of run trees whose root
   * finished before `before`, keeping the trees themselves (their shorter clock: see
   * `RetentionOptions.progress`). Runs of a tree still running (a chat thread's turns) keep
   * theirs until the tree is pruned. `next` is worth keeping between sweeps: everything up to it
   * is done (a run resumed and finished again moves past it and is looked at again).
   */
  pruneProgress(request: PruneRequest): Promise<PruneBatch>;
  /**
   * Deletes notification deliveries (and their local outbox copies) last written before `before`,
   * except those of pending tasks (they say what was sent already, and where replies thread).
   */
  pruneDeliveries(request: PruneRequest): Promise<PruneBatch>;
  /**
   * Deletes tasks that ended before `before` with their assignees, responses, audit chain, used
   * one-click links, deliveries and outbox copies: a task with its decision goes as a whole. A
   * task whose lifecycle run has not finished, or whose cancellation is not settled (no result
   * yet), stays.
   */
  pruneTasks(request: PruneRequest): Promise<PruneBatch>;
}
