/**
 * What the framework adapters (`heed/openai-agents`, `heed/langgraph`, `heed/mastra`) share: a
 * framework run that stops for approvals is a Heed workflow of rounds. Each round's stop is a
 * recorded step whose result is the framework's saved state and the calls it waits on; every call
 * becomes a Heed approval task (through `ctx.ask`, so the approval policies, channels, reminders
 * and audit of every other surface apply); the decisions resume the framework in a second step.
 */
import type { WorkflowContext } from '../engine/context.ts';
import type { TaskResult } from '../human/types.ts';
import type { Duration } from '../time/duration.ts';

/** Who approves a call and how long they have: the Heed task's policy fields. */
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
  /**
   * May the approver change the arguments before approving (default false)? The decision then
   * carries the edited arguments (`approvedArgs`). The OpenAI Agents adapter cannot run a call
   * with other arguments than the model's: there an edited approval is refused (nothing runs).
   */
  allowEdit?: boolean;
}

/** One call the framework stopped at, waiting for a person. */
export interface PendingCall {
  /** The framework's id for this stop, stable across replays (a good idempotency key). */
  callId: string;
  tool: string;
  args: Record<string, unknown>;
}

/** One decision taken on a call. */
export interface ToolDecision {
  callId: string;
  tool: string;
  /** The arguments as asked. */
  args: Record<string, unknown>;
  taskId: string;
  approved: boolean;
  /** The hash of the arguments as approved (`null` when not approved): the call runs only with exactly these. */
  argsHash: string | null;
  /** The arguments as approved, the approver's edit included (`null` when not approved). */
  approvedArgs: Record<string, unknown> | null;
  /** Did the approver change the arguments? */
  edited: boolean;
  outcome: string | null;
  by: string | null;
  comment: string | null;
}

/** What a framework run left behind after a round, as plain JSON (a step result). */
export interface RoundSnapshot<C extends PendingCall = PendingCall> {
  /** The calls it waits on; none when it is done. */
  approvals: C[];
}

/** How one framework runs its rounds. */
export interface Rounds<S extends RoundSnapshot<C>, C extends PendingCall> {
  /** The step names' prefix (`<prefix>.run`, `<prefix>.resume`): changing it breaks waiting runs. */
  prefix: string;
  policyOf: (call: C) => ApprovalPolicy;
  /** What the task's payload carries about the call, besides its id. */
  payloadOf?: (call: C) => Record<string, unknown>;
  /** Runs the framework until it stops or ends. A step: at least once, recorded. */
  start: () => Promise<S>;
  /** Resumes the stopped run with the round's decisions. A step: at least once, recorded. */
  resume: (snapshot: S, decisions: ToolDecision[]) => Promise<S>;
}

/**
 * Runs the rounds in a Heed workflow: start, then while calls wait, ask for every one of them at
 * once (the run suspends, holding no memory, until every task ends), and resume with the decisions.
 * Publishes the `agent` status (`working`, `pending_approval` with the calls, `done`).
 * Failure semantics: `start` and `resume` are steps: a crash after one returned and before its
 * result committed runs it again from the previous recorded snapshot (never from a half-resumed
 * state), so the framework's code after a stop may run twice, never its resume with two decisions.
 */
export async function approvalRounds<S extends RoundSnapshot<C>, C extends PendingCall>(
  ctx: WorkflowContext,
  rounds: Rounds<S, C>,
): Promise<{ last: S; decisions: ToolDecision[] }> {
  await ctx.setStatus('agent', { status: 'working' });
  let snapshot = await ctx.step(`${rounds.prefix}.run`, rounds.start);
  const decisions: ToolDecision[] = [];
  while (snapshot.approvals.length > 0) {
    const asked = snapshot.approvals;
    await ctx.setStatus('agent', {
      status: 'pending_approval',
      tools: asked.map((a) => ({ tool: a.tool, args: a.args })),
    });
    // All of a round's approvals are asked at once; the run waits for every answer.
    const results = await Promise.all(
      asked.map((call) => ctx.ask(approvalTaskSpec(call, rounds.policyOf(call), rounds.payloadOf?.(call) ?? {}))),
    );
    const round = asked.map((call, i) => decisionOf(call, results[i] as TaskResult));
    decisions.push(...round);
    await ctx.setStatus('agent', { status: 'working' });
    const stopped = snapshot;
    snapshot = await ctx.step(`${rounds.prefix}.resume`, () => rounds.resume(stopped, round));
  }
  await ctx.setStatus('agent', { status: 'done' });
  return { last: snapshot, decisions };
}

/** The approval task for a call under a policy. */
function approvalTaskSpec(call: PendingCall, policy: ApprovalPolicy, payload: Record<string, unknown>) {
  const shown = `${call.tool} ${JSON.stringify(call.args)}`;
  const title = policy.title ?? (shown.length > 200 ? `${shown.slice(0, 197)}…` : shown);
  return {
    type: 'approval' as const,
    title,
    action: { tool: call.tool, args: call.args },
    payload: { ...payload, callId: call.callId },
    assignees: policy.assignees,
    ...(policy.description === undefined ? {} : { description: policy.description }),
    ...(policy.deadline === undefined ? {} : { deadline: policy.deadline }),
    ...(policy.onTimeout === undefined ? {} : { onTimeout: policy.onTimeout }),
    ...(policy.remind === undefined ? {} : { remind: policy.remind }),
    ...(policy.escalate === undefined ? {} : { escalate: policy.escalate }),
    ...(policy.channels === undefined ? {} : { channels: policy.channels }),
    ...(policy.allowEdit === undefined ? {} : { allowEdit: policy.allowEdit }),
  };
}

function decisionOf(call: PendingCall, result: TaskResult): ToolDecision {
  const approved = result.status === 'resolved' && result.outcome === 'approve';
  return {
    callId: call.callId,
    tool: call.tool,
    args: call.args,
    taskId: result.taskId,
    approved,
    argsHash: approved ? result.argsHash : null,
    approvedArgs: approved ? (result.args ?? call.args) : null,
    edited: approved && result.edit !== null,
    outcome: result.outcome,
    by: result.by,
    comment: result.comment,
  };
}

/** What a framework (or its model) is told when a call is not approved: who said no and why. */
export function rejectionMessage(decision: ToolDecision | undefined): string {
  if (!decision) return 'This tool call was not approved.';
  if (decision.outcome === null)
    return `This tool call was not approved: nobody decided in time (task ${decision.taskId}).`;
  const reason = decision.comment ? `: ${decision.comment}` : '.';
  return `This tool call was rejected by ${decision.by ?? 'the approver'}${reason}`;
}

/** A value as call arguments: an object as is, anything else under `input`. */
export function argsOf(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : value === undefined
      ? {}
      : { input: value };
}

/**
 * The call a framework's stop asks to approve: `{tool, args}` when its value has them (e.g.
 * `interrupt({tool: 'refund', args: {...}})`), else `fallbackTool` with the value as `args`.
 */
export function callOfValue(value: unknown, fallbackTool: string): { tool: string; args: Record<string, unknown> } {
  const v = argsOf(value);
  if (typeof v.tool === 'string' && v.args !== null && typeof v.args === 'object' && !Array.isArray(v.args)) {
    return { tool: v.tool, args: v.args as Record<string, unknown> };
  }
  return { tool: fallbackTool, args: v };
}

/** A framework's value as plain JSON for a step result (class instances as their `toJSON`, dates as strings). */
export function asJson(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}
