import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import {
  createUIMessageStream,
  createUIMessageStreamResponse,
  isToolUIPart,
  safeValidateUIMessages,
  type UIMessage,
} from 'ai';
import { ChatNotFoundError } from '../../chat/errors.ts';
import { type ChatThread, Chats, type ChunkWriter } from '../../chat/chats.ts';
import { taskCard } from '../../chat/task-card.ts';
import { DEFAULT_CHAT_AGENT } from '../../chat/thread.ts';
import type { Authorization } from '../../authorization/authorization.ts';
import type { Heed } from '../../human/heed.ts';
import type { NameLookup } from '../../human/principal-names.ts';
import type { AuthEnv, Caller } from '../auth.ts';
import { HttpError } from '../errors.ts';
import type { EventHub } from '../event-hub.ts';
import { errors, json } from '../schemas.ts';

const tag = ['Chat'];
const CHAT_ID = /^[A-Za-z0-9_-]{1,100}$/;

const ChatIdParam = z.object({
  id: z
    .string()
    .regex(CHAT_ID, 'must be 1 to 100 letters, digits, _ or -')
    .openapi({ param: { name: 'id', in: 'path' }, example: 'k3Xf9cQ2' }),
});

const ChatRequest = z
  .looseObject({
    id: z.string().regex(CHAT_ID, 'must be 1 to 100 letters, digits, _ or -').openapi({
      description: 'The chat (a durable thread); a new id starts a thread',
    }),
    messages: z.array(z.unknown()).min(1).max(10_000).openapi({
      description:
        'The UI messages (AI SDK `UIMessage`). Only the last one is read: a user message starts a turn; an assistant message with `approval-responded` tool parts answers those approvals',
    }),
    trigger: z.enum(['submit-message', 'regenerate-message']).optional().openapi({
      description:
        "`regenerate-message` (the AI SDK `regenerate()`): the last message is the person's latest, whose reply is redone under a new message id",
    }),
    messageId: z.string().optional().openapi({ description: 'With `regenerate-message`: the reply being redone' }),
    agent: z.string().min(1).max(200).optional().openapi({
      description: 'The agent workflow of a new thread (default `banking`); ignored for an existing thread',
    }),
  })
  .openapi('ChatRequest');

const UIMessageStream = {
  description:
    'AI SDK UI message stream v1 (header `x-vercel-ai-ui-message-stream: v1`): `data: {chunk}` events, `data: [DONE]` at the end',
  headers: z.object({ 'x-vercel-ai-ui-message-stream': z.literal('v1') }),
  content: { 'text/event-stream': { schema: z.string() } },
};

const UIMessageSchema = z
  .object({
    id: z.string(),
    role: z.enum(['system', 'user', 'assistant']),
    metadata: z.unknown().optional(),
    parts: z.array(
      z.looseObject({ type: z.string() }).openapi({
        description:
          'An AI SDK UI message part: `text`, `tool-<name>` (state, input, output, approval), `data-task` (the card of a task the turn asked: who was asked, who decided)',
      }),
    ),
  })
  .openapi('UIMessage');

const ThreadSchema = z
  .object({
    id: z.string(),
    agent: z.string(),
    owner: z.string(),
    title: z.string(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .openapi('ChatThread');

export interface ChatRouteOptions {
  /** The agent workflow of a new thread when the request names none (default `banking`). */
  defaultAgent?: string;
  /** The people directory's names, for the task cards and what the chat says. */
  names?: NameLookup | undefined;
}

/**
 * The AI SDK UI surface (DESIGN.md "Ecosystem surfaces"): `POST /v1/chat` takes
 * `DefaultChatTransport`'s body and answers with the UI message stream protocol v1;
 * `GET /v1/chat/{id}/stream` resumes the active turn (204 when none); `GET /v1/chat/{id}` gives
 * the thread's UI messages for a reload; `GET /v1/chat` lists the caller's threads. A thread is
 * its owner's: anyone else gets 404 (admins see all).
 */
export function chatRoutes(
  app: OpenAPIHono<AuthEnv>,
  heed: Heed,
  hub: EventHub,
  authorization: Authorization,
  options: ChatRouteOptions = {},
): Chats {
  const chats = new Chats(heed, hub, options.names);

  /** The thread if the caller may use it; 404 otherwise (whether it exists is not told). */
  const visible = async (caller: Caller, chatId: string): Promise<ChatThread> =>
    authorization.requireChatThread(caller, await chats.thread(chatId), () => new ChatNotFoundError());

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/chat',
      operationId: 'sendChatMessage',
      tags: tag,
      summary: 'A chat turn, or the answer to its approvals, streamed as AI SDK UI message chunks',
      description:
        'A user message starts a turn of the thread `id` (created on first use, owned by the caller): `start` (server-assigned `messageId`), streamed `text-*`, `tool-input-available`, `tool-approval-request` (`approvalId` = the Heed task id) with a `data-task` card (who was asked; updated when decided), `tool-output-*`, `finish`. A turn that waits for a person ends the stream with `finish` and waits durably. An assistant message with `approval-responded` parts answers those tasks as the caller (via `chat`), then streams the rest of the turn; when the caller may not answer, the stream says who was asked. `trigger: regenerate-message` redoes the reply to the latest message (409 for an earlier one, or while its turn goes on).',
      request: { body: { content: { 'application/json': { schema: ChatRequest } }, required: true } },
      responses: { 200: UIMessageStream, ...errors(400, 401, 404, 409, 415, 422) },
    }),
    async (c) => {
      const caller = c.get('caller');
      const body = c.req.valid('json');
      // Only the last message is read (the thread's history is the server's), so only it is checked.
      const validated = await safeValidateUIMessages<UIMessage>({ messages: body.messages.slice(-1) });
      if (!validated.success) throw new HttpError('INVALID_REQUEST', `The last message: ${validated.error.message}`);
      const last = validated.data[0] as UIMessage;
      const existing = await chats.thread(body.id);
      if (existing) authorization.requireChatThread(caller, existing, () => new ChatNotFoundError());

      if (last.role === 'user') {
        if (body.trigger === 'regenerate-message') {
          // The AI SDK's regenerate(): the messages end at the person's message whose reply is redone.
          if (!existing) throw new ChatNotFoundError();
          const turn = await chats.regenerate(body.id, last.id, body.messageId);
          return respond(c.req.raw.signal, (writer, signal) => chats.stream(turn, writer, { signal }));
        }
        if (!CHAT_ID.test(last.id))
          throw new HttpError('INVALID_REQUEST', 'The message id must be 1 to 100 letters, digits, _ or -');
        const text = last.parts
          .flatMap((p) => (p.type === 'text' ? [p.text] : []))
          .join('\n')
          .trim();
        if (!text) throw new HttpError('INVALID_REQUEST', 'The message has no text');
        if (text.length > 20_000) throw new HttpError('INVALID_REQUEST', 'The message is over 20,000 characters');
        if (!existing) {
          const agent = body.agent ?? options.defaultAgent ?? DEFAULT_CHAT_AGENT;
          // Exactly the rule of POST /v1/runs: a startable, non-internal workflow.
          authorization.requireChatTurn(caller, agent);
          await chats.open(body.id, agent, caller.principal);
        }
        const turn = await chats.submit(body.id, last, text);
        return respond(c.req.raw.signal, (writer, signal) => chats.stream(turn, writer, { signal }));
      }

      if (!existing) throw new ChatNotFoundError();
      const responded = last.parts.flatMap((p) =>
        isToolUIPart(p) && p.state === 'approval-responded' ? [{ toolCallId: p.toolCallId, approval: p.approval }] : [],
      );
      if (responded.length === 0) {
        throw new HttpError('INVALID_REQUEST', 'The last message is neither a user message nor an approval response');
      }
      const turns = await chats.turns(body.id);
      const turn = turns.find((t) => t.messageId === last.id) ?? turns.at(-1);
      if (!turn) throw new ChatNotFoundError();
      const results = [];
      for (const { approval } of responded) {
        results.push(
          await chats.answer(
            body.id,
            { id: approval.id, approved: approval.approved, reason: approval.reason },
            {
              principal: caller.principal,
              respond: (taskId, input) => authorization.answer(heed.tasks, caller, taskId, input, 'chat'),
            },
          ),
        );
      }
      const refusedAt = results.findIndex((r) => !r.accepted);
      const refused = results[refusedAt];
      return respond(c.req.raw.signal, async (writer, signal) => {
        if (refused && !refused.accepted) {
          // The approval goes back to "requested", with who was asked, in words.
          const part = responded[refusedAt] as (typeof responded)[number];
          const id = `refused.${refused.task.id}`;
          writer.write({ type: 'start', messageId: turn.messageId });
          writer.write({ type: 'tool-approval-request', approvalId: refused.task.id, toolCallId: part.toolCallId });
          writer.write({ type: 'data-task', id: refused.task.id, data: taskCard(refused.task, options.names) });
          writer.write({ type: 'text-start', id });
          writer.write({ type: 'text-delta', id, delta: refused.message });
          writer.write({ type: 'text-end', id });
          writer.write({ type: 'finish' });
          return;
        }
        await chats.stream(turn, writer, { afterTask: responded[0]?.approval.id as string, signal });
      });
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/chat/{id}/stream',
      operationId: 'resumeChatStream',
      tags: tag,
      summary: "Resume the active turn's stream from its start (204 when no turn is active)",
      description:
        'What `DefaultChatTransport.reconnectToStream` calls: the active turn (running, or waiting for a person) replayed from its `start` chunk, then followed live until it ends or waits again.',
      request: { params: ChatIdParam },
      responses: { 200: UIMessageStream, 204: { description: 'No turn is active' }, ...errors(401, 404, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await visible(c.get('caller'), id);
      const turn = await chats.activeTurn(id);
      if (!turn) return c.body(null, 204);
      return respond(c.req.raw.signal, (writer, signal) => chats.stream(turn, writer, { signal }));
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/chat/{id}',
      operationId: 'getChat',
      tags: tag,
      summary: "The thread's UI messages (for a reload), decisions made elsewhere included",
      request: { params: ChatIdParam },
      responses: {
        200: json(z.object({ id: z.string(), agent: z.string(), messages: z.array(UIMessageSchema) }), 'The thread'),
        ...errors(401, 404, 422),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const thread = await visible(c.get('caller'), id);
      return c.json({ id, agent: thread.agent, messages: (await chats.messages(id)) as never[] }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/chat',
      operationId: 'listChats',
      tags: tag,
      summary: "The caller's chat threads, newest first",
      responses: { 200: json(z.object({ items: z.array(ThreadSchema) }), 'Threads'), ...errors(401) },
    }),
    async (c) => {
      const caller = c.get('caller');
      return c.json(
        { items: await chats.threads(caller.admin && caller.principal === 'system' ? undefined : caller.principal) },
        200,
      );
    },
  );
  return chats;
}

/**
 * A UI message stream response written by `run` (the `ai` package's stream and SSE framing,
 * `[DONE]` at the end). `signal` aborts when the client leaves.
 */
function respond(request: AbortSignal, run: (writer: ChunkWriter, signal: AbortSignal) => Promise<void>): Response {
  const controller = new AbortController();
  request.addEventListener('abort', () => controller.abort(), { once: true });
  const stream = createUIMessageStream({
    execute: ({ writer }) => run(writer as ChunkWriter, controller.signal),
    onError: (error) => {
      console.error('[heed] chat stream failed', error);
      return 'The chat stream failed.';
    },
  });
  return createUIMessageStreamResponse({
    stream: stream.pipeThrough(
      new TransformStream({
        transform: (chunk, out) => out.enqueue(chunk),
        cancel: () => controller.abort(),
      }),
    ),
    keepAliveMs: 15_000,
  });
}
