/**
 * Replaying a recorded history against today's workflow code, without a store and without
 * running anything: the check a team puts in CI before deploying a change to a workflow whose
 * runs may be waiting (`heed history export RUN_ID > run.json`, then `replayHistory`).
 *
 * The replay is the engine's own: an `Execution` on the recorded history, whose store answers
 * every live call by stopping. Recorded results come back in their recorded order; the first call
 * that differs from the history (another operation at a position, a position no longer reached,
 * a recorded event the match no longer selects) is the divergence. Reaching the end of the
 * history (the first call that would do something new) means the code replays it.
 */
import { HeedError, NonDeterminismError } from '../errors.ts';
import type { EngineStore } from '../store/engine-store.ts';
import type { Operation, Run } from '../store/store.ts';
import type { WorkflowContext } from './context.ts';
import { Execution } from './execution.ts';
import { decodeError } from './serialization.ts';
import type { WorkflowFn } from './workflow.ts';

/** A run's history as `heed history export` writes it (JSON). */
export interface ExportedHistory {
  format: 'heed.history/1';
  runId: string;
  workflow: string;
  input: string | null;
  initiator: string | null;
  status: string;
  /** The recorded operations, by position. */
  history: Operation[];
  /** The highest position of a wait the run had registered when exported (`null`: none; absent: unknown). */
  lastWaitSeq?: number | null;
}

/** What a replay found. */
export type ReplayVerdict =
  | { ok: true; replayed: number; reachedEnd: 'frontier' | 'completed' }
  | { ok: false; replayed: number; divergence: string };

/** Thrown by the replay's store: the code asked for something the history does not hold yet. */
class FrontierReached extends HeedError {
  constructor() {
    super('REPLAY_FRONTIER', 'The replay reached the end of the recorded history');
  }
}

/**
 * Replays `history` on `fn` (with the context members `extensions` adds, e.g. `ctx.ask`).
 * Never runs a step, never writes: a call past the history ends the replay successfully.
 */
export async function replayRecorded(
  fn: WorkflowFn<unknown, unknown>,
  exported: ExportedHistory,
  extensions: ReadonlyMap<string, (ctx: WorkflowContext) => unknown>,
): Promise<ReplayVerdict> {
  let frontier = false;
  let failure: unknown;
  const stop = async (): Promise<never> => {
    frontier = true;
    throw new FrontierReached();
  };
  // Every live call of the execution lands here: record nothing, stop at the first.
  const store = new Proxy({} as EngineStore, {
    get(_target, property) {
      if (property === 'completeRun') {
        return async (_lease: unknown, completion: { error?: string }) => {
          if (completion.error !== undefined) failure = decodeError(completion.error);
        };
      }
      if (property === 'blockRun') {
        return async (_lease: unknown, error: string) => {
          failure = decodeError(error);
        };
      }
      if (property === 'suspendRun') return async () => 'waiting';
      return stop;
    },
  });
  const run: Run = {
    id: exported.runId,
    workflow: exported.workflow,
    status: 'running',
    input: exported.input,
    output: null,
    error: null,
    parentId: null,
    initiator: exported.initiator,
    attempts: 1,
    recoveries: 0,
    createdAt: 0,
    updatedAt: 0,
  };
  const execution = new Execution(
    {
      run,
      lease: { runId: exported.runId, token: 0 },
      history: exported.history,
      lastWaitSeq: exported.lastWaitSeq ?? null,
    },
    {
      store,
      clock: { now: () => exported.history.at(-1)?.createdAt ?? 0, setTimer: () => () => {} },
      onDeadline: () => {},
      onStatus: () => {},
      extensions,
      writeless: true,
    },
  );
  await execution.run(fn);
  const replayed = exported.history.length;
  const error = failure ?? execution.interruption;
  if (error instanceof NonDeterminismError || (error as { code?: string } | undefined)?.code === 'NON_DETERMINISM') {
    return { ok: false, replayed, divergence: (error as Error).message };
  }
  // Past the history (a live call), or to the end: the workflow's own recorded failure (a step
  // that failed, an error it threw) replays as well as its output.
  return { ok: true, replayed, reachedEnd: frontier ? 'frontier' : 'completed' };
}

/** A recorded history that today's code does not replay: the message names the first difference. */
export class ReplayDivergenceError extends HeedError {
  constructor(runId: string, workflow: string, divergence: string) {
    super('REPLAY_DIVERGED', `The history of run "${runId}" (workflow "${workflow}") no longer replays: ${divergence}`);
  }
}

/**
 * For a test suite: replays a history exported with `heed history export RUN_ID` (the object, or
 * its JSON text) against `workflow` as the code stands, and fails with the first divergence —
 * which call, what was recorded and what the code asks now — before a deploy strands waiting runs.
 * @throws ReplayDivergenceError; UnknownWorkflowError when `workflow` is not registered.
 */
export async function replayHistory(
  workflow: { readonly name: string; replay(history: ExportedHistory): Promise<ReplayVerdict> },
  history: ExportedHistory | string,
): Promise<ReplayVerdict & { ok: true }> {
  const exported = typeof history === 'string' ? (JSON.parse(history) as ExportedHistory) : history;
  if (exported.format !== 'heed.history/1') {
    throw new HeedError('INVALID_ARGUMENT', 'Not a history exported by `heed history export` (format heed.history/1)');
  }
  const verdict = await workflow.replay(exported);
  if (!verdict.ok) throw new ReplayDivergenceError(exported.runId, workflow.name, verdict.divergence);
  return verdict;
}
