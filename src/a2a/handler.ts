import { createHash } from 'node:crypto';
import {
  type AgentCard,
  type CancelTaskRequest,
  type DeleteTaskPushNotificationConfigRequest,
  type GetTaskPushNotificationConfigRequest,
  type GetTaskRequest,
  type ListTaskPushNotificationConfigsRequest,
  type ListTaskPushNotificationConfigsResponse,
  type ListTasksRequest,
  type ListTasksResponse,
  Message,
  type SendMessageRequest,
  type StreamResponse,
  type Task as A2ATask,
  type TaskPushNotificationConfig,
  TaskState,
  type SubscribeToTaskRequest,
} from '@a2a-js/sdk';
import {
  A2AError,
  ExtendedAgentCardNotConfiguredError,
  PushNotificationNotSupportedError,
  RequestMalformedError,
  TaskNotCancelableError,
  TaskNotFoundError,
  UnsupportedOperationError,
} from '@a2a-js/sdk/errors';
import { type A2ARequestHandler, ServerCallContext, type ServerCallContextOptions } from '@a2a-js/sdk/server';
import type { Authorization, Caller } from '../authorization/authorization.ts';
import { HeedError } from '../errors.ts';
import type { Heed } from '../human/heed.ts';
import { agentCard } from './card.ts';
import { type PushConfigs, toA2AConfig } from './push-configs.ts';
import { approvalSpec, APPROVAL_SKILL, questionSpec, requestOf } from './skills.ts';
import { type A2ASnapshot, artifactsOf, isFinal, loadSnapshot, statusOf, toA2ATask } from './view.ts';
import { A2A_WORKFLOW, type A2ATaskInput, a2aRunId, a2aWorkflowRunId } from './workflow.ts';

/** News of runs (the server's event hub): made before a read, waited on after it. */
export interface RunWatcher {
  watch(runId: string): { wait(timeoutMs: number): Promise<boolean>; close(): void };
}

/** The call context of one `/a2a` request: who calls (from credentials) and when it goes away. */
export class HeedCallContext extends ServerCallContext {
  readonly caller: Caller;
  readonly signal: AbortSignal;
  constructor(caller: Caller, signal: AbortSignal, options: ServerCallContextOptions = {}) {
    super(options);
    this.caller = caller;
    this.signal = signal;
  }
}

export interface A2AHandlerOptions {
  /** The `/a2a` endpoint's absolute URL (for the agent card). */
  url: () => string;
  /** Whether push notifications can be sent (signed: a callback secret is configured). */
  pushNotifications: boolean;
  /** Checks a push notification URL as a task's `callbackUrl` is checked (SSRF). */
  checkUrl: (url: string) => Promise<void>;
  pushConfigs: PushConfigs;
  watcher: RunWatcher;
  /** Longest wait between two reads of a followed task, for news missed (default 15 s). */
  rereadMs?: number;
}

/**
 * Heed's A2A request handler (the SDK's `A2ARequestHandler`, driven by its JSON-RPC transport):
 * every A2A task is a durable Heed run (`a2a:<task id>`, see `workflow.ts`), and everything the
 * protocol shows of it is read from Heed's records (`view.ts`), never kept in memory. So a
 * blocking send, a stream or a resubscription only *follow* the run (woken by its events), and
 * any of them, on any process sharing the store, before or after a restart, sees the same task.
 * The caller comes from credentials (`HeedCallContext`); an A2A task is its caller's alone.
 */
export class HeedA2AHandler implements A2ARequestHandler {
  readonly #heed: Heed;
  readonly #authorization: Authorization;
  readonly #options: A2AHandlerOptions;

  constructor(heed: Heed, authorization: Authorization, options: A2AHandlerOptions) {
    this.#heed = heed;
    this.#authorization = authorization;
    this.#options = options;
  }

  async getAgentCard(): Promise<AgentCard> {
    return agentCard({
      url: this.#options.url(),
      workflows: this.#heed.a2aWorkflows(),
      pushNotifications: this.#options.pushNotifications,
      devMode: this.#authorization.devMode,
    });
  }

  async getAuthenticatedExtendedAgentCard(): Promise<AgentCard> {
    throw new ExtendedAgentCardNotConfiguredError('Heed has no extended agent card');
  }

  async sendMessage(params: SendMessageRequest, context: ServerCallContext): Promise<A2ATask> {
    const ctx = heedContext(context);
    const id = await this.#start(params, ctx);
    if (params.configuration?.returnImmediately) return toA2ATask(await this.#load(id));
    let last: A2ASnapshot | undefined;
    for await (const snapshot of this.#follow(id, ctx.signal)) last = snapshot;
    return toA2ATask(last ?? (await this.#load(id)));
  }

  async *sendMessageStream(params: SendMessageRequest, context: ServerCallContext): AsyncGenerator<StreamResponse> {
    const ctx = heedContext(context);
    const id = await this.#start(params, ctx);
    yield* this.#stream(id, ctx.signal);
  }

  async getTask(params: GetTaskRequest, context: ServerCallContext): Promise<A2ATask> {
    const task = toA2ATask(await this.#visible(params.id, heedContext(context).caller));
    if (params.historyLength === 0) task.history = [];
    return task;
  }

  async listTasks(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    const caller = heedContext(context).caller;
    const pageSize = params.pageSize ?? 50;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) {
      throw new RequestMalformedError('pageSize must be between 1 and 100');
    }
    const page = await this.#heed.runs.list({
      workflow: A2A_WORKFLOW,
      ...this.#authorization.a2aListScope(caller),
      limit: pageSize,
      ...(params.pageToken ? { cursor: params.pageToken } : {}),
    });
    const tasks: A2ATask[] = [];
    for (const run of page.items) {
      const input = run.input as A2ATaskInput;
      if (params.contextId && input.contextId !== params.contextId) continue;
      const snapshot = await loadSnapshot(this.#heed, input.taskId);
      if (!snapshot) continue;
      const task = toA2ATask(snapshot);
      if (params.status && task.status?.state !== params.status) continue;
      if (!params.includeArtifacts) task.artifacts = [];
      if (params.historyLength === 0) task.history = [];
      tasks.push(task);
    }
    return { tasks, nextPageToken: page.nextCursor ?? '', pageSize, totalSize: tasks.length };
  }

  async cancelTask(params: CancelTaskRequest, context: ServerCallContext): Promise<A2ATask> {
    const snapshot = await this.#visible(params.id, heedContext(context).caller);
    const state = statusOf(snapshot).state;
    if (state === TaskState.TASK_STATE_CANCELED) return toA2ATask(snapshot);
    if (isFinal(state)) throw new TaskNotCancelableError(`Task ${params.id} has ended`);
    // Cancels the run and, with it, the person's task (audited) or the workflow's run.
    await this.#heed.runs.cancel(a2aRunId(params.id));
    return toA2ATask(await this.#load(params.id));
  }

  async createTaskPushNotificationConfig(
    params: TaskPushNotificationConfig,
    context: ServerCallContext,
  ): Promise<TaskPushNotificationConfig> {
    this.#requirePush();
    await this.#visible(params.taskId, heedContext(context).caller);
    return toA2AConfig(params.taskId, await this.#savePush(params.taskId, params));
  }

  async getTaskPushNotificationConfig(
    params: GetTaskPushNotificationConfigRequest,
    context: ServerCallContext,
  ): Promise<TaskPushNotificationConfig> {
    this.#requirePush();
    await this.#visible(params.taskId, heedContext(context).caller);
    const config = (await this.#options.pushConfigs.list(params.taskId)).find((c) => c.id === params.id);
    if (!config) throw new TaskNotFoundError(`No push notification config "${params.id}" for task ${params.taskId}`);
    return toA2AConfig(params.taskId, config);
  }

  async listTaskPushNotificationConfigs(
    params: ListTaskPushNotificationConfigsRequest,
    context: ServerCallContext,
  ): Promise<ListTaskPushNotificationConfigsResponse> {
    this.#requirePush();
    await this.#visible(params.taskId, heedContext(context).caller);
    const configs = await this.#options.pushConfigs.list(params.taskId);
    return { configs: configs.map((c) => toA2AConfig(params.taskId, c)), nextPageToken: '' };
  }

  async deleteTaskPushNotificationConfig(
    params: DeleteTaskPushNotificationConfigRequest,
    context: ServerCallContext,
  ): Promise<void> {
    this.#requirePush();
    await this.#visible(params.taskId, heedContext(context).caller);
    await this.#options.pushConfigs.delete(params.taskId, params.id || undefined);
  }

  async *resubscribe(params: SubscribeToTaskRequest, context: ServerCallContext): AsyncGenerator<StreamResponse> {
    const ctx = heedContext(context);
    const snapshot = await this.#visible(params.id, ctx.caller);
    if (isFinal(statusOf(snapshot).state)) {
      throw new UnsupportedOperationError(`Task ${params.id} has ended: read it with GetTask`);
    }
    yield* this.#stream(params.id, ctx.signal);
  }

  /**
   * Starts the A2A task a message asks for, as its caller: checked first (the skill exists, the
   * caller may start the workflow, the request is valid under the approval policy), so nothing is
   * created for a bad one. The same message (caller and `messageId`) again starts nothing new and
   * names the same task.
   */
  async #start(params: SendMessageRequest, ctx: HeedCallContext): Promise<string> {
    const message = params.message;
    if (!message) throw new RequestMalformedError('params.message is required');
    const caller = ctx.caller;
    if (message.taskId) {
      const snapshot = await this.#visible(message.taskId, caller);
      if (isFinal(statusOf(snapshot).state)) {
        throw new UnsupportedOperationError(`Task ${message.taskId} has ended and takes no more messages`);
      }
      throw new UnsupportedOperationError(
        `Task ${message.taskId} is answered by the people asked, not by more messages: follow it with GetTask or SubscribeToTask`,
      );
    }
    const id = taskIdFor(caller.principal, message.messageId || crypto.randomUUID());
    // The same message again (a retry): the task it started, nothing new asked or configured.
    if (await this.#heed.runs.info(a2aRunId(id))) return id;
    const request = heedCall(() => requestOf(message, params.metadata, this.#heed.a2aWorkflows()));
    const initiator = caller.principal === 'system' ? undefined : caller.principal;
    if (request.skill === 'workflow') {
      heedCall(() => this.#authorization.requireA2AWorkflow(caller, request.workflow));
    } else {
      const spec = request.skill === APPROVAL_SKILL ? approvalSpec(request.input) : questionSpec(request.input);
      heedCall(() =>
        this.#heed.tasks.validate(
          { ...spec, ...(initiator ? { requester: initiator } : {}) },
          { trust: 'model', workflow: A2A_WORKFLOW },
        ),
      );
    }
    const push = params.configuration?.taskPushNotificationConfig;
    // Kept before the run starts, so its first change is already notified.
    if (push?.url) {
      this.#requirePush();
      await this.#savePush(id, push);
    }
    const contextId = message.contextId || crypto.randomUUID();
    const input: A2ATaskInput = {
      taskId: id,
      contextId,
      message: Message.toJSON({ ...message, taskId: id, contextId }),
      request,
    };
    await heedCallAsync(() =>
      this.#heed.startWorkflow(A2A_WORKFLOW, input, { id: a2aRunId(id), ...(initiator ? { initiator } : {}) }),
    );
    return id;
  }

  /** The task as a stream: the task first, then each change of status; at the end its artifacts and final status. */
  async *#stream(id: string, signal: AbortSignal): AsyncGenerator<StreamResponse> {
    let first = true;
    for await (const snapshot of this.#follow(id, signal)) {
      const task = toA2ATask(snapshot);
      if (first) {
        first = false;
        yield { payload: { $case: 'task', value: task } };
        if (!isFinal(task.status?.state ?? TaskState.TASK_STATE_WORKING)) continue;
      }
      const status = statusOf(snapshot);
      if (isFinal(status.state)) {
        for (const artifact of artifactsOf(snapshot)) {
          yield {
            payload: {
              $case: 'artifactUpdate',
              value: { taskId: id, contextId: task.contextId, artifact, append: false, lastChunk: true, metadata: {} },
            },
          };
        }
      }
      yield {
        payload: { $case: 'statusUpdate', value: { taskId: id, contextId: task.contextId, status, metadata: {} } },
      };
    }
  }

  /**
   * Follows A2A task `id`: yields it now and at each change of its status (state, who is asked),
   * and returns once it has ended or `signal` aborts. Woken by the events of its runs (a person
   * asked, an escalation, the end), wherever they are written; reads again every `rereadMs` too.
   */
  async *#follow(id: string, signal: AbortSignal): AsyncGenerator<A2ASnapshot> {
    const runIds = [a2aRunId(id), a2aWorkflowRunId(id)];
    const rereadMs = this.#options.rereadMs ?? 15_000;
    let last = '';
    for (;;) {
      // Watch before reading: news that lands in between is kept by the watch.
      const watches = runIds.map((runId) => this.#options.watcher.watch(runId));
      try {
        const snapshot = await this.#load(id);
        const status = statusOf(snapshot);
        const seen = JSON.stringify([status.state, status.message?.parts]);
        if (seen !== last) {
          last = seen;
          yield snapshot;
        }
        if (isFinal(status.state) || signal.aborted) return;
        await untilAborted(Promise.race(watches.map((w) => w.wait(rereadMs))), signal);
        if (signal.aborted) return;
      } finally {
        for (const watch of watches) watch.close();
      }
    }
  }

  async #load(id: string): Promise<A2ASnapshot> {
    const snapshot = await loadSnapshot(this.#heed, id);
    if (!snapshot) throw new TaskNotFoundError(`Task not found: ${id}`);
    return snapshot;
  }

  /** The task, if the caller may see it (its own, or any for an admin); else "not found". */
  async #visible(id: string, caller: Caller): Promise<A2ASnapshot> {
    if (!id?.trim()) throw new RequestMalformedError('A task id is required');
    const snapshot = await loadSnapshot(this.#heed, id);
    heedCall(() => this.#authorization.requireA2ATask(caller, snapshot?.run, id));
    return snapshot as A2ASnapshot;
  }

  #requirePush(): void {
    if (!this.#options.pushNotifications) {
      throw new PushNotificationNotSupportedError(
        'Push notifications need a signing secret: configure webhooks.callbackSecret',
      );
    }
  }

  async #savePush(taskId: string, config: TaskPushNotificationConfig) {
    if (!config.url) throw new RequestMalformedError('A push notification config needs a url');
    await heedCallAsync(() => this.#options.checkUrl(config.url));
    try {
      return await this.#options.pushConfigs.save(taskId, config);
    } catch (error) {
      if (error instanceof RangeError) throw new RequestMalformedError(error.message);
      throw error;
    }
  }
}

function heedContext(context: ServerCallContext): HeedCallContext {
  if (!(context instanceof HeedCallContext)) throw new A2AError("The A2A handler is mounted without Heed's caller");
  return context;
}

/**
 * The A2A task id of a caller's message: derived from who sent it and its `messageId`, so a
 * retried send names the same task (and starts nothing new), and two callers never share one.
 */
function taskIdFor(principal: string, messageId: string): string {
  const hex = createHash('sha256').update(`${principal}\n${messageId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Runs `body`, turning Heed's errors into A2A's (a bad request, a task not found, a refusal). */
function heedCall<T>(body: () => T): T {
  try {
    return body();
  } catch (error) {
    throw toA2AError(error);
  }
}

async function heedCallAsync<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw toA2AError(error);
  }
}

/** Heed errors about the request itself (anything else is the server's own failure). */
const BAD_REQUEST = new Set([
  'INVALID_ARGUMENT',
  'INVALID_TASK',
  'INVALID_PRINCIPAL',
  'PAYLOAD_TOO_LARGE',
  'POLICY_VIOLATION',
  'NOT_SERIALIZABLE',
]);

function toA2AError(error: unknown): unknown {
  if (!(error instanceof HeedError)) return error;
  const options = { message: `${error.code}: ${error.message}`, metadata: { code: error.code }, cause: error };
  if (error.code === 'TASK_NOT_FOUND' || error.code === 'RUN_NOT_FOUND') return new TaskNotFoundError(options);
  if (error.code === 'FORBIDDEN' || error.code === 'UNKNOWN_WORKFLOW' || error.code === 'RUN_ID_TAKEN') {
    return new UnsupportedOperationError(options);
  }
  if (BAD_REQUEST.has(error.code)) return new RequestMalformedError(options);
  return error;
}

/** `promise`, or nothing once `signal` aborts (the promise is left to settle on its own). */
function untilAborted(promise: Promise<unknown>, signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve(undefined);
      },
    );
  });
}
