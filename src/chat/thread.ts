import type { ModelMessage, UIMessage } from 'ai';
import type { ChatTurnInput } from '../agent/types.ts';
import type { Heed } from '../human/heed.ts';
import { internalRunId } from '../run-ids.ts';

/** The workflow that holds every chat thread (internal: reached only through `/v1/chat`). */
export const CHAT_THREAD_WORKFLOW = 'heed.chat';

/** The agent workflow of a new thread (`/v1/chat`, `/v1/ag-ui`) when the request names none. */
export const DEFAULT_CHAT_AGENT = 'banking';

/** A thread's run id: `chat:<chat id>`. */
export function threadRunId(chatId: string): string {
  return internalRunId('chat', chatId);
}

/** What a thread is started with. */
export interface ThreadInput {
  chatId: string;
  /** The agent workflow each turn runs. */
  agent: string;
  /** The principal whose chat this is. */
  owner: string;
}

/** A turn asked of a thread (the message sent to its `turn` mailbox). */
export interface TurnRequest {
  /** The turn's run id (a child of the thread). */
  runId: string;
  /** The assistant message id the turn streams under (server-assigned). */
  messageId: string;
  /** The person's message, as the UI shows it. */
  user: UIMessage;
  /** Its text, for the model. */
  text: string;
  /**
   * A regenerated reply: the run id of the turn whose reply this one replaces (the same message
   * asked again; the model sees the conversation as it was before that turn).
   */
  replaces?: string;
}

/** A turn as the thread publishes it (status `turn`, one entry per turn, in order). */
export type TurnRecord = TurnRequest;

/**
 * Registers the chat thread workflow (once per engine; a no-op when it is registered). A thread is
 * one durable run per chat: it takes turns from its `turn` mailbox in order, publishes each as a
 * `turn` status (the thread's history index), runs it as a child run of the thread's agent
 * workflow with the conversation so far (`ChatTurnInput`), and keeps the `messages` the turn
 * returns as the memory of the next one. It waits between turns like any run: no memory, no
 * worker; any process continues it. A turn that fails leaves the memory with the person's message
 * only. A turn that `replaces` another (a regenerated reply) starts from the memory that turn had.
 */
export function registerChatThreads(heed: Heed): void {
  if (heed.hasWorkflow(CHAT_THREAD_WORKFLOW)) return;
  heed.workflow(
    CHAT_THREAD_WORKFLOW,
    async (ctx, input: ThreadInput) => {
      let memory: ModelMessage[] = [];
      // The memory before each turn (by run id), for a turn that regenerates it. Rebuilt on replay.
      const before = new Map<string, ModelMessage[]>();
      for (;;) {
        const turn = await ctx.recv<TurnRequest>('turn');
        if (!turn) continue;
        if (turn.replaces !== undefined) memory = before.get(turn.replaces) ?? memory;
        before.set(turn.runId, memory);
        await ctx.setStatus('turn', turn satisfies TurnRecord);
        const turnInput: ChatTurnInput = {
          message: turn.text,
          messages: memory,
          user: input.owner,
          chatId: input.chatId,
        };
        const child = await ctx.start<ChatTurnInput, { reply?: unknown; messages?: unknown }>(
          { name: input.agent },
          turnInput,
          { id: turn.runId },
        );
        const asked: ModelMessage = { role: 'user', content: turn.text };
        try {
          const output = await child.result();
          if (Array.isArray(output?.messages)) memory = output.messages as ModelMessage[];
          else {
            const reply = typeof output?.reply === 'string' ? output.reply : '';
            memory = [...memory, asked, ...(reply ? [{ role: 'assistant' as const, content: reply }] : [])];
          }
        } catch {
          memory = [...memory, asked];
        }
      }
    },
    { internal: true },
  );
}
