/**
 * The client's answers to Heed's elicitations, and asking until one is recorded. An answer is a
 * JSON-RPC response whose id Heed signed (see `elicitation-ids.ts`); it may reach another request,
 * connection or process than the one that asked, so it is taken from the transport before the
 * SDK's own response table, checked, and recorded through the one answer path.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type ElicitRequest, ElicitResultSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Task } from '../human/types.ts';
import { untilAborted } from './abort.ts';
import { type ElicitationClaims, type ElicitationIds, PREFIX } from './elicitation-ids.ts';
import {
  answerFrom,
  completeElicitation,
  type ElicitationContext,
  elicitationFor,
  sendElicitation,
} from './elicitation.ts';
import type { McpTaskPort } from './task-port.ts';

/** What happened to an answer that came back, and why it was refused. */
export interface AnswerReply {
  kind: 'recorded' | 'ignored' | 'declined' | 'refused';
  reason?: string | undefined;
}

/**
 * The questions this process is waiting on (elicitation id → who hears the reply), so a refused
 * answer (a reject without its comment) is asked again on the same stream with the reason. An
 * answer that reaches another instance is recorded there all the same; only the re-asking is lost.
 */
const waiting = new Map<string, (reply: AnswerReply) => void>();

/**
 * Takes a client's answer to an elicitation: checks the signed id, that it comes from the very
 * principal it was sent to, and records an accepted form as that principal's response through
 * the port (the one answer path). A decline, a cancel or a URL-mode accept records nothing (in
 * URL mode the person answers in the inbox). Never throws: a refused answer leaves the task as it was.
 */
export async function takeAnswer(
  port: McpTaskPort,
  ids: ElicitationIds,
  message: { id: unknown; result?: unknown; error?: unknown },
  onError?: (error: unknown) => void,
): Promise<AnswerReply> {
  const claims = ids.check(message.id);
  if (!claims) return { kind: 'ignored' };
  let reply: AnswerReply;
  try {
    reply = await take(port, claims, message);
  } catch (error) {
    onError?.(error);
    reply = { kind: 'refused', reason: error instanceof Error ? error.message : String(error) };
  }
  // Only the principal it was sent to may end the wait for it (else anyone could stop the asking).
  if (reply.reason !== 'someone else') waiting.get(message.id as string)?.(reply);
  return reply;
}

async function take(
  port: McpTaskPort,
  claims: ElicitationClaims,
  message: { result?: unknown; error?: unknown },
): Promise<AnswerReply> {
  const caller = await port.whoami();
  if (caller.principal !== claims.principal) return { kind: 'ignored', reason: 'someone else' };
  const parsed = ElicitResultSchema.safeParse(message.result);
  if (!parsed.success || parsed.data.action !== 'accept') return { kind: 'declined' };
  if (claims.mode === 'url') return { kind: 'ignored' };
  const task = await port.get(claims.taskId);
  if (task?.status !== 'pending') return { kind: 'ignored' };
  const input = answerFrom(task, parsed.data.content ?? {});
  if (typeof input === 'string') return { kind: 'refused', reason: `the form had ${input}` };
  await port.answer(task.id, input);
  return { kind: 'recorded' };
}

/** Where a question is asked: the server and request whose stream carries it, about which task, as whom. */
interface QuestionPlace {
  server: McpServer;
  port: McpTaskPort;
  task: Task;
  context: ElicitationContext;
  requestId: string | number;
  relatedTaskId?: string | undefined;
}

/** How often a refused answer is asked again before the client is left alone. */
const MAX_ASKS = 3;

/**
 * Asks the caller about `task` in their client, on the stream of request `requestId`, until they
 * answer, decline, or {@link ClientQuestion.finish} is called (the task ended, the client left).
 * An answer the task refuses (a reject without its comment) is asked again with the reason.
 */
export class ClientQuestion {
  readonly #stopped = new AbortController();
  #urlId: string | undefined;
  readonly #running: Promise<void>;
  readonly #ask: QuestionPlace;

  private constructor(first: { id: string; params: ElicitRequest['params'] }, ask: QuestionPlace) {
    this.#ask = ask;
    this.#running = this.#run(first).catch(() => {});
  }

  /** Starts asking, or returns `null` when the caller is not the one to ask (see {@link elicitationFor}). */
  static async start(ask: QuestionPlace): Promise<ClientQuestion | null> {
    const first = await elicitationFor(ask.port, ask.task, ask.context);
    return first ? new ClientQuestion(first, ask) : null;
  }

  async #run(first: { id: string; params: ElicitRequest['params'] }): Promise<void> {
    const { server, port, context, requestId, relatedTaskId } = this.#ask;
    let next: { id: string; params: ElicitRequest['params'] } | null = first;
    for (let asked = 0; next && asked < MAX_ASKS && !this.#stopped.signal.aborted; asked++) {
      const question = next;
      const reply = new Promise<AnswerReply>((resolve) => waiting.set(question.id, resolve));
      if (question.params.mode === 'url') this.#urlId = question.id;
      try {
        await sendElicitation(server, question, requestId, relatedTaskId);
        const answered = await untilStopped(reply, this.#stopped.signal);
        if (answered?.kind !== 'refused') return;
        const task = await port.get(this.#ask.task.id);
        next = task ? await elicitationFor(port, task, context) : null;
        if (next)
          next.params.message = `Not recorded: ${answered.reason ?? 'invalid'}.

${next.params.message}`;
      } finally {
        waiting.delete(question.id);
      }
    }
  }

  /** Stops asking; when the task `ended`, a URL-mode question is told it is over. */
  async finish(ended: boolean): Promise<void> {
    this.#stopped.abort();
    await this.#running;
    if (ended && this.#urlId) await completeElicitation(this.#ask.server, this.#urlId, this.#ask.requestId);
  }
}

function untilStopped<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  return untilAborted(promise, signal, undefined);
}

/** Whether a message is a client's response to one of Heed's elicitations. */
function isElicitationAnswer(message: JSONRPCMessage): message is JSONRPCMessage & { id: string } {
  const m = message as { id?: unknown; method?: unknown; result?: unknown; error?: unknown };
  return (
    typeof m.id === 'string' && m.id.startsWith(PREFIX) && m.method === undefined && ('result' in m || 'error' in m)
  );
}

/** The answer handler of each server made by `createHeedMcpServer`. */
export const answerHandlers = new WeakMap<
  McpServer,
  (message: { id: unknown; result?: unknown }) => Promise<unknown>
>();

/**
 * Connects Heed's MCP server to a transport, and routes the client's answers to Heed's
 * elicitations (JSON-RPC responses whose id Heed signed) to the answer path instead of the SDK's
 * response table: they may answer a request another connection, request or process sent.
 */
export async function connectHeedMcp(server: McpServer, transport: Transport): Promise<void> {
  await server.connect(transport);
  const handle = answerHandlers.get(server);
  const inner = transport.onmessage;
  transport.onmessage = (message, extra) => {
    if (handle && isElicitationAnswer(message)) {
      void handle(message);
      return;
    }
    inner?.(message, extra);
  };
}
