import type { UIMessageChunk } from 'ai';
import type { NameLookup } from '../human/principal-names.ts';
import type { Task } from '../human/types.ts';
import type { RunEvent } from '../store/store.ts';
import { taskCard } from './task-card.ts';

/** Reads a task as it is now (for its card). */
export type TaskReader = (id: string) => Promise<Task | undefined>;

interface Progress {
  step: string;
  seq: number;
  try: string;
  data: { type?: string; id?: string; [key: string]: unknown };
}

/** Chunk types a turn's steps and statuses may stream (anything else is ignored). */
const PASSED = new Set([
  'text-start',
  'text-delta',
  'text-end',
  'tool-input-available',
  'tool-output-available',
  'tool-output-denied',
  'tool-output-error',
]);

/**
 * Turns one turn run's event feed, read in order, into AI SDK UI message chunks (the body of the
 * turn's assistant message, without `start`/`finish`): streamed text and tool calls (step
 * progress), tool outcomes (`chat` statuses), a `tool-approval-request` (`approvalId` = the task
 * id) and a `data-task` card (who was asked; updated in place when decided) for each task the turn
 * asks, the `output` status as text for workflows that do not stream, and an `error` when the run
 * fails. Deterministic: the same events give the same chunks, so a replay matches what streamed.
 * One translator per stream (it remembers what it has seen).
 */
export class TurnTranslator {
  readonly #tasks: TaskReader;
  readonly #superseded: ReadonlySet<string>;
  readonly #names: NameLookup | undefined;
  readonly #open = new Set<string>();
  #streamedText = false;

  /**
   * `superseded`: tries of steps that a later try replaced (see {@link supersededTries});
   * `names`: the people directory's names for the task cards.
   */
  constructor(tasks: TaskReader, superseded: ReadonlySet<string> = new Set(), names?: NameLookup) {
    this.#tasks = tasks;
    this.#superseded = superseded;
    this.#names = names;
  }

  /** Whether, as of the events seen, the turn waits for a person (a task it asked is open). */
  get waitingForPerson(): boolean {
    return this.#open.size > 0;
  }

  /** The chunks of one event. */
  async translate(event: RunEvent): Promise<UIMessageChunk[]> {
    const data = (event.data ?? {}) as Record<string, unknown>;
    switch (event.type) {
      case 'progress':
        return this.#progress(data as unknown as Progress);
      case 'status':
        return this.#status(event.id, String(data.key), data.value);
      case 'task.created':
      case 'task.escalated':
      case 'task.ended': {
        const taskId = String(data.taskId);
        if (event.type === 'task.created') this.#open.add(taskId);
        if (event.type === 'task.ended') this.#open.delete(taskId);
        const task = await this.#tasks(taskId);
        if (!task) return [];
        const card = taskCard(task, this.#names);
        const chunks: UIMessageChunk[] = [{ type: 'data-task', id: taskId, data: card }];
        if (event.type === 'task.created' && card.kind === 'approval' && card.toolCallId) {
          chunks.push({ type: 'tool-approval-request', approvalId: taskId, toolCallId: card.toolCallId });
        }
        return chunks;
      }
      case 'run.failed':
        return [{ type: 'error', errorText: failureText(data.error) }];
      case 'run.cancelled':
        return [{ type: 'error', errorText: 'This turn was cancelled.' }];
      default:
        return [];
    }
  }

  #progress(progress: Progress): UIMessageChunk[] {
    const chunk = progress.data;
    if (!chunk || typeof chunk.type !== 'string' || !PASSED.has(chunk.type)) return [];
    if (this.#superseded.has(`${progress.seq}/${progress.try}`)) return [];
    if (chunk.type.startsWith('text-')) {
      this.#streamedText = true;
      // Text ids are the model's, per call: made unique per step and try.
      return [{ ...chunk, id: `${progress.seq}.${progress.try}.${chunk.id ?? ''}` } as UIMessageChunk];
    }
    return [chunk as UIMessageChunk];
  }

  #status(eventId: number, key: string, value: unknown): UIMessageChunk[] {
    if (
      key === 'chat' &&
      value &&
      typeof value === 'object' &&
      PASSED.has(String((value as { type?: unknown }).type))
    ) {
      return [value as UIMessageChunk];
    }
    if (key === 'output' && typeof value === 'string' && !this.#streamedText) {
      // A workflow that does not stream its text: what it says, whole.
      const id = `output.${eventId}`;
      return [
        { type: 'text-start', id },
        { type: 'text-delta', id, delta: value },
        { type: 'text-end', id },
      ];
    }
    return [];
  }
}

/**
 * The step tries, among `events`, that a later try of the same step replaced (a try cut short by a
 * crash or a retry): their streamed output is not part of the turn's message.
 */
export function supersededTries(events: readonly RunEvent[]): Set<string> {
  const tries = new Map<number, string[]>();
  for (const event of events) {
    if (event.type !== 'progress') continue;
    const { seq, try: attempt } = event.data as Progress;
    const list = tries.get(seq) ?? [];
    if (!list.includes(attempt)) list.push(attempt);
    tries.set(seq, list);
  }
  const superseded = new Set<string>();
  for (const [seq, list] of tries) for (const attempt of list.slice(0, -1)) superseded.add(`${seq}/${attempt}`);
  return superseded;
}

function failureText(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message ? `The agent failed: ${message}` : 'The agent failed.';
}
