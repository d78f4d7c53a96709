import type { WorkflowContext } from './context.ts';
import type { ExportedHistory, ReplayVerdict } from './replayer.ts';
import type { RunHandle } from './run-handle.ts';

/** A workflow body: deterministic orchestration code; side effects belong in `ctx.step`. */
export type WorkflowFn<I, O> = (ctx: WorkflowContext, input: I) => Promise<O>;

/** Names a workflow and carries its input and output types. */
export interface WorkflowRef<I, O> {
  readonly name: string;
  /** Type-level only; never set. */
  readonly __types?: { input: I; output: O };
}

export interface StartOptions {
  /** The run id. Starting again with an existing id returns the existing run. Default: a UUID. */
  id?: string;
  /**
   * The principal starting the run (recorded as its `initiator`; tasks it asks have it as their
   * requester by default). Ignored when the run already exists. Default: none.
   */
  initiator?: string;
}

/** How a workflow is registered. */
export interface WorkflowOptions {
  /** Heed's own machinery (task lifecycles, webhook deliveries): never started, read or listed from outside. */
  internal?: boolean;
  /**
   * The version of this code (a whole number; default 1, the plain workflow). Several versions of
   * one workflow may be registered at once: new runs start on the newest, and every run replays on
   * the version it started on, so a change that would not replay a waiting run's history ships as
   * a new version beside the old one. A process that lacks a run's version never claims it.
   */
  version?: number;
  /**
   * Offered as a skill of Heed's A2A agent (`/a2a`, its agent card lists it): a calling agent
   * starts a run with a message whose data part is the input. `true`, or the skill's description.
   * Who may start it is still `startable`'s rule. Ignored for internal workflows.
   */
  a2a?: boolean | { description?: string };
}

/** A workflow offered over A2A (see {@link WorkflowOptions.a2a}). */
export interface A2AWorkflowInfo {
  name: string;
  description: string | undefined;
}

/** A registered workflow. */
export interface Workflow<I, O> extends WorkflowRef<I, O> {
  /**
   * Starts a run, or returns the run that already has `options.id` (idempotent start).
   * @throws SerializationError when `input` is not plain JSON (nothing is written);
   *   RunStateError when the id belongs to a run of another workflow.
   */
  start(input: I, options?: StartOptions): Promise<RunHandle<O>>;
  /** A handle on an existing run of this workflow (not checked until used). */
  handle(runId: string): RunHandle<O>;
  /**
   * Replays a recorded history (`heed history export`) against this workflow's code now, running
   * nothing: `{ok: false, divergence}` names the first call that differs (see `replayHistory`).
   */
  replay(history: ExportedHistory): Promise<ReplayVerdict>;
}
