/**
 * MCP tasks (the SDK's experimental tasks utility, MCP 2025-11-25: a task-augmented `tools/call`,
 * `tasks/get`, `tasks/result`, `tasks/list`, `tasks/cancel`, `notifications/tasks/status`) over
 * Heed tasks. The MCP task id *is* the Heed task id and every MCP task state is derived from the
 * Heed task as stored, so nothing lives in this process: a client that reconnects, or a server
 * that restarts, finds the task where Heed has it.
 */
import type { TaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/interfaces.js';
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  type CallToolResult,
  CallToolRequestSchema,
  CancelTaskRequestSchema,
  ErrorCode,
  GetTaskPayloadRequestSchema,
  McpError,
  type Task as McpTask,
  RELATED_TASK_META_KEY,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { HeedError, TaskAlreadyResolvedError, TaskNotFoundError } from '../errors.ts';
import type { Task, TaskSpec } from '../human/types.ts';
import { ClientQuestion } from './client-question.ts';
import { type ElicitationContext, elicitationFor } from './elicitation.ts';
import type { McpTaskPort } from './task-port.ts';
import { awaitTask, type ToolExtra } from './wait.ts';

/** How often a client polls `tasks/get` for a Heed task (the task itself needs no polling). */
const POLL_MS = 1000;

/**
 * An MCP task that is a Heed task: the same id, its status mapped. Pending is `working`, or
 * `input_required` when the client's own user is the one to answer (an elicitation waits in
 * `tasks/result`); resolved is `completed` (approved or not: the decision is the result);
 * expired (nobody decided in time) is `failed`; cancelled is `cancelled`.
 */
export function toMcpTask(task: Task, inputRequired = false): McpTask {
  const waiting = task.assignees.map((a) => a.principal).join(', ') || 'anyone';
  const status =
    task.status === 'pending'
      ? inputRequired
        ? 'input_required'
        : 'working'
      : task.status === 'resolved'
        ? 'completed'
        : task.status === 'expired'
          ? 'failed'
          : 'cancelled';
  const statusMessage =
    task.status === 'pending'
      ? inputRequired
        ? 'waiting for your answer: call tasks/result to answer in your client'
        : `waiting for ${waiting}`
      : task.status === 'expired'
        ? 'expired: nobody decided by the deadline'
        : task.status === 'resolved'
          ? `decided: ${task.result?.outcome ?? 'resolved'} by ${task.result?.by ?? 'unknown'}`
          : `cancelled${task.result?.by ? ` by ${task.result.by}` : ''}`;
  return {
    taskId: task.id,
    status,
    statusMessage,
    ttl: null,
    createdAt: new Date(task.createdAt).toISOString(),
    lastUpdatedAt: new Date(task.updatedAt).toISOString(),
    pollInterval: POLL_MS,
  };
}

/** What MCP tasks need besides the port: the tool result of an ended task, and whom to ask in the client. */
export interface McpTasksContext {
  port: McpTaskPort;
  resultOf: (task: Task) => CallToolResult;
  elicitation: ElicitationContext;
  /** Follow each task a task-augmented call creates and notify its end (a lasting connection: stdio). */
  notifyStatus?: boolean | undefined;
}

/** Whether the client's own user is asked about `task` in the client (then the MCP task is `input_required`). */
async function inputRequired(context: McpTasksContext, task: Task): Promise<boolean> {
  return task.status === 'pending' && (await elicitationFor(context.port, task, context.elicitation)) !== null;
}

/**
 * MCP's task store over Heed, as one caller: `tasks/get` and `tasks/list` read Heed tasks the
 * caller may see (the list: the tasks it requested). Tasks are created only by the tools and end
 * only by a person's decision, their deadline or `tasks/cancel` (see {@link offerTasks}).
 */
export function heedTaskStore(context: McpTasksContext): TaskStore {
  const { port } = context;
  const refuse = async (): Promise<never> => {
    throw new McpError(ErrorCode.InvalidRequest, 'Heed tasks are created by its tools and decided by people');
  };
  return {
    createTask: refuse,
    storeTaskResult: refuse,
    updateTaskStatus: refuse,
    async listTasks(cursor) {
      const page = await port.list(cursor);
      const tasks = await Promise.all(page.items.map(async (t) => toMcpTask(t, await inputRequired(context, t))));
      return { tasks, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
    },
    getTask: async (id) => {
      const task = await port.get(id);
      return task ? toMcpTask(task, await inputRequired(context, task)) : null;
    },
    getTaskResult: async (id) => {
      const task = await port.get(id);
      if (!task) throw new TaskNotFoundError(id);
      return context.resultOf(task);
    },
  };
}

/** `notifications/tasks/status` on the stream of the request being handled (a client that left is not told). */
function notifyStatus(extra: ToolExtra, task: McpTask): Promise<void> {
  return extra.sendNotification({ method: 'notifications/tasks/status', params: task }).catch(() => {});
}

/**
 * Lets the tools in `creators` run as MCP tasks: a `tools/call` with `task` creates the Heed task
 * and answers at once with it (`CreateTaskResult`); the client then follows it with `tasks/get`
 * and `tasks/result`, lists its tasks with `tasks/list` and cancels one with `tasks/cancel`. A
 * plain `tools/call` runs the tool as registered (waiting, with progress).
 *
 * `tasks/result` waits for the Heed task's end by the store's push (not a poll); when the
 * client's own user is the one to answer, it first asks them (`elicitation/create` on its stream,
 * status `input_required`), and says the final status (`notifications/tasks/status`) before the
 * result. `tasks/cancel` cancels the Heed task, where the caller may (its requester, an admin).
 */
export function offerTasks(
  server: McpServer,
  tools: Record<string, RegisteredTool>,
  creators: Record<string, (input: never) => TaskSpec>,
  context: McpTasksContext,
): void {
  const { port } = context;
  for (const name of Object.keys(creators)) {
    const tool = tools[name];
    if (tool) tool.execution = { taskSupport: 'optional' };
  }
  // The stdio connection lasts: the end of each task it created is told without being asked.
  const closed = new AbortController();
  const previousOnClose = server.server.onclose;
  server.server.onclose = () => {
    closed.abort();
    previousOnClose?.();
  };
  const follow = async (task: Task) => {
    for (;;) {
      // A task that cannot be watched (gone, the server unreachable) is not followed further:
      // the client still has tasks/get.
      const result = await port.waitForResult(task.id, 60_000, closed.signal).catch(() => undefined);
      if (closed.signal.aborted || result === undefined) return;
      if (result) break;
    }
    const ended = await port.get(task.id);
    if (ended && !closed.signal.aborted) {
      await server.server
        .notification({ method: 'notifications/tasks/status', params: toMcpTask(ended) })
        .catch(() => {});
    }
  };

  server.server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const name = request.params.name;
    const tool = tools[name];
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Tool ${name} not found`);
    const parsed = (tool.inputSchema as z.ZodType | undefined)?.safeParse(request.params.arguments ?? {});
    if (parsed && !parsed.success) {
      return {
        isError: true,
        content: [{ type: 'text', text: `Input validation error: ${z.prettifyError(parsed.error)}` }],
      };
    }
    const input = parsed?.data ?? {};
    const create = creators[name];
    if (request.params.task && create) {
      let task: Task;
      try {
        task = await port.create(create(input as never));
      } catch (error) {
        if (error instanceof HeedError) throw new McpError(ErrorCode.InvalidParams, `${error.code}: ${error.message}`);
        throw error;
      }
      if (context.notifyStatus) void follow(task);
      return { task: toMcpTask(task, await inputRequired(context, task)) };
    }
    const handler = tool.handler as unknown as (args: unknown, extra: unknown) => Promise<CallToolResult>;
    return handler(input, extra);
  });

  server.server.setRequestHandler(GetTaskPayloadRequestSchema, async (request, extra) => {
    const id = request.params.taskId;
    let task = await port.get(id);
    if (!task) throw new McpError(ErrorCode.InvalidParams, `Task not found: ${id}`);
    if (task.status === 'pending') {
      const question = await ClientQuestion.start({
        server,
        port,
        task,
        context: context.elicitation,
        requestId: extra.requestId,
        relatedTaskId: id,
      });
      if (question) await notifyStatus(extra, toMcpTask(task, true));
      // Until the task ends (a person's decision, its deadline, a cancel) or the client goes away.
      const result = await awaitTask(port, task, extra, { progressEveryMs: 60_000 });
      await question?.finish(result !== null);
      if (!result) throw new McpError(ErrorCode.ConnectionClosed, 'Request cancelled');
      task = (await port.get(id)) ?? task;
    }
    // The final status first, then the result it is for.
    await notifyStatus(extra, toMcpTask(task));
    const result = context.resultOf(task);
    return { ...result, _meta: { ...result._meta, [RELATED_TASK_META_KEY]: { taskId: id } } };
  });

  server.server.setRequestHandler(CancelTaskRequestSchema, async (request) => {
    const id = request.params.taskId;
    try {
      const cancelled = await port.cancel(id);
      return { _meta: {}, ...toMcpTask(cancelled) };
    } catch (error) {
      if (error instanceof TaskNotFoundError) throw new McpError(ErrorCode.InvalidParams, `Task not found: ${id}`);
      if (error instanceof TaskAlreadyResolvedError || (error as HeedError).code === 'TASK_ALREADY_RESOLVED') {
        throw new McpError(ErrorCode.InvalidParams, `Cannot cancel task in terminal status: ${id} has ended`);
      }
      if (error instanceof HeedError) throw new McpError(ErrorCode.InvalidRequest, `${error.code}: ${error.message}`);
      throw error;
    }
  });
}
