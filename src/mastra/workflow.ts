import { Mastra } from '@mastra/core/mastra';
import { InMemoryStore } from '@mastra/core/storage';
import type { AnyWorkflow, WorkflowRunState } from '@mastra/core/workflows';
import type { ApprovalPolicy, PendingCall, ToolDecision } from '../agent/approval-rounds.ts';
import * as rounds from '../agent/approval-rounds.ts';
import type { Workflow } from '../engine/workflow.ts';
import { TerminalError } from '../errors.ts';
import type { Heed } from '../human/heed.ts';

/** A Mastra step that called `suspend(payload)` and waits for a person. */
export interface PendingSuspension extends PendingCall {
  /** The suspended step's path joined with `.` (`step`, or `nested-workflow.step`). */
  callId: string;
  /** The path `run.resume({step})` is given. */
  step: string[];
  /** The payload given to `suspend`, as JSON. */
  payload: unknown;
}

export interface MastraWorkflowOptions {
  /** The Mastra workflow (`createWorkflow(...).commit()`). Every process that may resume a run must register the same. */
  workflow: AnyWorkflow;
  /**
   * The Mastra instance the workflow runs in, made with the storage given (the adapter's, see
   * {@link mastraWorkflow}), for workflows whose steps use their `mastra` (agents, tools, logger).
   * Default: `new Mastra({workflows: {[workflow.id]: workflow}, storage, logger: false})`.
   */
  mastra?: (storage: InMemoryStore) => Mastra;
  /** The policy for every approval, or one per suspension. */
  approval: ApprovalPolicy | ((call: PendingSuspension) => ApprovalPolicy);
  /**
   * The call a suspension asks to approve. Default: `{tool, args}` when the payload has them
   * (`suspend({tool: 'refund', args: {...}})`), else the step's id and the payload as `args`.
   */
  callOf?: (payload: unknown, step: string[]) => { tool: string; args: Record<string, unknown> };
}

/** What a run of the workflow starts with: the Mastra workflow's `inputData`. */
export interface MastraInput<I = Record<string, unknown>> {
  input: I;
}

export interface MastraOutput {
  /** The Mastra workflow's result (its output, as JSON). */
  output: unknown;
  decisions: ToolDecision[];
}

/** What one step of the Mastra run left behind: its snapshot (while it waits) and what it waits on. */
interface MastraSnapshot {
  snapshot: WorkflowRunState | null;
  approvals: PendingSuspension[];
  output: unknown;
}

/** The part of a Mastra run's result the adapter reads. */
interface RunResult {
  status: string;
  result?: unknown;
  error?: { message?: string } | string;
  steps?: Record<string, { suspendPayload?: unknown } | unknown>;
  suspended?: string[][];
}

/**
 * Registers a Heed workflow that runs a Mastra workflow whose steps `suspend(payload)` for a
 * person's approval. Each `run.start` / `run.resume` is a durable step; each suspended step becomes
 * a Heed approval task (through `ctx.ask`: the approval policies, assignees, deadline, reminders,
 * escalation, channels and audit of any Heed task) and the run suspends, holding no memory, until
 * a person decides, through any channel, in any process sharing the store, days later if need be.
 * Then the step is resumed with `run.resume({step, resumeData: decision})`: the step's
 * `resumeData` is the {@link ToolDecision} (`approved`, `approvedArgs` with the approver's edit,
 * `by`, `comment`). A step's `resumeSchema`, if any, must accept it.
 *
 * Mastra keeps a suspended run as a snapshot in its storage. Here that storage is an in-memory
 * store that holds a run only while one Heed step executes: the snapshot (Mastra run id = the Heed
 * run id) is put in before the step and taken out after, as the step's recorded result, in Heed's
 * store (SQLite or PostgreSQL, no other file). So a crash after the answer and before the resume
 * step committed resumes again from the same snapshot with the same decision (the task's one
 * recorded result): the workflow resumes once as far as its state goes, but a step's code after its
 * suspension may run twice in that window: make its effects idempotent (key them by the run id and
 * `decision.callId`). Two answers racing for one task: the task takes one, the other is refused.
 * @throws DuplicateWorkflowError when `name` is taken.
 */
export function mastraWorkflow<I = Record<string, unknown>>(
  heed: Heed,
  name: string,
  options: MastraWorkflowOptions,
): Workflow<MastraInput<I>, MastraOutput> {
  const storage = new InMemoryStore();
  const id = options.workflow.id;
  const mastra = options.mastra
    ? options.mastra(storage)
    : new Mastra({ workflows: { [id]: options.workflow }, storage, logger: false });
  const workflow = mastra.getWorkflowById(id) as AnyWorkflow;
  const callOf =
    options.callOf ?? ((payload: unknown, path: string[]) => rounds.callOfValue(payload, path.at(-1) ?? 'step'));
  const policyOf = typeof options.approval === 'function' ? options.approval : () => options.approval as ApprovalPolicy;

  /** Runs `go` on the Mastra run (its snapshot put back first) and snapshots what it left. */
  const step = async (
    runId: string,
    saved: WorkflowRunState | null,
    go: (run: Awaited<ReturnType<AnyWorkflow['createRun']>>) => Promise<RunResult>,
  ): Promise<MastraSnapshot> => {
    const runs = await storage.getStore('workflows');
    if (!runs) throw new TerminalError('the Mastra storage has no workflows domain');
    try {
      if (saved) await runs.persistWorkflowSnapshot({ workflowName: id, runId, snapshot: saved });
      const result = await go(await workflow.createRun({ runId }));
      if (result.status === 'success') return { snapshot: null, approvals: [], output: rounds.asJson(result.result) };
      if (result.status !== 'suspended') {
        const why = typeof result.error === 'string' ? result.error : result.error?.message;
        throw new TerminalError(`the Mastra workflow "${id}" ended ${result.status}${why ? `: ${why}` : ''}`);
      }
      const approvals = (result.suspended ?? []).map((path): PendingSuspension => {
        const [first = ''] = path;
        const raw = (result.steps?.[first] as { suspendPayload?: unknown } | undefined)?.suspendPayload;
        const payload = rounds.asJson(withoutMeta(raw));
        return { callId: path.join('.'), step: path, payload, ...callOf(payload, path) };
      });
      const snapshot = await runs.loadWorkflowSnapshot({ workflowName: id, runId });
      if (!snapshot) throw new TerminalError(`the Mastra workflow "${id}" suspended without a snapshot`);
      return { snapshot: rounds.asJson(snapshot) as WorkflowRunState, approvals, output: null };
    } finally {
      // From the storage and from the workflow's own map of runs: the next step starts afresh.
      await workflow.deleteWorkflowRunById(runId);
    }
  };

  return heed.workflow<MastraInput<I>, MastraOutput>(name, async (ctx, { input }) => {
    const { last, decisions } = await rounds.approvalRounds<MastraSnapshot, PendingSuspension>(ctx, {
      prefix: 'mastra',
      policyOf,
      payloadOf: (call) => ({ step: call.callId, suspended: call.payload }),
      start: () => step(ctx.runId, null, (run) => run.start({ inputData: input })),
      resume: (stopped, round) =>
        step(ctx.runId, stopped.snapshot, async (run) => {
          // Mastra resumes one suspended step per call; the others stay suspended in its snapshot.
          let result: RunResult = { status: 'suspended' };
          for (const [i, decision] of round.entries()) {
            if (i > 0 && result.status !== 'suspended') break;
            result = await run.resume({ step: stopped.approvals[i]?.step ?? [], resumeData: decision });
          }
          return result;
        }),
    });
    return { output: last.output, decisions };
  });
}

/** A nested workflow's suspension payload carries Mastra's own `__workflow_meta`: not for people. */
function withoutMeta(payload: unknown): unknown {
  if (payload === null || typeof payload !== 'object' || !('__workflow_meta' in payload)) return payload;
  const { __workflow_meta: _, ...rest } = payload as Record<string, unknown>;
  return rest;
}
