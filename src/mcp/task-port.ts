import type { Page } from '../store/store.ts';
import type { ResponseInput, Task, TaskResult, TaskSpec } from '../human/types.ts';

/** Who an MCP connection acts as: its principal and the groups (and addresses) it acts as. */
export interface McpCaller {
  principal: string;
  identities: readonly string[];
}

/**
 * What the MCP tools need from Heed, as one caller: create a task in the caller's name, read a
 * task the caller may see, and wait a bounded time for a task to end; for MCP tasks also list the
 * caller's requests, cancel one, and answer a task as the caller (an elicitation answered in the
 * client). Two implementations: on a Heed instance in this process (`/mcp`, `heed mcp --db`),
 * and over Heed's HTTP API (`heed mcp --url`), where the server's own authentication and
 * authorization decide.
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
  /**
   * Who the credentials belong to, with their groups.
   * @throws HeedError when the server cannot be reached (`--url`).
   */
  whoami(): Promise<McpCaller>;
  /** The tasks the caller requested, newest first, a page at a time (`system`: every task). */
  list(cursor?: string): Promise<Page<Task>>;
  /**
   * Cancels a pending task: its requester (or an admin) only.
   * @throws TaskNotFoundError (not visible), ForbiddenError (not the requester),
   *   TaskAlreadyResolvedError (it ended).
   */
  cancel(id: string): Promise<Task>;
  /**
   * Whether the caller may answer the task now (the rule every channel applies: an assignee, not
   * a group, four-eyes unless the spec allows self-approval). Writes nothing.
   */
  mayAnswer(task: Task): Promise<boolean>;
  /**
   * Answers the task as the caller, via `mcp`, through the one answer path of every channel.
   * @throws TaskNotFoundError, TaskForbiddenError, TaskAlreadyResolvedError, AlreadyRespondedError,
   *   InvalidResponseError (see `Authorization.answer`).
   */
  answer(id: string, input: ResponseInput): Promise<Task>;
}
