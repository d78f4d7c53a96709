import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AGUIEvent } from '@ag-ui/core';
import { streamSSE } from 'hono/streaming';
import { AG_UI_ID, type AgUiInput, AgUiRuns } from '../../ag-ui/ag-ui-runs.ts';
import type { Authorization } from '../../authorization/authorization.ts';
import type { Chats } from '../../chat/chats.ts';
import type { Heed } from '../../human/heed.ts';
import type { NameLookup } from '../../human/principal-names.ts';
import type { AuthEnv } from '../auth.ts';
import { eventStream } from '../openapi.ts';
import { errors } from '../schemas.ts';

const ID_RULE = 'must be 1 to 100 letters, digits, _ or -';

const Message = z.looseObject({
  id: z.string().min(1).max(200),
  role: z.string().min(1).max(50),
  content: z.unknown().optional(),
});

const Resume = z.object({
  interruptId: z.string().min(1).max(200).openapi({ description: 'An interrupt id: the Heed task id' }),
  status: z.enum(['resolved', 'cancelled']),
  payload: z.unknown().optional().openapi({
    description:
      'For an approval: `{approved, editedArgs?, reason?}` (`editedArgs` replaces the tool arguments whole, where the task allows edits); for a question: `{answer}`; otherwise `{outcome, data?, comment?}`',
  }),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

const RunAgentInput = z
  .looseObject({
    threadId: z.string().regex(AG_UI_ID, ID_RULE).openapi({
      description: 'The conversation: a durable Heed chat thread (created on first use, owned by the caller)',
    }),
    runId: z.string().min(1).max(200),
    parentRunId: z.string().max(200).optional(),
    protocolVersion: z.string().max(20).optional(),
    messages: z.array(Message).max(10_000).openapi({
      description:
        'The conversation. Only the last message is read: a `user` message starts a turn (the thread keeps its own memory)',
    }),
    tools: z.array(z.unknown()).max(1000).optional().openapi({ description: "Ignored: the agent's tools are Heed's" }),
    context: z.array(z.unknown()).max(1000).optional(),
    state: z.unknown().optional(),
    forwardedProps: z.unknown().optional().openapi({
      description: '`{agent}`: the agent workflow of a new thread (default `banking`); ignored for an existing thread',
    }),
    resume: z.array(Resume).max(100).optional().openapi({
      description: 'Answers to every open interrupt of the thread, as the caller (who must be allowed to answer)',
    }),
  })
  .openapi('AgUiRunAgentInput');

export interface AgUiRouteOptions {
  defaultAgent?: string | undefined;
  names?: NameLookup | undefined;
}

/**
 * `POST /v1/ag-ui`: an AG-UI 1.0 agent endpoint (`@ag-ui/client`'s `HttpAgent` posts
 * `RunAgentInput` and reads server-sent events). See `ag-ui/ag-ui-runs.ts`.
 */
export function agUiRoutes(
  app: OpenAPIHono<AuthEnv>,
  heed: Heed,
  chats: Chats,
  authorization: Authorization,
  options: AgUiRouteOptions = {},
): void {
  const runs = new AgUiRuns(heed, chats, authorization, options);
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/ag-ui',
      operationId: 'runAgUiAgent',
      tags: ['Chat'],
      summary: 'Run an agent turn, streamed as AG-UI events; an approval is an interrupt whose id is the Heed task id',
      description:
        'The AG-UI protocol 1.0 (`@ag-ui/client` `HttpAgent`). `threadId` is a durable Heed chat thread with the owner rules of `/v1/chat`. A last `user` message starts a turn of the thread\'s agent; a turn that needs a person ends with `RUN_FINISHED` whose `outcome` is `{type: "interrupt", interrupts: [{id: <task id>, reason, message, toolCallId, responseSchema, expiresAt: <deadline>}]}`. The next run\'s `resume` answers every open interrupt as the caller; where the caller may not answer (four-eyes, not an assignee) nothing is answered and the run ends with the interrupts again, saying who was asked. A task decided elsewhere is not answered again: the resumed run continues with that decision. Protocol errors end the stream with `RUN_ERROR` (`code`: `INTERRUPT_PENDING`, `INTERRUPT_NOT_FOUND`, `INTERRUPT_EXPIRED`, `INVALID_RESUME`, `NOTHING_TO_RUN`, `VALIDATION_FAILED`, …).',
      request: { body: { content: { 'application/json': { schema: RunAgentInput } }, required: true } },
      responses: {
        200: eventStream(
          'AG-UI events, each `data: {event}`',
          '`RUN_STARTED`, `TEXT_MESSAGE_START/CONTENT/END`, `TOOL_CALL_START/ARGS/END`, `TOOL_CALL_RESULT`, `CUSTOM` `heed.task` (a task card: who was asked, who decided) and `heed.refused`, `STATE_SNAPSHOT` (`heed`: the turn and what it waits for), `RUN_FINISHED` (`outcome` `success`, `interrupt` or `cancelled`), `RUN_ERROR` `{code, message}`',
        ),
        ...errors(400, 401, 403, 404, 415, 422),
      },
    }),
    async (c) => {
      const caller = c.get('caller');
      const input = c.req.valid('json') as AgUiInput;
      await runs.admit(caller, input);
      const controller = new AbortController();
      c.req.raw.signal.addEventListener('abort', () => controller.abort(), { once: true });
      return streamSSE(c, async (stream) => {
        stream.onAbort(() => controller.abort());
        // Events are written in order; emit() is synchronous, so writes queue behind each other.
        // A write that fails (the client left) stops the run's stream; the turn goes on durably.
        let writes: Promise<void> = Promise.resolve();
        const push = (write: () => Promise<unknown>) => {
          writes = writes.then(write).then(
            () => undefined,
            () => controller.abort(),
          );
        };
        const sink = {
          emit: (event: AGUIEvent) =>
            push(() => stream.writeSSE({ data: JSON.stringify({ ...event, timestamp: Date.now() }) })),
        };
        const keepAlive = setInterval(() => push(() => stream.write(': keep-alive\n\n')), 15_000);
        try {
          await runs.run(caller, input, sink, controller.signal);
          await writes;
        } finally {
          clearInterval(keepAlive);
        }
      }) as never;
    },
  );
}
