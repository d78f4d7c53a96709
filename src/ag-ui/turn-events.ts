import { type AGUIEvent, EventType } from '@ag-ui/core';
import type { UIMessageChunk } from 'ai';
import type { ChunkWriter } from '../chat/chats.ts';
import type { TaskCard } from '../chat/task-card.ts';

/** Where a run's AG-UI events go (the SSE response). */
export interface AgUiSink {
  emit(event: AGUIEvent): void;
}

/** The name of the CUSTOM event that carries a task's card (who was asked; who decided, how). */
export const TASK_EVENT = 'heed.task';

/**
 * Turns the AI SDK UI message chunks a chat turn streams (see `Chats.stream` and
 * `chat/turn-stream.ts`: the one translation of a turn's run events) into AG-UI events:
 * `text-*` → `TEXT_MESSAGE_START/CONTENT/END` (one message per model text, ids unique per step
 * and try), `tool-input-available` → `TOOL_CALL_START/ARGS/END`, `tool-output-*` →
 * `TOOL_CALL_RESULT` (JSON content; a denial says who decided and why), `data-task` → a
 * `CUSTOM` event `heed.task` with the task's card. `start`, `finish` and approval requests are
 * the caller's business (RUN_STARTED, RUN_FINISHED and its interrupts); an `error` is kept for
 * the caller to end the run with. One writer per stream of one turn.
 */
export class TurnEventWriter implements ChunkWriter {
  readonly #sink: AgUiSink;
  readonly #prefix: string;
  readonly #openText = new Set<string>();
  readonly #cards = new Map<string, TaskCard>();
  /** Task ids in the order the stream first showed them. */
  readonly tasks: string[] = [];
  /** The error text of a turn that failed or was cancelled. */
  error: string | undefined;

  /** `prefix`: the turn's assistant message id, which makes text message ids unique in the thread. */
  constructor(sink: AgUiSink, prefix: string) {
    this.#sink = sink;
    this.#prefix = prefix;
  }

  write(chunk: UIMessageChunk): void {
    const emit = (event: AGUIEvent) => this.#sink.emit(event);
    switch (chunk.type) {
      case 'text-start': {
        const messageId = this.#textId(chunk.id);
        this.#openText.add(messageId);
        emit({ type: EventType.TEXT_MESSAGE_START, messageId, role: 'assistant' });
        return;
      }
      case 'text-delta': {
        const messageId = this.#textId(chunk.id);
        if (!this.#openText.has(messageId) || !chunk.delta) return;
        emit({ type: EventType.TEXT_MESSAGE_CONTENT, messageId, delta: chunk.delta });
        return;
      }
      case 'text-end': {
        const messageId = this.#textId(chunk.id);
        if (!this.#openText.delete(messageId)) return;
        emit({ type: EventType.TEXT_MESSAGE_END, messageId });
        return;
      }
      case 'tool-input-available': {
        const { toolCallId, toolName, title } = chunk;
        emit({
          type: EventType.TOOL_CALL_START,
          toolCallId,
          toolCallName: toolName,
          ...(title ? { metadata: { title } } : {}),
        });
        emit({ type: EventType.TOOL_CALL_ARGS, toolCallId, delta: JSON.stringify(chunk.input ?? {}) });
        emit({ type: EventType.TOOL_CALL_END, toolCallId });
        return;
      }
      case 'tool-output-available':
        this.#result(chunk.toolCallId, chunk.output ?? null);
        return;
      case 'tool-output-error':
        this.#result(chunk.toolCallId, { error: chunk.errorText });
        return;
      case 'tool-output-denied': {
        const card = this.#cards.get(chunk.toolCallId);
        this.#result(chunk.toolCallId, {
          denied: true,
          ...(card
            ? {
                state: card.state,
                decidedBy: card.decidedBy?.principal ?? null,
                via: card.via,
                reason: card.comment,
              }
            : {}),
        });
        return;
      }
      case 'data-task': {
        const card = chunk.data as TaskCard;
        if (!this.tasks.includes(card.taskId)) this.tasks.push(card.taskId);
        if (card.toolCallId) this.#cards.set(card.toolCallId, card);
        emit({ type: EventType.CUSTOM, name: TASK_EVENT, value: card });
        return;
      }
      case 'error':
        this.error = chunk.errorText;
        return;
      default:
        return;
    }
  }

  /** Ends the text messages still open (a try cut short): a run may not finish with one open. */
  closeOpen(): void {
    for (const messageId of this.#openText) this.#sink.emit({ type: EventType.TEXT_MESSAGE_END, messageId });
    this.#openText.clear();
  }

  #textId(id: string): string {
    return `${this.#prefix}.${id}`;
  }

  #result(toolCallId: string, output: unknown): void {
    this.#sink.emit({
      type: EventType.TOOL_CALL_RESULT,
      messageId: `${toolCallId}.result`,
      toolCallId,
      role: 'tool',
      content: JSON.stringify(output),
    });
  }
}
