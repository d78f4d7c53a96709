import type { Task, TaskResult, TaskSpec } from '../human/types.ts';

/**
 * What the MCP tools need from Heed, as one caller: create a task in the caller's name, read a
 * task the caller may see, and wait a bounded time for a task to end. Two implementations: on a
 * Heed instance in this process (`/mcp`, `heed mcp --db`), and over Heed's HTTP API
 * (`heed mcp --url`), where the server's own authentication and authorization decide.
 */
export interface McpTaskPort {
  /** Who the tools act as (shown in progress messages). */
  readonly principal: string;
  /**
   * Creates a task whose requester is the caller. The same `idempotencyKey` returns the same task.
   * @throws HeedError (`INVALID_TASK`, `PAYLOAD_TOO_LARGE`, `FORBIDDEN`, `IDEMPOTENCY_CONFLICT`, …); nothing is created.
   */
  create(spec: TaskSpec): Promise<Task>;
  /** The task, or `undefined` when it does not exist or the caller may not see it (the two look alike). */
  get(id: string): Promise<Task | undefined>;
  /**
   * Waits at most `ms` for the task to end, without holding a worker: the task is a durable Heed
   * task and this only watches for its end. Returns the result, or `null` while it is pending (also
   * when `signal` aborts first).
   * @throws TaskNotFoundError when the caller may not see it.
   */
  waitForResult(id: string, ms: number, signal: AbortSignal): Promise<TaskResult | null>;
}
