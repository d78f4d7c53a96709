// biome-ignore-all lint/suspicious/noExplicitAny: a tool set holds tools of different input types
import type { ModelMessage } from 'ai';
import type { z } from 'zod';
import type { WorkflowContext } from '../engine/context.ts';
import type { Duration } from '../time/duration.ts';

/**
 * When a tool call needs a person first: `always`, `never`, or a deterministic rule on its
 * arguments (e.g. `(args) => args.amount > 100`).
 */
export type ApprovalRule<I> = 'always' | 'never' | ((args: I) => boolean);

/** A tool the agent may call. `execute` runs as a durable step: once, recorded. */
export interface AgentTool<I = unknown, O = unknown> {
  description: string;
  /** What a person reads for this tool in a chat (e.g. "Transfer money"); default: nothing shown. */
  label?: string;
  input: z.ZodType<I>;
  /**
   * Does the work. Runs at least once and is recorded; pass `idempotencyKey` to external systems.
   * Its result goes back to the model; a thrown error becomes `{error}` for the model.
   */
  execute?(args: I, info: { idempotencyKey: string }): Promise<O> | O;
  /**
   * Alternatively, runs in the workflow itself, for tools that wait (`ctx.waitForEvent`,
   * `ctx.ask`, `ctx.recv`): must be deterministic like workflow code; its own steps are recorded.
   */
  run?(args: I, ctx: WorkflowContext): Promise<O>;
  approval?: ApprovalRule<I>;
  /** The title of the approval task (default: the tool and its arguments). */
  title?: (args: I) => string;
  /** May the approver edit the arguments (default true)? */
  allowEdit?: boolean;
}

/** Who approves and how long they have: the human-task policy of an agent's approvals. */
export interface ApprovalPolicy {
  assignees?: string[];
  requester?: string;
  remind?: { after: Duration; every?: Duration; max?: number };
  escalate?: { after: Duration; to: string[] }[];
  deadline?: Duration;
}

export type ToolSetSpec = Record<string, AgentTool<any, unknown>>;

/**
 * The input a chat (`/v1/chat`) gives each turn of an agent workflow: the person's new message,
 * the conversation so far (as the previous turn returned it in its output's `messages`), and who
 * is chatting. A workflow that returns `{reply, messages}` keeps the thread's memory exact.
 */
export interface ChatTurnInput {
  message: string;
  messages?: ModelMessage[];
  /** The principal chatting (the requester of what the turn asks). */
  user?: string;
  /** The chat's id. */
  chatId?: string;
}
