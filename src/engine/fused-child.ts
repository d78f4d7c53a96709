import type { Lease, Operation, WaitOutcome, WaitRequest } from '../store/store.ts';

/**
 * For the layers above the engine (human tasks' `ctx.ask`): a child run that an upper layer's own
 * write creates, started and awaited in ONE store write instead of four. A workflow that calls
 *
 * ```ts
 * const uuid = await ctx.uuid();
 * await ctx.step(plan.step, () => create(uuid));          // the upper layer's write
 * const child = await ctx.start({ name: plan.workflow }, input, { id: plan.childId(uuid) });
 * return child.result();
 * ```
 *
 * records `value uuid`, `step <plan.step>`, `start <plan.workflow>` and `child <child id>` at four
 * consecutive positions, in four writes (four commits one after the other). A fused child records
 * exactly the same four positions, in one write (`plan.write`), so that either form replays the
 * other's history: histories recorded before fusing exist, and code rolled back must replay
 * histories recorded after.
 *
 * `ctx[FUSED_CHILD](plan)` (an `Execution` offers it; see `Execution[FUSED_CHILD]`) returns
 * `undefined`, taking no position, when it cannot fuse: the next positions hold something else
 * (a history recorded by the four calls in another order, a partial one, a failed step) or an
 * earlier execution went past them, or the replay has not reached its frontier. The caller then
 * makes the four calls itself, which replay whatever was recorded.
 */
export const FUSED_CHILD = Symbol('heed.fusedChild');

export interface FusedChildPlan {
  /** The step's name (second position). */
  step: string;
  /** The child's workflow name (third position). */
  workflow: string;
  /** The child run's id for the uuid of the first position. */
  childId(uuid: string): string;
  /** The step's result for the uuid of the first position (plain JSON). */
  stepOutput(uuid: string): unknown;
  /**
   * Writes `fused` atomically, fenced by `lease`, with the upper layer's own write (which creates
   * the child run, `childId(uuid)`, as a child of the lease's run): its three records in order,
   * then the child wait, resolved (`ready`, recorded) or registered (`waiting`). Whatever it
   * throws ends the execution like a failed store write (nothing of it was written).
   */
  write(lease: Lease, fused: FusedRecords, now: number): Promise<WaitOutcome>;
}

/** The four positions of a fused child as the engine records them. */
export interface FusedRecords {
  uuid: string;
  /** `value uuid`, `step <plan.step>` and `start <plan.workflow>`, at `wait.seq - 3` to `wait.seq - 1`. */
  records: readonly [FusedRecord, FusedRecord, FusedRecord];
  /** The wait for the child, at the fourth position. */
  wait: Extract<WaitRequest, { kind: 'child' }>;
}

export type FusedRecord = Omit<Operation, 'createdAt' | 'ord'>;

/** What an execution offers the layers above for a fused child (see {@link FUSED_CHILD}). */
export interface FusedChildHost {
  /**
   * The child's output once it ends (rejects with `RunFailedError` or `RunCancelledError` as
   * `ChildRun.result()` does), or `undefined` when the four positions cannot be fused.
   */
  [FUSED_CHILD]<O>(plan: FusedChildPlan): Promise<O> | undefined;
}

/** Whether `ctx` offers fused children (a workflow context built by this engine does). */
export function hostsFusedChildren(ctx: object): ctx is FusedChildHost {
  return typeof (ctx as Partial<FusedChildHost>)[FUSED_CHILD] === 'function';
}
