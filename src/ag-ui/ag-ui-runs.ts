import { setTimeout as delay } from 'node:timers/promises';
import { type ContentPart, contentToText, EventType, type ResumeEntry } from '@ag-ui/core';
import type { Authorization, Caller } from '../authorization/authorization.ts';
import type { Chats } from '../chat/chats.ts';
import { ChatBusyError, ChatNotFoundError } from '../chat/errors.ts';
import { taskCard } from '../chat/task-card.ts';
import { DEFAULT_CHAT_AGENT, type TurnRecord } from '../chat/thread.ts';
import { HeedError } from '../errors.ts';
import type { Heed } from '../human/heed.ts';
import { listOfNames, type NameLookup } from '../human/principal-names.ts';
import type { Task } from '../human/types.ts';
import { InterruptPendingError, InvalidRunInputError, NothingToRunError } from './errors.ts';
import { interruptOf } from './interrupts.ts';
import { applyResume } from './resume.ts';
import { type AgUiSink, TASK_EVENT, TurnEventWriter } from './turn-events.ts';

/** Message ids and thread ids Heed keeps (they name runs): as `/v1/chat` takes them. */
export const AG_UI_ID = /^[A-Za-z0-9_-]{1,100}$/;

const ENDED = new Set(['succeeded', 'failed', 'cancelled']);

/** A `RunAgentInput` as the route validated it (only what Heed reads). */
export interface AgUiInput {
  threadId: string;
  runId: string;
  messages: { id: string; role: string; content?: unknown }[];
  state?: unknown;
  forwardedProps?: unknown;
  resume?: ResumeEntry[] | undefined;
}

export interface AgUiOptions {
  /** The agent workflow of a new thread when `forwardedProps.agent` names none (default: the chat's). */
  defaultAgent?: string | undefined;
  /** The people directory's names, for what the stream says. */
  names?: NameLookup | undefined;
}

/**
 * The AG-UI surface (DESIGN.md "Ecosystem surfaces"): an AG-UI thread is a Heed chat thread
 * (`Chats`: one durable thread run, a child run per turn, the same owner rules as `/v1/chat`), and
 * a run's events are the turn's, translated (`turn-events.ts`). A user message starts a turn; a
 * turn that waits for people ends the run with `RUN_FINISHED` whose outcome is an interrupt per
 * open Heed task (`interrupts.ts`: id = task id, `expiresAt` = its deadline); the next run's
 * `resume` answers them as the caller (`resume.ts`) and streams what follows. Protocol errors
 * (a resume missing an interrupt, a new message while interrupts are open, a stale resume, an
 * invalid payload) end the run with `RUN_ERROR` and change nothing.
 */
export class AgUiRuns {
  readonly #heed: Heed;
  readonly #chats: Chats;
  readonly #authorization: Authorization;
  readonly #options: AgUiOptions;

  constructor(heed: Heed, chats: Chats, authorization: Authorization, options: AgUiOptions = {}) {
    this.#heed = heed;
    this.#chats = chats;
    this.#authorization = authorization;
    this.#options = options;
  }

  /**
   * What is checked before the stream starts (HTTP errors): the thread, if it exists, is the
   * caller's (else not found, its existence not told); a new thread's agent is one the caller may
   * start (the rule of `POST /v1/runs`); a new user message has an id Heed can keep and text.
   * @throws ChatNotFoundError, UnknownWorkflowError, ForbiddenError, InvalidRunInputError
   */
  async admit(caller: Caller, input: AgUiInput): Promise<void> {
    const last = input.messages.at(-1);
    if (last?.role === 'user' && !input.resume?.length) userText(last);
    const thread = await this.#chats.thread(input.threadId);
    if (thread) {
      this.#authorization.requireChatThread(caller, thread, () => new ChatNotFoundError());
      return;
    }
    if (last?.role !== 'user' || input.resume?.length) throw new ChatNotFoundError(`No thread ${input.threadId}`);
    this.#authorization.requireChatTurn(caller, this.#agentOf(input));
  }

  /**
   * One AG-UI run, written to `sink`: `RUN_STARTED`, the turn's events, then `RUN_FINISHED`
   * (outcome `success`, `interrupt` or `cancelled`) or `RUN_ERROR`. Stops quietly when `signal`
   * aborts (the client left; the turn goes on durably). Call {@link admit} first.
   */
  async run(caller: Caller, input: AgUiInput, sink: AgUiSink, signal: AbortSignal): Promise<void> {
    const { threadId, runId } = input;
    sink.emit({ type: EventType.RUN_STARTED, threadId, runId });
    try {
      if (input.resume && input.resume.length > 0) {
        const outcome = await applyResume(
          { heed: this.#heed, chats: this.#chats, authorization: this.#authorization, names: this.#options.names },
          caller,
          threadId,
          input.resume,
        );
        if (outcome.kind === 'refused') {
          this.#sayRefused(sink, outcome.task, outcome.message);
          await this.#finishWaiting(input, outcome.turn, sink, signal, outcome.task);
          return;
        }
        await this.#stream(input, outcome.turn, sink, signal, outcome.afterTask);
        return;
      }
      const last = input.messages.at(-1);
      if (last?.role !== 'user') {
        const active = await this.#chats.activeTurn(threadId);
        const open = active ? await this.#openTasks(active) : [];
        if (open.length > 0) throw new InterruptPendingError(this.#waitingMessage(open));
        throw new NothingToRunError();
      }
      const turn = await this.#submit(caller, input, last);
      await this.#stream(input, turn, sink, signal);
    } catch (error) {
      if (signal.aborted) return;
      if (!(error instanceof HeedError)) console.error('[heed] AG-UI run failed', error);
      sink.emit({
        type: EventType.RUN_ERROR,
        code: error instanceof HeedError ? error.code : 'INTERNAL',
        message: error instanceof HeedError ? error.message : 'The run failed.',
      });
    }
  }

  #agentOf(input: AgUiInput): string {
    const props = input.forwardedProps as { agent?: unknown } | undefined;
    const named = typeof props?.agent === 'string' ? props.agent : undefined;
    return named ?? this.#options.defaultAgent ?? DEFAULT_CHAT_AGENT;
  }

  /** Starts the turn of the person's message (a repeated message id is the same turn). */
  async #submit(caller: Caller, input: AgUiInput, last: AgUiInput['messages'][number]): Promise<TurnRecord> {
    const text = userText(last);
    if (!(await this.#chats.thread(input.threadId))) {
      const agent = this.#agentOf(input);
      this.#authorization.requireChatTurn(caller, agent);
      await this.#chats.open(input.threadId, agent, caller.principal);
    }
    try {
      return await this.#chats.submit(
        input.threadId,
        { id: last.id, role: 'user', parts: [{ type: 'text', text }] },
        text,
      );
    } catch (error) {
      // Rule 4: a thread with open interrupts takes a resume, not new input.
      const active = error instanceof ChatBusyError ? await this.#chats.activeTurn(input.threadId) : undefined;
      const open = active ? await this.#openTasks(active) : [];
      if (open.length > 0) throw new InterruptPendingError(this.#waitingMessage(open));
      throw error;
    }
  }

  /**
   * Streams `turn` (from its start, or what follows `afterTask`) until it ends or waits for
   * people, then finishes the run. A task decided between the stream's stop and the check is not
   * an interrupt: the stream goes on after it.
   */
  async #stream(
    input: AgUiInput,
    turn: TurnRecord,
    sink: AgUiSink,
    signal: AbortSignal,
    afterTask?: string,
  ): Promise<void> {
    const writer = new TurnEventWriter(sink, turn.messageId);
    let after = afterTask;
    for (;;) {
      await this.#chats.stream(turn, writer, { ...(after ? { afterTask: after } : {}), signal });
      if (signal.aborted) return;
      writer.closeOpen();
      const run = await this.#heed.runs.get(turn.runId);
      if (run && ENDED.has(run.status)) {
        if (run.status === 'failed') {
          sink.emit({ type: EventType.RUN_ERROR, code: 'TURN_FAILED', message: writer.error ?? 'The agent failed.' });
          return;
        }
        this.#snapshot(input, turn, sink, run.status, []);
        const reply = (run.output as { reply?: unknown } | null)?.reply;
        sink.emit({
          type: EventType.RUN_FINISHED,
          threadId: input.threadId,
          runId: input.runId,
          ...(run.status === 'cancelled'
            ? { outcome: { type: 'cancelled' as const } }
            : {
                outcome: { type: 'success' as const },
                result: { heedRunId: turn.runId, ...(typeof reply === 'string' ? { reply } : {}) },
              }),
        });
        return;
      }
      // The chat stream stops at the first task; a turn that asks several at once (Promise.all)
      // may still be writing the others. Their interrupts are listed once the run has suspended.
      await this.#suspended(turn.runId, signal);
      const open = await this.#openTasks(turn);
      if (open.length > 0) {
        this.#finishInterrupted(input, turn, sink, open);
        return;
      }
      after = writer.tasks.at(-1) ?? after;
    }
  }

  /**
   * Ends a run whose turn still waits (after a refusal): the interrupts again; or, when the task
   * was decided meanwhile by someone who may, what the turn did next.
   */
  async #finishWaiting(input: AgUiInput, turn: TurnRecord, sink: AgUiSink, signal: AbortSignal, task: Task) {
    const open = await this.#openTasks(turn);
    if (open.length > 0) this.#finishInterrupted(input, turn, sink, open);
    else await this.#stream(input, turn, sink, signal, task.id);
  }

  #finishInterrupted(input: AgUiInput, turn: TurnRecord, sink: AgUiSink, open: Task[]): void {
    this.#snapshot(input, turn, sink, 'waiting', open);
    sink.emit({
      type: EventType.RUN_FINISHED,
      threadId: input.threadId,
      runId: input.runId,
      outcome: { type: 'interrupt', interrupts: open.map((t) => interruptOf(t, this.#options.names)) },
    });
  }

  /** The state at the end of the run: the client's, with `heed` saying what the turn is doing. */
  #snapshot(input: AgUiInput, turn: TurnRecord, sink: AgUiSink, status: string, open: Task[]): void {
    const own = input.state && typeof input.state === 'object' && !Array.isArray(input.state) ? input.state : {};
    sink.emit({
      type: EventType.STATE_SNAPSHOT,
      snapshot: {
        ...own,
        heed: {
          threadId: input.threadId,
          turnRunId: turn.runId,
          status,
          waitingFor: open.map((t) => taskCard(t, this.#options.names)),
        },
      },
    });
  }

  /** The stream says, in words and as a card, who was asked, to a person who may not answer. */
  #sayRefused(sink: AgUiSink, task: Task, message: string): void {
    const messageId = `refused.${task.id}.${this.#heed.clock.now()}`;
    sink.emit({ type: EventType.CUSTOM, name: TASK_EVENT, value: taskCard(task, this.#options.names) });
    sink.emit({
      type: EventType.CUSTOM,
      name: 'heed.refused',
      value: { taskId: task.id, message, asked: task.assignees.map((a) => a.principal) },
    });
    sink.emit({ type: EventType.TEXT_MESSAGE_START, messageId, role: 'assistant' });
    sink.emit({ type: EventType.TEXT_MESSAGE_CONTENT, messageId, delta: message });
    sink.emit({ type: EventType.TEXT_MESSAGE_END, messageId });
  }

  /**
   * Waits (at most ~5 s, reading the run every 20 ms) until the run is no longer executing: it
   * waits, ended, or was handed back. Past that, the tasks open so far are listed.
   */
  async #suspended(runId: string, signal: AbortSignal): Promise<void> {
    for (let i = 0; i < 250 && !signal.aborted; i++) {
      const run = await this.#heed.runs.get(runId);
      if (run?.status !== 'running') return;
      await delay(20);
    }
  }

  async #openTasks(turn: TurnRecord): Promise<Task[]> {
    const page = await this.#heed.tasks.list({ status: 'pending', askedBy: turn.runId, limit: 100 });
    return [...page.items].sort((a, b) => a.createdAt - b.createdAt);
  }

  #waitingMessage(open: Task[]): string {
    const asked = open.flatMap((t) => t.assignees.map((a) => a.principal));
    const who = asked.length > 0 ? listOfNames(asked, 'or', this.#options.names) : 'someone';
    const what = open.map((t) => `"${t.title}" (${t.id})`).join(', ');
    return `This thread waits for ${who} to decide on ${what}: resume every open interrupt first.`;
  }
}

/**
 * The text of a user message Heed can take as a turn.
 * @throws InvalidRunInputError (an id Heed cannot keep, no text, over 20,000 characters)
 */
function userText(message: AgUiInput['messages'][number]): string {
  if (!AG_UI_ID.test(message.id)) {
    throw new InvalidRunInputError('The user message id must be 1 to 100 letters, digits, _ or -');
  }
  const text = contentToText(message.content as string | ContentPart[] | undefined).trim();
  if (!text) throw new InvalidRunInputError('The user message has no text');
  if (text.length > 20_000) throw new InvalidRunInputError('The user message is over 20,000 characters');
  return text;
}
