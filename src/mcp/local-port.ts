import { HeedError, TaskNotFoundError } from '../errors.ts';
import type { Heed } from '../human/heed.ts';
import type { Task, TaskResult, TaskSpec } from '../human/types.ts';
import type { Authorization, Caller } from '../authorization/authorization.ts';
import { untilAborted } from './abort.ts';
import type { McpTaskPort } from './task-port.ts';

/** How many tasks one `tasks/list` page holds. */
const PAGE = 50;

/**
 * The MCP tools' access to a Heed instance in this process, as `caller` (from an API key, the
 * development header, or `heed mcp --as`). The same rules as the task routes: the requester is
 * the caller, a task the caller may not see does not exist for it, the authorization module
 * decides who may cancel and answer.
 */
export function localTaskPort(heed: Heed, caller: Caller, authorization: Authorization): McpTaskPort {
  // Who may see a task is the authorization module's rule, as for the HTTP routes.
  const visible = async (id: string): Promise<Task | undefined> => {
    const task = await heed.tasks.get(id);
    return task && authorization.canSeeTask(caller, task) ? task : undefined;
  };
  return {
    principal: caller.principal,
    async create(spec: TaskSpec): Promise<Task> {
      // `system` (development mode without a principal) stands for Heed itself: no requester.
      const requester = caller.principal === 'system' ? {} : { requester: caller.principal };
      // A model chose these fields: the server's policy replaces any looser one (the task says which).
      const { task } = await heed.tasks.submit({ ...spec, ...requester }, { via: 'mcp', trust: 'model' });
      // The same idempotency key from someone who may not see the task reveals nothing.
      if (!(await visible(task.id))) {
        throw new HeedError('IDEMPOTENCY_CONFLICT', 'This idempotencyKey belongs to another task');
      }
      return task;
    },
    get: visible,
    async waitForResult(id: string, ms: number, signal: AbortSignal): Promise<TaskResult | null> {
      const task = await visible(id);
      if (!task) throw new TaskNotFoundError(id);
      if (task.result) return task.result;
      if (signal.aborted || ms <= 0) return null;
      // heed.tasks.result watches the task's lifecycle run end (and re-reads it for other processes).
      return untilAborted(
        heed.tasks.result(id, { timeout: ms }).catch(() => null),
        signal,
        null,
      );
    },
    whoami: async () => ({ principal: caller.principal, identities: caller.identities }),
    async list(cursor) {
      // The caller's own requests, as `GET /v1/tasks?requester=` scopes them (`system` sees all).
      const scope =
        caller.principal === 'system' ? {} : authorization.taskListScope(caller, { requester: caller.principal });
      return heed.tasks.list({ ...scope, limit: PAGE, ...(cursor ? { cursor } : {}) });
    },
    async cancel(id) {
      authorization.requireCancelTask(caller, await heed.tasks.get(id), id);
      return heed.tasks.cancel(id, caller.principal === 'system' ? {} : { principal: caller.principal });
    },
    async mayAnswer(task) {
      if (caller.principal === 'system') return false;
      try {
        authorization.requireAnswer(caller, task, task.id);
        return true;
      } catch {
        return false;
      }
    },
    answer: (id, input) => authorization.answer(heed.tasks, caller, id, input, 'mcp'),
  };
}
