import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Task, TaskResult } from '../human/types.ts';
import type { McpTaskPort } from './task-port.ts';

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export interface WaitOptions {
  /** How often a waiting call reports progress (default 15 s). */
  progressEveryMs: number;
  /** Stop waiting after this long and answer `pending` with the task id (default: until the task ends). */
  maxWaitMs?: number | undefined;
}

/**
 * Waits for `task` to end on behalf of one MCP tool call. Nothing is held but this call's own
 * promise: the task is durable in Heed (its deadline, reminders and escalations run without this
 * call), and each round is one bounded long-poll of the task's result. Between rounds, when the
 * client sent a `progressToken`, a `notifications/progress` names the task id, so a client that
 * times out or reconnects can come back with `get_task`. Returns `null` when the wait window
 * passes or the client cancels the request; the task goes on.
 */
export async function awaitTask(
  port: McpTaskPort,
  task: Task,
  extra: ToolExtra,
  options: WaitOptions,
): Promise<TaskResult | null> {
  if (task.result) return task.result;
  const token = extra._meta?.progressToken;
  const started = Date.now();
  const until = options.maxWaitMs === undefined ? Infinity : started + options.maxWaitMs;
  for (let round = 1; ; round++) {
    if (token !== undefined) {
      const waited = Math.round((Date.now() - started) / 1000);
      const who = task.assignees.map((a) => a.principal).join(', ') || 'anyone';
      await extra
        .sendNotification({
          method: 'notifications/progress',
          params: {
            progressToken: token,
            progress: round,
            message: `Heed task ${task.id} is pending: waiting for ${who} (${waited}s so far). If this call is cut off, call get_task with taskId "${task.id}".`,
          },
        })
        // A client that went away cannot be told; the wait (and the task) go on regardless.
        .catch(() => {});
    }
    const left = until - Date.now();
    if (left <= 0 || extra.signal.aborted) return null;
    const result = await port.waitForResult(task.id, Math.min(left, options.progressEveryMs), extra.signal);
    if (result) return result;
    if (extra.signal.aborted) return null;
  }
}
