import type { ModelMessage, ToolApprovalResponse, ToolModelMessage } from 'ai';
import { ApprovalNotUsableError } from '../errors.ts';
import type { Heed } from '../human/heed.ts';
import type { TaskResult, TaskSpec } from '../human/types.ts';
import { type Duration, toMs } from '../time/duration.ts';
import type { ApprovalPolicy } from './types.ts';

/** One tool call the AI SDK held back for approval (`needsApproval`), as found in the messages. */
export interface PendingApproval {
  approvalId: string;
  toolCallId: string;
  toolName: string;
  input: unknown;
}

/** An approval's Heed task. */
export interface ApprovalTask extends PendingApproval {
  taskId: string;
}

/** Where approval tasks are created and their results read: this process's Heed, or a Heed server. */
export interface ApprovalDesk {
  /** Creates the task, or returns the one with the same `idempotencyKey`. */
  create(spec: TaskSpec): Promise<{ id: string }>;
  /** The task's result if it ended within `waitMs`, else `null`. */
  result(taskId: string, waitMs: number): Promise<TaskResult | null>;
  /**
   * Uses an approval for the call about to run, once (see `HumanTasks.consumeApproval`): refused
   * when it approved another tool or other arguments, or was used before.
   */
  consume(
    taskId: string,
    use: { tool: string; args: Record<string, unknown> },
  ): Promise<{ used: true } | { used: false; reason: string }>;
}

export interface AiSdkApprovalOptions extends ApprovalPolicy {
  /** What the person reads (default: "Approve <toolName>?"). */
  title?: (call: PendingApproval) => string;
  /** Markdown context for the person. */
  description?: (call: PendingApproval) => string | undefined;
  /** Where notifications go besides the inbox (`email`, `slack`, `webhook`, …). */
  channels?: string[];
  /** At the deadline: `reject` (default, fail closed) or another outcome. */
  onTimeout?: string;
}

/** What {@link AiSdkApprovals.resolve} found. */
export interface Resolution {
  /**
   * A `tool` message with a `tool-approval-response` per decided approval: append it to the
   * messages and call `generateText` / `streamText` / the agent again; the AI SDK then runs the
   * approved tools and tells the model about the denied ones. `undefined` when nothing was decided.
   */
  message: ToolModelMessage | undefined;
  /** The approvals still waiting for a person (their tasks), to come back for later. */
  pending: ApprovalTask[];
  /** Every approval found, with its task. */
  tasks: ApprovalTask[];
}

/**
 * Routes the AI SDK's tool approval (AI SDK 6: `tool({needsApproval})`; `generateText`,
 * `streamText` and `ToolLoopAgent` stop at a tool call that needs approval and return a
 * `tool-approval-request`) to durable Heed tasks, for apps that run their own model loop.
 *
 * Stateless across processes: {@link resolve} reads the approvals waiting in the conversation's
 * messages (the app keeps those as it likes), creates one Heed task per approval (idempotently:
 * the task's idempotency key is the AI SDK's `approvalId`, so calling it again, from any process,
 * days later, finds the same task), and returns the responses of those already decided. Heed
 * does the rest: assignees, four-eyes, reminders, escalation, the deadline (which rejects unless
 * `onTimeout` says otherwise), notifications and the audit log.
 */
export class AiSdkApprovals {
  readonly #desk: ApprovalDesk;
  readonly #options: AiSdkApprovalOptions;

  constructor(desk: ApprovalDesk | Heed, options: AiSdkApprovalOptions = {}) {
    this.#desk = 'tasks' in desk ? embeddedDesk(desk) : desk;
    this.#options = options;
  }

  /**
   * Asks for the approvals waiting in `messages` and collects the decisions: waits up to `wait`
   * (default 0: only what is decided already) for each pending one.
   * @throws whatever the desk throws creating a task (an invalid policy, an unreachable server).
   */
  async resolve(messages: readonly ModelMessage[], options: { wait?: Duration } = {}): Promise<Resolution> {
    const waitMs = options.wait === undefined ? 0 : toMs(options.wait, 'wait');
    const tasks: ApprovalTask[] = [];
    for (const call of pendingApprovals(messages)) {
      const task = await this.#desk.create(this.#spec(call));
      tasks.push({ ...call, taskId: task.id });
    }
    const responses: ToolApprovalResponse[] = [];
    const pending: ApprovalTask[] = [];
    const results = await Promise.all(tasks.map((t) => this.#desk.result(t.taskId, waitMs)));
    for (const [i, task] of tasks.entries()) {
      const result = results[i];
      if (!result) {
        pending.push(task);
        continue;
      }
      const response = approvalResponse(task.approvalId, result);
      if (response.approved) {
        // The AI SDK runs the call as it stands in the messages: the approval must be for exactly
        // these arguments, and is used once (a replayed or duplicated resolve gets a refusal).
        const use = await this.#desk.consume(task.taskId, { tool: task.toolName, args: argsOf(task) });
        if (!use.used) {
          responses.push({ ...response, approved: false, reason: `Not approved: ${use.reason}` });
          continue;
        }
      }
      responses.push(response);
    }
    return {
      message: responses.length > 0 ? { role: 'tool', content: responses } : undefined,
      pending,
      tasks,
    };
  }

  #spec(call: PendingApproval): TaskSpec {
    const o = this.#options;
    const args = argsOf(call);
    const title = o.title?.(call) ?? `Approve ${call.toolName}?`;
    const description = o.description?.(call);
    return {
      type: 'approval',
      title: title.length > 500 ? `${title.slice(0, 497)}…` : title,
      ...(description ? { description } : {}),
      action: { tool: call.toolName, args },
      // The AI SDK runs the call as the model made it: an approver cannot change the arguments.
      allowEdit: false,
      idempotencyKey: `ai-sdk-approval:${call.approvalId}`,
      metadata: { approvalId: call.approvalId, toolCallId: call.toolCallId },
      ...(o.assignees ? { assignees: o.assignees } : {}),
      ...(o.requester ? { requester: o.requester } : {}),
      ...(o.remind ? { remind: o.remind } : {}),
      ...(o.escalate ? { escalate: o.escalate } : {}),
      ...(o.deadline !== undefined ? { deadline: o.deadline } : {}),
      ...(o.onTimeout ? { onTimeout: o.onTimeout } : {}),
      ...(o.channels ? { channels: o.channels } : {}),
    };
  }
}

/** A tool call's input as the arguments of the approved action. */
function argsOf(call: PendingApproval): Record<string, unknown> {
  return call.input && typeof call.input === 'object' && !Array.isArray(call.input)
    ? (call.input as Record<string, unknown>)
    : { input: call.input };
}

/** The AI SDK's answer for a decided task: approved only on `approve`; the reason is the comment. */
function approvalResponse(approvalId: string, result: TaskResult): ToolApprovalResponse {
  const approved = result.status === 'resolved' && result.outcome === 'approve';
  const who = result.by && result.by !== 'system' ? ` by ${result.by}` : '';
  const reason = approved
    ? (result.comment ?? undefined)
    : result.status === 'expired'
      ? 'Nobody decided before the deadline.'
      : result.status === 'cancelled'
        ? 'The approval was cancelled.'
        : `Rejected${who}${result.comment ? `: ${result.comment}` : '.'}`;
  return { type: 'tool-approval-response', approvalId, approved, ...(reason ? { reason } : {}) };
}

/**
 * The approvals the AI SDK asked for in `messages` that have no response yet: each
 * `tool-approval-request` part of an assistant message, with its tool call, unless a later `tool`
 * message answers its `approvalId`.
 */
export function pendingApprovals(messages: readonly ModelMessage[]): PendingApproval[] {
  const calls = new Map<string, { toolName: string; input: unknown }>();
  const requested: { approvalId: string; toolCallId: string }[] = [];
  const answered = new Set<string>();
  for (const message of messages) {
    if (typeof message.content === 'string') continue;
    for (const part of message.content) {
      if (part.type === 'tool-call') calls.set(part.toolCallId, { toolName: part.toolName, input: part.input });
      else if (part.type === 'tool-approval-request') requested.push(part);
      else if (part.type === 'tool-approval-response') answered.add(part.approvalId);
    }
  }
  return requested.flatMap((r) => {
    const call = calls.get(r.toolCallId);
    return call && !answered.has(r.approvalId)
      ? [{ approvalId: r.approvalId, toolCallId: r.toolCallId, toolName: call.toolName, input: call.input }]
      : [];
  });
}

/** The desk of a Heed in this process. */
export function embeddedDesk(heed: Heed): ApprovalDesk {
  return {
    create: async (spec) => (await heed.tasks.submit(spec, { via: 'ai-sdk' })).task,
    consume: async (taskId, use) => {
      try {
        await heed.tasks.consumeApproval(taskId, { ...use, via: 'ai-sdk' });
        return { used: true };
      } catch (error) {
        if (error instanceof ApprovalNotUsableError) return { used: false, reason: error.message };
        throw error;
      }
    },
    result: async (taskId, waitMs) => {
      const task = await heed.tasks.get(taskId);
      if (task?.result) return task.result;
      if (waitMs <= 0) return null;
      return heed.tasks.result(taskId, { timeout: waitMs }).catch((error: { code?: string }) => {
        if (error.code === 'RESULT_TIMEOUT') return null;
        throw error;
      });
    },
  };
}

/**
 * The desk of a Heed server over HTTP (`POST /v1/tasks`, `GET /v1/tasks/{id}/result?wait=`), as
 * the principal of `key` (or, in development mode, of `principal`).
 * @throws Error with the server's message when a request fails.
 */
export function httpDesk(url: string, auth: { key?: string; principal?: string } = {}): ApprovalDesk {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth.key) headers.authorization = `Bearer ${auth.key}`;
  else if (auth.principal) headers['x-heed-principal'] = auth.principal;
  const send = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(new URL(path, url), {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    return { response, json };
  };
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const { response, json } = await send(method, path, body);
    if (!response.ok) throw new Error(`Heed ${method} ${path}: ${json.error?.message ?? response.statusText}`);
    return json as T;
  };
  return {
    create: (spec) => call<{ id: string }>('POST', '/v1/tasks', spec),
    consume: async (taskId, use) => {
      const path = `/v1/tasks/${encodeURIComponent(taskId)}/consume`;
      const { response, json } = await send('POST', path, use);
      if (response.ok) return { used: true };
      if (response.status === 409) return { used: false, reason: json.error?.message ?? 'refused' };
      throw new Error(`Heed POST ${path}: ${json.error?.message ?? response.statusText}`);
    },
    result: async (taskId, waitMs) => {
      for (let left = waitMs; ; ) {
        const wait = Math.min(30, Math.max(0, Math.ceil(left / 1000)));
        const result = await call<TaskResult | { status: 'pending' }>(
          'GET',
          `/v1/tasks/${encodeURIComponent(taskId)}/result?wait=${wait}`,
        );
        if (result.status !== 'pending') return result as TaskResult;
        left -= wait * 1000;
        if (left <= 0) return null;
      }
    },
  };
}
