import { Command } from '@langchain/langgraph';
import {
  type ApprovalPolicy,
  approvalRounds,
  asJson,
  callOfValue,
  type PendingCall,
  type ToolDecision,
} from '../agent/approval-rounds.ts';
import type { Workflow } from '../engine/workflow.ts';
import type { Heed } from '../human/heed.ts';
import { HeedCheckpointer, type SavedThread } from './checkpointer.ts';

/**
 * What the adapter needs of a compiled LangGraph graph (a `CompiledStateGraph`, or any Pregel):
 * `invoke` and `getState`.
 */
export interface LangGraphGraph {
  // biome-ignore lint/suspicious/noExplicitAny: any graph, whatever its state and update types
  invoke(input: any, config: { configurable: { thread_id: string }; recursionLimit?: number }): Promise<unknown>;
  getState(config: { configurable: { thread_id: string } }): Promise<{
    tasks: readonly { name: string; interrupts: readonly { id?: string; value?: unknown }[] }[];
  }>;
}

/** A LangGraph `interrupt(value)` waiting for a person. */
export interface PendingInterrupt extends PendingCall {
  /** The interrupt's id (what `Command({resume})` is keyed by): stable across replays. */
  callId: string;
  /** The node that interrupted. */
  node: string;
  /** The value given to `interrupt`, as JSON. */
  value: unknown;
}

export interface LangGraphWorkflowOptions {
  /**
   * Compiles the graph with the checkpointer given (`(checkpointer) => builder.compile({checkpointer})`).
   * Called once, at registration. Every process that may resume a run must register the same graph.
   */
  graph: (checkpointer: HeedCheckpointer) => LangGraphGraph;
  /** The policy for every approval, or one per interrupt. */
  approval: ApprovalPolicy | ((call: PendingInterrupt) => ApprovalPolicy);
  /**
   * The call an interrupt asks to approve. Default: `{tool, args}` when the interrupt's value has
   * them (`interrupt({tool: 'refund', args: {...}})`), else the node's name and the value as `args`.
   */
  callOf?: (value: unknown, node: string) => { tool: string; args: Record<string, unknown> };
  /** Passed to each `invoke` (default: LangGraph's). */
  recursionLimit?: number;
}

/** What a run of the workflow starts with: the graph's input (its state update). */
export interface LangGraphInput<I extends Record<string, unknown> = Record<string, unknown>> {
  input: I;
}

export interface LangGraphOutput {
  /** What the graph's last `invoke` returned (its state, as JSON). */
  output: unknown;
  decisions: ToolDecision[];
}

/** What one step of the graph left behind: its thread (while it waits) and what it waits on. */
interface GraphSnapshot {
  thread: SavedThread | null;
  approvals: PendingInterrupt[];
  output: unknown;
}

/**
 * Registers a Heed workflow that runs a LangGraph graph whose nodes call `interrupt(value)` for a
 * person's approval. Each `invoke` is a durable step; each interrupt becomes a Heed approval task
 * (through `ctx.ask`: the approval policies, assignees, deadline, reminders, escalation, channels
 * and audit of any Heed task) and the run suspends, holding no memory, until a person decides,
 * through any channel, in any process sharing the store, days later if need be. The graph is then
 * resumed with `new Command({resume})`: the node's `interrupt(...)` returns the
 * {@link ToolDecision} (`approved`, `approvedArgs` with the approver's edit, `by`, `comment`).
 *
 * The graph's thread (its checkpoints and pending writes, thread id = the Heed run id) is the
 * recorded result of the step that wrote it, in Heed's store: see {@link HeedCheckpointer}.
 * Failure semantics: a crash after the answer and before the resume step committed runs the resume
 * again from the same checkpoint, with the same decision (the task's one recorded result), so the
 * graph resumes once as far as its state goes; the code of a node after its `interrupt` may run
 * twice in that window: make its effects idempotent, e.g. keyed by the interrupt id
 * (`decision.callId`). Two answers racing for one task: the task takes one, the other is refused.
 * @throws DuplicateWorkflowError when `name` is taken.
 */
export function langGraphWorkflow<I extends Record<string, unknown> = Record<string, unknown>>(
  heed: Heed,
  name: string,
  options: LangGraphWorkflowOptions,
): Workflow<LangGraphInput<I>, LangGraphOutput> {
  const checkpointer = new HeedCheckpointer();
  const graph = options.graph(checkpointer);
  const callOf = options.callOf ?? callOfValue;
  const policyOf = typeof options.approval === 'function' ? options.approval : () => options.approval as ApprovalPolicy;

  /** Runs the graph on its thread (loaded from `thread`) and snapshots what it left. */
  const step = async (threadId: string, thread: SavedThread | null, input: unknown): Promise<GraphSnapshot> => {
    const config = {
      configurable: { thread_id: threadId },
      ...(options.recursionLimit === undefined ? {} : { recursionLimit: options.recursionLimit }),
    };
    checkpointer.load(threadId, thread);
    try {
      const output = await graph.invoke(input, config);
      const state = await graph.getState(config);
      const approvals = state.tasks.flatMap((task) =>
        task.interrupts.map((i): PendingInterrupt => {
          const value = asJson(i.value);
          return { callId: i.id ?? task.name, node: task.name, value, ...callOf(value, task.name) };
        }),
      );
      const saved = checkpointer.take(threadId);
      if (approvals.length > 0) return { thread: saved, approvals, output: null };
      const done = asJson(output);
      if (done === null || typeof done !== 'object' || Array.isArray(done))
        return { thread: null, approvals: [], output: done };
      const { __interrupt__: _, ...values } = done as Record<string, unknown>;
      return { thread: null, approvals: [], output: values };
    } finally {
      checkpointer.drop(threadId);
    }
  };

  return heed.workflow<LangGraphInput<I>, LangGraphOutput>(name, async (ctx, { input }) => {
    const { last, decisions } = await approvalRounds<GraphSnapshot, PendingInterrupt>(ctx, {
      prefix: 'langgraph',
      policyOf,
      payloadOf: (call) => ({ node: call.node, interrupt: call.value }),
      start: () => step(ctx.runId, null, input),
      resume: (snapshot, round) =>
        step(ctx.runId, snapshot.thread, new Command({ resume: Object.fromEntries(round.map((d) => [d.callId, d])) })),
    });
    return { output: last.output, decisions };
  });
}
