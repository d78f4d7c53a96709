import { type Agent, type AgentInputItem, RunState, Runner } from '@openai/agents';
import type { Workflow } from '../engine/workflow.ts';
import type { Heed } from '../human/heed.ts';
import { canonicalHash } from '../store/canonical.ts';
import type { TaskResult } from '../human/types.ts';
import type { Duration } from '../time/duration.ts';
import { type AgentSnapshot, approvalOf, callIdOf, type PendingApproval, snapshotOf } from './snapshot.ts';

/** Who approves a tool call and how long they have: the Heed task's policy fields. */
export interface ApprovalPolicy {
  /** Principals who may approve (`user:alice`, `group:finance`, …). */
  assignees: readonly string[];
  deadline?: Duration;
  /** At the deadline: `reject` (default: fail closed), `approve`, or `expire` (treated as a rejection). */
  onTimeout?: string;
  remind?: { after: Duration; every?: Duration; max?: number };
  escalate?: readonly { after: Duration; to: readonly string[] }[];
  /** Notification channels besides the inbox (`email`, `slack`, `webhook`). */
  channels?: readonly string[];
  /** What the approver reads first (default: the tool and its arguments). */
  title?: string;
  description?: string;
}

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

/** One decision taken on the agent's tool calls. */
export interface ToolDecision {
  callId: string;
  tool: string;
  args: Record<string, unknown>;
  taskId: string;
  approved: boolean;
  /** The hash of the arguments as approved (`null` when not approved): the call runs only with exactly these. */
  argsHash: string | null;
  outcome: string | null;
  by: string | null;
  comment: string | null;
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
    await ctx.setStatus('agent', { status: 'working' });
    let snapshot = await ctx.step('openai-agents.run', async () =>
      snapshotOf(await runner.run(options.agent, input, runOptions)),
    );
    const decisions: ToolDecision[] = [];
    while (snapshot.approvals.length > 0) {
      const asked = snapshot.approvals;
      await ctx.setStatus('agent', {
        status: 'pending_approval',
        tools: asked.map((a) => ({ tool: a.tool, args: a.args })),
      });
      // All of a turn's approvals are asked at once; the run waits for every answer.
      const results = await Promise.all(asked.map((call) => ctx.ask(taskSpec(call, policyOf(call)))));
      const round = asked.map((call, i) => decisionOf(call, results[i] as TaskResult));
      decisions.push(...round);
      await ctx.setStatus('agent', { status: 'working' });
      const state = snapshot.state as string;
      snapshot = await ctx.step('openai-agents.resume', async () =>
        resume(options.agent, runner, state, round, runOptions),
      );
    }
    await ctx.setStatus('agent', { status: 'done' });
    return { finalOutput: snapshot.finalOutput, decisions, lastResponseId: snapshot.lastResponseId };
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

function taskSpec(call: PendingApproval, policy: ApprovalPolicy) {
  const shown = `${call.tool} ${JSON.stringify(call.args)}`;
  const title = policy.title ?? (shown.length > 200 ? `${shown.slice(0, 197)}…` : shown);
  return {
    type: 'approval' as const,
    title,
    action: { tool: call.tool, args: call.args },
    payload: { agent: call.agent, callId: call.callId },
    assignees: policy.assignees,
    ...(policy.description === undefined ? {} : { description: policy.description }),
    ...(policy.deadline === undefined ? {} : { deadline: policy.deadline }),
    ...(policy.onTimeout === undefined ? {} : { onTimeout: policy.onTimeout }),
    ...(policy.remind === undefined ? {} : { remind: policy.remind }),
    ...(policy.escalate === undefined ? {} : { escalate: policy.escalate }),
    ...(policy.channels === undefined ? {} : { channels: policy.channels }),
  };
}

function decisionOf(call: PendingApproval, result: TaskResult): ToolDecision {
  return {
    callId: call.callId,
    tool: call.tool,
    args: call.args,
    taskId: result.taskId,
    approved: result.status === 'resolved' && result.outcome === 'approve',
    argsHash: result.status === 'resolved' && result.outcome === 'approve' ? result.argsHash : null,
    outcome: result.outcome,
    by: result.by,
    comment: result.comment,
  };
}

/** What the model is told when a call is not approved: who said no and why. */
function rejectionMessage(decision: ToolDecision | undefined): string {
  if (!decision) return 'This tool call was not approved.';
  if (decision.outcome === null)
    return `This tool call was not approved: nobody decided in time (task ${decision.taskId}).`;
  const reason = decision.comment ? `: ${decision.comment}` : '.';
  return `This tool call was rejected by ${decision.by ?? 'the approver'}${reason}`;
}
