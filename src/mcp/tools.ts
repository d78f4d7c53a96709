import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { HeedError } from '../errors.ts';
import type { Task, TaskResult, TaskSpec } from '../human/types.ts';
import { answerHandlers, ClientQuestion, takeAnswer } from './client-question.ts';
import { type ElicitationContext, elicitationSupport } from './elicitation.ts';
import { ElicitationIds } from './elicitation-ids.ts';
import { heedTaskStore, offerTasks } from './mcp-tasks.ts';
import type { McpTaskPort } from './task-port.ts';
import { awaitTask, type ToolExtra } from './wait.ts';

export interface HeedMcpOptions {
  /** How often a waiting call reports progress (default 15 s). */
  progressEveryMs?: number | undefined;
  /** The server's public base URL: URL-mode elicitations link to a task's inbox page. None: form mode only. */
  baseUrl?: (() => string) | undefined;
  /** Signs elicitation ids (the server's link secret), so that any instance takes the answer; default: this process's own key. */
  elicitationIds?: ElicitationIds | undefined;
  /**
   * The client's capabilities, where the connection does not keep them (stateless `/mcp`: from
   * the session id given at initialization). Default: what the client declared on this connection.
   */
  clientCapabilities?: ClientCapabilities | undefined;
  /** Tell the end of each task a task-augmented call created without being asked (a lasting connection: stdio). */
  notifyStatus?: boolean | undefined;
  /** Answers from a client that could not be recorded (logs). */
  onError?: ((error: unknown) => void) | undefined;
}

/** This process's own elicitation key, for servers made without one. */
let processIds: ElicitationIds | undefined;

const VERSION = '0.1.0';

const who = {
  assignees: z
    .array(z.string())
    .optional()
    .describe(
      'Principals you suggest should answer ("user:alice", "group:finance"); the server\'s approval policy decides who is asked, and the result says who was',
    ),
  deadline: z
    .string()
    .optional()
    .describe('How long people have, e.g. "30m", "8h", "3d", within what the server\'s policy allows'),
  idempotencyKey: z
    .string()
    .max(200)
    .optional()
    .describe('The same key returns the same task: retry a call without asking twice'),
  wait: z
    .number()
    .min(0)
    .optional()
    .describe('Longest time in seconds this call waits; then it returns status "pending" and the taskId for get_task'),
};

const approvalShape = {
  action: z.string().min(1).max(200).describe('The action or tool to approve, e.g. "deploy" or "send_email"'),
  args: z.record(z.string(), z.unknown()).optional().describe('Its arguments, exactly as you will use them'),
  title: z.string().max(500).optional().describe('What the person reads first (default: "Approve <action>?")'),
  description: z.string().optional().describe('Markdown: why, what happens, the context'),
  allowEdit: z.boolean().optional().describe('May the approver change the arguments? (default false)'),
  onTimeout: z
    .string()
    .optional()
    .describe(
      'At the deadline: "reject" (default, fail closed) or "expire"; the server\'s policy decides whether silence may ever approve',
    ),
  ...who,
};
type ApprovalInput = z.infer<z.ZodObject<typeof approvalShape>>;

const questionShape = {
  question: z.string().min(1).max(500).describe('The question'),
  details: z.string().optional().describe('Markdown context for the person'),
  choices: z.array(z.string().min(1).max(100)).min(2).max(20).optional().describe('Allowed answers'),
  ...who,
};
type QuestionInput = z.infer<z.ZodObject<typeof questionShape>>;

/**
 * Heed's MCP server (DESIGN.md "Ecosystem surfaces"): the tools `request_approval`, `ask_human`
 * and `get_task`, acting as the caller `port` stands for. A call that waits for a person creates a
 * durable Heed task and then only awaits its result (see {@link awaitTask}); it reports progress
 * with the task id, so the wait survives a client's timeout or reconnect.
 */
export function createHeedMcpServer(port: McpTaskPort, options: HeedMcpOptions = {}): McpServer {
  // A finished task as its tool's result (for MCP's `tasks/result`).
  const resultOf = (task: Task) =>
    task.type === 'approval'
      ? approvalResult(task, task.result)
      : answerResult(task, task.result, task.outcomes.join() !== 'answer');
  processIds ??= new ElicitationIds();
  const ids = options.elicitationIds ?? processIds;
  // The client's elicitation modes: as given, or as declared at initialization (read when needed).
  const elicitation: ElicitationContext = {
    ids,
    baseUrl: options.baseUrl,
    get support() {
      return elicitationSupport(options.clientCapabilities ?? server.server.getClientCapabilities());
    },
  };
  const context = { port, resultOf, elicitation, notifyStatus: options.notifyStatus };
  const server: McpServer = new McpServer(
    { name: 'heed', version: VERSION },
    {
      capabilities: { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } },
      taskStore: heedTaskStore(context),
    },
  );
  answerHandlers.set(server, (message) => takeAnswer(port, ids, message, options.onError));
  const progressEveryMs = options.progressEveryMs ?? 15_000;
  const wait = async (task: Task, extra: ToolExtra, seconds: number | undefined) => {
    // The person to answer is the client's own user: ask them there, and wait as for anyone.
    const question = task.result
      ? null
      : await ClientQuestion.start({ server, port, task, context: elicitation, requestId: extra.requestId });
    const result = await awaitTask(port, task, extra, {
      progressEveryMs,
      maxWaitMs: seconds === undefined ? undefined : seconds * 1000,
    });
    await question?.finish(result !== null);
    return result;
  };

  const requestApproval = server.registerTool(
    'request_approval',
    {
      title: 'Ask a person to approve an action',
      description:
        'Asks the assignees to approve an action with its arguments before you take it, and waits for the decision ' +
        '(minutes or days: progress notifications carry the taskId). Returns outcome ("approve" or "reject"), ' +
        'who decided, their comment, and the final arguments (an approver may edit them): act only on approve, ' +
        'and with those arguments.',
      inputSchema: approvalShape,
    },
    (input, extra) =>
      toolCall(async () => {
        const task = await port.create(approvalSpec(input));
        return approvalResult(task, await wait(task, extra, input.wait));
      }),
  );

  const askHuman = server.registerTool(
    'ask_human',
    {
      title: 'Ask a person a question',
      description:
        'Asks the assignees a question and waits for the answer (minutes or days: progress notifications carry ' +
        'the taskId). With choices, the answer is one of them.',
      inputSchema: questionShape,
    },
    (input, extra) =>
      toolCall(async () => {
        const task = await port.create(questionSpec(input));
        return answerResult(task, await wait(task, extra, input.wait), input.choices !== undefined);
      }),
  );

  const getTask = server.registerTool(
    'get_task',
    {
      title: 'Get a Heed task',
      description:
        'A task by id: its status and, once decided, its result. With wait (seconds), waits that long for the ' +
        'decision first: use it to come back to a request_approval or ask_human call that was cut off.',
      inputSchema: {
        taskId: z
          .string()
          .min(1)
          .max(200)
          .describe('The taskId from request_approval, ask_human or a progress message'),
        wait: who.wait,
      },
    },
    (input, extra) =>
      toolCall(async () => {
        const task = await port.get(input.taskId);
        if (!task) throw new HeedError('TASK_NOT_FOUND', `No task with id "${input.taskId}"`);
        const result = input.wait ? await wait(task, extra, input.wait) : task.result;
        const view = {
          taskId: task.id,
          type: task.type,
          title: task.title,
          status: result?.status ?? task.status,
          assignees: task.assignees.map((a) => a.principal),
          requester: task.requester,
          deadline: task.deadline === null ? null : new Date(task.deadline).toISOString(),
          result: result ? decision(result) : null,
        };
        return reply(view);
      }),
  );
  offerTasks(
    server,
    { request_approval: requestApproval, ask_human: askHuman, get_task: getTask },
    { request_approval: approvalSpec, ask_human: questionSpec },
    context,
  );
  return server;
}

/** The task `request_approval` creates. */
function approvalSpec(input: ApprovalInput): TaskSpec {
  return {
    type: 'approval',
    title: input.title ?? `Approve ${input.action}?`,
    action: { tool: input.action, args: input.args ?? {} },
    ...optional({
      description: input.description,
      allowEdit: input.allowEdit,
      assignees: input.assignees,
      deadline: input.deadline,
      onTimeout: input.onTimeout,
      idempotencyKey: input.idempotencyKey,
    }),
  };
}

/** The task `ask_human` creates. */
function questionSpec(input: QuestionInput): TaskSpec {
  return {
    type: 'clarification',
    title: input.question,
    requireComment: input.choices ? false : ['answer'],
    ...optional({
      description: input.details,
      outcomes: input.choices,
      assignees: input.assignees,
      deadline: input.deadline,
      idempotencyKey: input.idempotencyKey,
    }),
    // Without choices, nobody answering by the deadline ends the task without an answer.
    ...(input.choices ? {} : { onTimeout: 'expire' }),
  };
}

/** The fields of a result an agent acts on. */
function decision(result: TaskResult) {
  return {
    status: result.status,
    outcome: result.outcome,
    by: result.by,
    via: result.via,
    comment: result.comment,
    data: result.data,
    args: result.args,
    edited: result.edit ? result.edit.changes : null,
    decidedAt: new Date(result.at).toISOString(),
  };
}

function approvalResult(task: Task, result: TaskResult | null): CallToolResult {
  if (!result) return pending(task);
  return reply({
    taskId: task.id,
    approved: result.status === 'resolved' && result.outcome === 'approve',
    ...decision(result),
    ...policyOf(task),
  });
}

/**
 * The policy the server applied, for the model to read: its name and version, who was asked, the
 * deadline, and which of the call's own fields it ignored (a model never picks its approvers).
 */
function policyOf(task: Task) {
  if (!task.policy) return {};
  return {
    policy: {
      name: task.policy.name,
      version: task.policy.version,
      assignees: task.assignees.map((a) => a.principal),
      deadline: task.deadline === null ? null : new Date(task.deadline).toISOString(),
      onTimeout: task.onTimeout.status === 'resolved' ? task.onTimeout.outcome : 'expire',
      ignored: task.policy.ignored,
    },
  };
}

function answerResult(task: Task, result: TaskResult | null, choices: boolean): CallToolResult {
  if (!result) return pending(task);
  const answer =
    result.status !== 'resolved' ? null : choices ? result.outcome : (result.comment ?? result.data ?? null);
  return reply({ taskId: task.id, answer, ...decision(result), ...policyOf(task) });
}

function pending(task: Task): CallToolResult {
  return reply({
    taskId: task.id,
    status: 'pending',
    message: `Nobody has decided yet. Call get_task with taskId "${task.id}" and wait to keep waiting.`,
    ...policyOf(task),
  });
}

function reply(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
}

/** Runs a tool body; Heed's errors become tool errors the model can read (`CODE: message`). */
async function toolCall(body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (error) {
    if (!(error instanceof HeedError)) throw error;
    return { isError: true, content: [{ type: 'text', text: `${error.code}: ${error.message}` }] };
  }
}

/** The entries whose value is defined (the task spec tells "absent" from "undefined"). */
function optional<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}
