import type { RunResult, RunToolApprovalItem } from '@openai/agents';
import { argsOf, type PendingCall } from '../agent/approval-rounds.ts';

/** One tool call the agent wants to make and a person must approve first. */
export interface PendingApproval extends PendingCall {
  /** The model's call id: stable for this call across replays (a good idempotency key for the tool). */
  callId: string;
  /** The agent that wants to call it (handoffs can change agents). */
  agent: string;
}

/**
 * What a run of the agent left behind, as plain JSON for a Heed step result: the serialized
 * `RunState` (`state.toString()`) while the agent waits for approvals, the approvals it waits for,
 * and the final output once it is done.
 */
export interface AgentSnapshot {
  state: string | null;
  approvals: PendingApproval[];
  finalOutput: unknown;
  lastResponseId: string | null;
}

/** The snapshot of a finished or interrupted `run(agent, …)`. */
// biome-ignore lint/suspicious/noExplicitAny: any agent, as the SDK's own RunResult types it
export function snapshotOf(result: RunResult<any, any>): AgentSnapshot {
  const approvals = result.interruptions.map(approvalOf);
  return {
    state: approvals.length > 0 ? result.state.toString() : null,
    approvals,
    finalOutput: approvals.length > 0 ? null : (result.finalOutput ?? null),
    lastResponseId: result.lastResponseId ?? null,
  };
}

/** The call id the SDK gives an approval item (function calls carry `callId`, hosted tools `id`). */
export function callIdOf(item: RunToolApprovalItem): string {
  const raw = item.rawItem as { callId?: string; id?: string };
  return raw.callId ?? raw.id ?? '';
}

/** The approval an interruption asks for (tool, arguments, call id, agent). */
export function approvalOf(item: RunToolApprovalItem): PendingApproval {
  return {
    callId: callIdOf(item),
    tool: item.name ?? item.toolName ?? 'tool',
    args: parseArgs(item.arguments),
    agent: item.agent.name,
  };
}

/** The call's arguments as an object (the model sends a JSON string; anything else is kept as `input`). */
function parseArgs(text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    return argsOf(JSON.parse(text));
  } catch {
    return { input: text };
  }
}
