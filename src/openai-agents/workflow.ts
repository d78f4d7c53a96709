import { type Agent, type AgentInputItem, RunState, Runner } from '@openai/agents';
import { type ApprovalPolicy, approvalRounds, rejectionMessage, type ToolDecision } from '../agent/approval-rounds.ts';
import type { Workflow } from '../engine/workflow.ts';
import type { Heed } from '../human/heed.ts';
import { canonicalHash } from '../store/canonical.ts';
import { type AgentSnapshot, approvalOf, callIdOf, type PendingApproval, snapshotOf } from './snapshot.ts';

export type { ApprovalPolicy, ToolDecision };

export interface OpenAIAgentWorkflowOptions {
  /**
   * The agent. Every process that may resume a run must register the same agent (same name,
   * tools and handoffs): `RunState.fromString` rebuilds the run against it.
   */
  // biome-ignore lint/suspicious/noExplicitAny: any agent, whatever its context and output types
  agent: Agent<any, any>;
  /** The policy for every approval, or one per tool call. */
  approval: ApprovalPolicy | ((call: PendingApproval) => ApprovalPolicy);
  /** Runs the agent (e.g. `new Runner({modelProvider})`); default `new Runner()`, the SDK's defaults. */
  runner?: Runner;
  /** Passed to each `runner.run` (default: the SDK's). */
  maxTurns?: number;
}

/** What a run of the workflow starts with: the user's input (a string or input items). */
export interface OpenAIAgentInput {
  input: string | AgentInputItem[];
}

export interface OpenAIAgentOutput {
  finalOutput: unknown;
  decisions: ToolDecision[];
  lastResponseId: string | null;
}

/**
 * Registers a Heed workflow that runs an OpenAI Agents JS agent whose tools may need approval
 * (`tool({needsApproval})`). Each `run(agent, …)` is a durable step whose result is the agent's
 * serialized `RunState`; each interruption becomes a Heed approval task (assignees, deadline,
 * reminders, escalation from `approval`) and the run suspends, holding no memory, until a person
 * decides, through any channel, in any process sharing the store, days later if need be. Then
 * the run is replayed: the recorded state is restored with `RunState.fromString`, each call is
 * approved or rejected (`state.approve`/`state.reject`, the approver's comment as the message to
 * the model) and `run(agent, state)` continues.
 *
 * Failure semantics: a step can run twice if the process dies after `run` returned and before its
 * result committed, so a model call may be repeated and an approved tool may run twice: make
 * tools idempotent, e.g. keyed by the call id (`details.toolCall.callId` in `execute`), which is
 * stable across re-runs. The state is stored as a step result (its size is the conversation's).
 * @throws DuplicateWorkflowError when `name` is taken.
 */
export function openAIAgentWorkflow(
  heed: Heed,
  name: string,
  options: OpenAIAgentWorkflowOptions,
): Workflow<OpenAIAgentInput, OpenAIAgentOutput> {
  const runner = options.runner ?? new Runner();
  const runOptions = options.maxTurns === undefined ? {} : { maxTurns: options.maxTurns };
  const policyOf = typeof options.approval === 'function' ? options.approval : () => options.approval as ApprovalPolicy;

  return heed.workflow<OpenAIAgentInput, OpenAIAgentOutput>(name, async (ctx, { input }) => {
    const { last, decisions } = await approvalRounds<AgentSnapshot, PendingApproval>(ctx, {
      prefix: 'openai-agents',
      policyOf,
      payloadOf: (call) => ({ agent: call.agent }),
      start: async () => snapshotOf(await runner.run(options.agent, input, runOptions)),
      resume: (snapshot, round) => resume(options.agent, runner, snapshot.state as string, round, runOptions),
    });
    return { finalOutput: last.finalOutput, decisions, lastResponseId: last.lastResponseId };
  });
}

/** Restores the run, applies the decisions to its interruptions, and runs it on. */
async function resume(
  // biome-ignore lint/suspicious/noExplicitAny: see OpenAIAgentWorkflowOptions.agent
  agent: Agent<any, any>,
  runner: Runner,
  serialized: string,
  decisions: ToolDecision[],
  runOptions: { maxTurns?: number },
): Promise<AgentSnapshot> {
  const state = await RunState.fromString(agent, serialized);
  const byCall = new Map(decisions.map((d) => [d.callId, d]));
  for (const item of state.getInterruptions()) {
    const decision = byCall.get(callIdOf(item));
    // An approval is for exactly one call: this call id, this tool, these arguments. A call that
    // differs from what was approved (another tool, changed arguments) is rejected, never run.
    const call = approvalOf(item);
    const bound = decision?.approved && decision.tool === call.tool && decision.argsHash === canonicalHash(call.args);
    if (bound) state.approve(item);
    else
      state.reject(item, {
        message: decision?.approved
          ? 'This tool call was not run: it differs from the call that was approved.'
          : rejectionMessage(decision),
      });
  }
  return snapshotOf(await runner.run(agent, state, runOptions));
}
