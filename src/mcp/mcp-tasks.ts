import type { TaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/interfaces.js';
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  type CallToolResult,
  CallToolRequestSchema,
  ErrorCode,
  McpError,
  type Task as McpTask,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { HeedError, TaskNotFoundError } from '../errors.ts';
import type { Task, TaskSpec } from '../human/types.ts';
import type { McpTaskPort } from './task-port.ts';

/** How often a client polls `tasks/get` for a Heed task (the task itself needs no polling). */
const POLL_MS = 1000;

/** An MCP task (experimental in the SDK) that is a Heed task: the same id, its status mapped. */
export function toMcpTask(task: Task): McpTask {
  const waiting = task.assignees.map((a) => a.principal).join(', ') || 'anyone';
  return {
    taskId: task.id,
    status: task.status === 'pending' ? 'working' : task.status === 'cancelled' ? 'cancelled' : 'completed',
    statusMessage: task.status === 'pending' ? `waiting for ${waiting}` : task.status,
    ttl: null,
    createdAt: new Date(task.createdAt).toISOString(),
    lastUpdatedAt: new Date(task.updatedAt).toISOString(),
    pollInterval: POLL_MS,
  };
}

/**
 * MCP's task store over Heed, as one caller: `tasks/get` and `tasks/result` read the Heed task
 * (the MCP task id *is* the Heed task id, so a client can also pass it to `get_task`); tasks are
 * created only by the tools. Listing and cancelling are not offered.
 */
export function heedTaskStore(port: McpTaskPort, resultOf: (task: Task) => CallToolResult): TaskStore {
  const refuse = async (): Promise<never> => {
    throw new McpError(ErrorCode.InvalidRequest, 'Heed tasks are created by its tools and decided by people');
  };
  return {
    createTask: refuse,
    storeTaskResult: refuse,
    updateTaskStatus: refuse,
    listTasks: refuse,
    getTask: async (id) => {
      const task = await port.get(id);
      return task ? toMcpTask(task) : null;
    },
    getTaskResult: async (id) => {
      const task = await port.get(id);
      if (!task) throw new TaskNotFoundError(id);
      return resultOf(task);
    },
  };
}

/**
 * Lets the tools in `creators` run as MCP tasks: a `tools/call` with `task` creates the Heed task
 * and answers at once with it (`CreateTaskResult`); the client then follows it with `tasks/get`
 * and `tasks/result`. A plain `tools/call` runs the tool as registered (waiting, with progress).
 */
export function offerTasks(
  server: McpServer,
  tools: Record<string, RegisteredTool>,
  creators: Record<string, (input: never) => TaskSpec>,
  port: McpTaskPort,
): void {
  for (const name of Object.keys(creators)) {
    const tool = tools[name];
    if (tool) tool.execution = { taskSupport: 'optional' };
  }
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
      try {
        return { task: toMcpTask(await port.create(create(input as never))) };
      } catch (error) {
        if (error instanceof HeedError) throw new McpError(ErrorCode.InvalidParams, `${error.code}: ${error.message}`);
        throw error;
      }
    }
    const handler = tool.handler as unknown as (args: unknown, extra: unknown) => Promise<CallToolResult>;
    return handler(input, extra);
  });
}
