import { isToolUIPart, readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import { HeedError, TaskAlreadyResolvedError } from '../errors.ts';
import type { Heed } from '../human/heed.ts';
import { listOfNames, type NameLookup } from '../human/principal-names.ts';
import type { ResponseInput, Task } from '../human/types.ts';
import type { RunEvent } from '../store/store.ts';
import { ChatBusyError, ChatNotFoundError, ChatNotLatestError } from './errors.ts';
import { taskCard } from './task-card.ts';
import {
  CHAT_THREAD_WORKFLOW,
  registerChatThreads,
  type ThreadInput,
  type TurnRecord,
  type TurnRequest,
  threadRunId,
} from './thread.ts';
import { supersededTries, TurnTranslator } from './turn-stream.ts';

const ENDED = new Set(['succeeded', 'failed', 'cancelled']);

/** Tells a follower that a run has news (the server's event hub). */
export interface RunNews {
  /** Watches `runId`: `wait` resolves `true` on news since the watch or the last wait, `false` after `timeoutMs`. */
  watch(runId: string): { wait(timeoutMs: number): Promise<boolean>; close(): void };
}

/** Where a stream writes its chunks. */
export interface ChunkWriter {
  write(chunk: UIMessageChunk): void;
}

/** A thread as its owner sees it. */
export interface ChatThread {
  id: string;
  agent: string;
  owner: string;
  createdAt: number;
  updatedAt: number;
}

/** An approval answered from the chat (the AI SDK's `approval-responded` tool part). */
export interface ApprovalAnswer {
  /** The Heed task id (`approvalId`). */
  id: string;
  approved: boolean;
  reason?: string | undefined;
}

/** Who answers a chat's approvals, and how: the route's one answer path (`Authorization.answer`, via `chat`). */
export interface ChatAnswerer {
  principal: string;
  respond(taskId: string, input: ResponseInput): Promise<unknown>;
}

/** What came of an approval answered from the chat. */
export type AnswerResult = { accepted: true } | { accepted: false; task: Task; message: string };

/**
 * Chats as durable threads (DESIGN.md "Ecosystem surfaces", AI SDK UI): one thread run per chat
 * id (see `thread.ts`), one child run per turn, and the AI SDK UI message chunks of each turn
 * derived from its run's event feed (`turn-stream.ts`), so that a live stream, a resumed stream
 * and a reloaded history say the same thing. Authorization is the caller's business (the HTTP
 * routes); this class answers approvals through the answerer it is given.
 */
export class Chats {
  readonly #heed: Heed;
  readonly #news: RunNews;
  /** The people directory's names (config `people`). */
  readonly names: NameLookup | undefined;

  constructor(heed: Heed, news: RunNews, names?: NameLookup) {
    this.#heed = heed;
    this.#news = news;
    this.names = names;
    registerChatThreads(heed);
  }

  /** The thread of `chatId`, if it was ever started. */
  async thread(chatId: string): Promise<ChatThread | undefined> {
    const run = await this.#heed.runs.get(threadRunId(chatId));
    if (!run || run.workflow !== CHAT_THREAD_WORKFLOW) return undefined;
    const input = run.input as ThreadInput;
    return { id: chatId, agent: input.agent, owner: input.owner, createdAt: run.createdAt, updatedAt: run.updatedAt };
  }

  /** The threads `owner` started (every thread when `owner` is undefined), newest first. */
  async threads(owner: string | undefined, limit = 50): Promise<(ChatThread & { title: string })[]> {
    const found: (ChatThread & { title: string })[] = [];
    for (let cursor: string | undefined; found.length < limit; ) {
      const page = await this.#heed.runs.list({ workflow: CHAT_THREAD_WORKFLOW, limit: 200, cursor });
      for (const run of page.items) {
        const input = run.input as ThreadInput;
        if (owner !== undefined && input.owner !== owner) continue;
        const first = (await this.turns(input.chatId))[0];
        found.push({
          id: input.chatId,
          agent: input.agent,
          owner: input.owner,
          createdAt: run.createdAt,
          updatedAt: run.updatedAt,
          title: first?.text ?? 'New chat',
        });
        if (found.length >= limit) break;
      }
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    return found;
  }

  /** Starts the thread (idempotent: an existing thread is returned as it is). */
  async open(chatId: string, agent: string, owner: string): Promise<ChatThread> {
    const input: ThreadInput = { chatId, agent, owner };
    // The owner initiates the thread, so its turns (child runs) act for the owner too: their
    // approvals have the owner as requester, and the owner may never approve them (four-eyes).
    await this.#heed.startWorkflow(CHAT_THREAD_WORKFLOW, input, {
      id: threadRunId(chatId),
      ...(owner === 'system' ? {} : { initiator: owner }),
    });
    return (await this.thread(chatId)) as ChatThread;
  }

  /** The thread's turns, in order, replaced ones (regenerated replies) included. */
  async turns(chatId: string): Promise<TurnRecord[]> {
    return (await this.#heed.statusHistory(threadRunId(chatId), 'turn')).map((s) => s.value as TurnRecord);
  }

  /** The turns the conversation shows: without those whose reply was regenerated. */
  async conversation(chatId: string): Promise<TurnRecord[]> {
    const turns = await this.turns(chatId);
    const replaced = new Set(turns.flatMap((t) => (t.replaces === undefined ? [] : [t.replaces])));
    return turns.filter((t) => !replaced.has(t.runId));
  }

  /** The turn still going on (running, or waiting for a person), if any. */
  async activeTurn(chatId: string): Promise<TurnRecord | undefined> {
    const last = (await this.turns(chatId)).at(-1);
    if (!last) return undefined;
    const run = await this.#heed.runs.get(last.runId);
    return run && ENDED.has(run.status) ? undefined : last;
  }

  /**
   * Asks the thread for a turn on the person's message. A repeated message id is the same turn.
   * @throws ChatBusyError while the previous turn is still going on (e.g. waits for an approval).
   */
  async submit(chatId: string, user: UIMessage, text: string): Promise<TurnRecord> {
    const turns = await this.conversation(chatId);
    const same = turns.findLast((t) => t.user.id === user.id);
    if (same) return same;
    const active = await this.activeTurn(chatId);
    if (active) throw new ChatBusyError(await this.#busyMessage(active));
    const request: TurnRequest = {
      runId: `${threadRunId(chatId)}:${user.id}`,
      messageId: `reply-${user.id}`,
      user: { id: user.id, role: 'user', parts: [{ type: 'text', text }] },
      text,
    };
    await this.#heed.send(threadRunId(chatId), 'turn', request, { idempotencyKey: user.id });
    return request;
  }

  /**
   * Asks the thread for a new reply to the person's latest message `userMessageId`, in place of
   * the one it had (the AI SDK's `regenerate()`, trigger `regenerate-message`): the agent runs the
   * message again, seeing the conversation as it was before the replaced reply, under a new
   * message id; the conversation (and a reload) shows the new reply only. Tools the agent calls
   * run again (approvals are asked again). `replyId`, when given, must be that latest reply's id.
   * @throws ChatNotFoundError (no such message in this chat), ChatNotLatestError (not the latest
   *   message, or another reply), ChatBusyError (its turn is still going on).
   */
  async regenerate(chatId: string, userMessageId: string, replyId?: string): Promise<TurnRecord> {
    const all = await this.turns(chatId);
    const shown = await this.conversation(chatId);
    const latest = shown.at(-1);
    if (!shown.some((t) => t.user.id === userMessageId)) {
      throw new ChatNotFoundError(`No message ${userMessageId} in this chat`);
    }
    if (!latest || latest.user.id !== userMessageId || (replyId !== undefined && replyId !== latest.messageId)) {
      throw new ChatNotLatestError();
    }
    const active = await this.activeTurn(chatId);
    if (active) throw new ChatBusyError(await this.#busyMessage(active));
    const again = all.filter((t) => t.user.id === userMessageId).length;
    const request: TurnRequest = {
      runId: `${threadRunId(chatId)}:${userMessageId}:${again}`,
      messageId: `reply-${userMessageId}-${again}`,
      user: latest.user,
      text: latest.text,
      replaces: latest.runId,
    };
    await this.#heed.send(threadRunId(chatId), 'turn', request, { idempotencyKey: `${userMessageId}:${again}` });
    return request;
  }

  /** The conversation as UI messages: each turn's message and the agent's reply so far. */
  async messages(chatId: string): Promise<UIMessage[]> {
    const messages: UIMessage[] = [];
    for (const turn of await this.conversation(chatId)) {
      messages.push(turn.user);
      const chunks: UIMessageChunk[] = [];
      await this.stream(turn, { write: (c) => chunks.push(c) }, { follow: false });
      let reply: UIMessage | undefined;
      const stream = new ReadableStream<UIMessageChunk>({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(chunk);
          controller.close();
        },
      });
      for await (const message of readUIMessageStream<UIMessage>({ stream })) reply = message;
      if (reply && reply.parts.length > 0) messages.push(withDecisions(reply));
    }
    return messages;
  }

  /**
   * Answers the task of an approval as `answerer.principal` through `answerer.respond` (the
   * route's one answer path, `Authorization.answer`, via `chat`), if the task belongs to this chat.
   * A task already decided is not an error (the stream shows the decision); a person who may not
   * answer (or see) it gets `accepted: false` and a message saying who was asked.
   * @throws ChatNotFoundError when the task is not one of this chat's.
   */
  async answer(chatId: string, answer: ApprovalAnswer, answerer: ChatAnswerer): Promise<AnswerResult> {
    const { principal } = answerer;
    const task = await this.#heed.tasks.get(answer.id);
    const turns = await this.turns(chatId);
    if (!task || !turns.some((t) => t.runId === task.runId)) {
      throw new ChatNotFoundError(`No approval ${answer.id} in this chat`);
    }
    if (task.status !== 'pending') return { accepted: true };
    const outcome = answer.approved ? 'approve' : 'reject';
    const comment = answer.reason?.trim() || (answer.approved ? undefined : 'Rejected in the chat (no reason given).');
    try {
      await answerer.respond(task.id, { outcome, ...(comment ? { comment } : {}) });
      return { accepted: true };
    } catch (error) {
      if (error instanceof TaskAlreadyResolvedError) return { accepted: true };
      if (error instanceof HeedError && REFUSALS.has(error.code)) {
        return { accepted: false, task, message: refusalMessage(task, principal, this.names) };
      }
      throw error;
    }
  }

  /**
   * Writes a turn's assistant message as UI message chunks: `start` (its message id), the chunks
   * of its events, then `finish` once the turn has ended or waits for a person. `afterTask`: only
   * what follows that task's request (the continuation after an approval). `follow: false` writes
   * what is there now and stops. Stops without `finish` when `signal` aborts (the client left).
   */
  async stream(
    turn: TurnRecord,
    writer: ChunkWriter,
    options: { afterTask?: string; follow?: boolean; signal?: AbortSignal } = {},
  ): Promise<void> {
    const { signal } = options;
    const heed = this.#heed;
    writer.write({ type: 'start', messageId: turn.messageId });
    const aborted = new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
    let translator: TurnTranslator | undefined;
    let emitting = options.afterTask === undefined;
    let last = 0;
    // Watch before the first read: news written between a read and the wait is kept in the watch.
    const watch = options.follow === false ? undefined : this.#news.watch(turn.runId);
    try {
      for (;;) {
        const run = await heed.runs.get(turn.runId);
        const ended = run !== undefined && ENDED.has(run.status);
        const events = await this.#eventsAfter(turn.runId, last);
        translator ??= new TurnTranslator((id) => heed.tasks.get(id), supersededTries(events), this.names);
        for (const event of events) {
          last = event.id;
          const chunks = await translator.translate(event);
          if (emitting) for (const chunk of chunks) writer.write(chunk);
          if (
            !emitting &&
            event.type === 'task.created' &&
            (event.data as { taskId?: string }).taskId === options.afterTask
          ) {
            emitting = true;
          }
        }
        if (signal?.aborted) return;
        if (ended || translator.waitingForPerson || options.follow === false) break;
        await Promise.race([watch?.wait(15_000), aborted]);
        if (signal?.aborted) return;
      }
    } finally {
      watch?.close();
    }
    writer.write({ type: 'finish' });
  }

  async #eventsAfter(runId: string, after: number): Promise<RunEvent[]> {
    const all: RunEvent[] = [];
    for (let from = after; ; ) {
      const page = await this.#heed.feeds.runEvents(from, 500, runId);
      all.push(...page);
      if (page.length < 500) return all;
      from = page.at(-1)?.id ?? from;
    }
  }

  async #busyMessage(turn: TurnRecord): Promise<string> {
    // The turn's own open tasks (an indexed lookup by asker), however many others are pending.
    const [task] = (await this.#heed.tasks.list({ status: 'pending', askedBy: turn.runId, limit: 1 })).items;
    if (!task) return 'The agent is still answering your last message: wait for it to finish.';
    const card = taskCard(task, this.names);
    const who =
      card.asked.length > 0
        ? listOfNames(
            card.asked.map((p) => p.principal),
            'or',
            this.names,
          )
        : 'someone';
    return `This chat is waiting for ${who} to decide on "${task.title}". Once that is decided, the agent goes on and you can write again.`;
  }
}

/**
 * Approvals decided outside the chat (the inbox, Slack, a deadline) leave the tool part's
 * `approval` without `approved`; the AI SDK's message schema wants it on a decided part, so a
 * reloaded message carries it (and the reason), as if answered in the chat.
 */
function withDecisions(message: UIMessage): UIMessage {
  const cards = new Map<string, { state: string; comment: string | null }>();
  for (const part of message.parts) {
    if (part.type === 'data-task') {
      const card = part.data as { taskId: string; state: string; comment: string | null };
      cards.set(card.taskId, card);
    }
  }
  const parts = message.parts.map((part) => {
    if (
      !isToolUIPart(part) ||
      !part.approval ||
      !['output-available', 'output-error', 'output-denied'].includes(part.state)
    ) {
      return part;
    }
    const card = cards.get(part.approval.id);
    const approved = part.state !== 'output-denied';
    const reason = approved ? undefined : (card?.comment ?? undefined);
    return { ...part, approval: { ...part.approval, approved, ...(reason ? { reason } : {}) } } as typeof part;
  });
  return { ...message, parts };
}

/** Response errors that mean "not yours to answer". */
export const REFUSALS = new Set(['TASK_FORBIDDEN', 'TASK_NOT_FOUND', 'INVALID_PRINCIPAL']);

/** Says who was asked, in words, to a person who may not answer (the chat's, and AG-UI's, refusal). */
export function refusalMessage(task: Task, principal: string, names: NameLookup | undefined): string {
  const asked = task.assignees.map((a) => a.principal);
  const own = task.requester === principal;
  const who = asked.length > 0 ? listOfNames(asked, 'or', names) : 'someone other than you';
  if (principal === 'system')
    return `Sign in to answer. ${capitalized(who)} ${asked.length > 1 ? 'were' : 'was'} asked to decide.`;
  return own
    ? `You asked for this, so you cannot approve it yourself: ${who} ${asked.length > 1 ? 'were' : 'was'} asked to decide.`
    : `This is not yours to decide: ${who} ${asked.length > 1 ? 'were' : 'was'} asked.`;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
