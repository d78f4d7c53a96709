import type { OpenAPIHono } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { z } from '@hono/zod-openapi';
import type { Heed } from '../../human/heed.ts';
import type { RunEvent } from '../../store/store.ts';
import type { AuthEnv } from '../auth.ts';
import { HttpError } from '../errors.ts';
import type { EventHub } from '../event-hub.ts';
import { eventStream } from '../openapi.ts';
import { followRun } from '../run-feed.ts';
import { ErrorSchema } from '../schemas.ts';

const ChatBody = z
  .strictObject({
    message: z.string().min(1),
    agent: z.string().min(1).optional().openapi({ description: 'The agent workflow (default `banking`)' }),
    id: z.string().min(1).optional().openapi({ description: 'Run id, to make the request idempotent' }),
  })
  .openapi('ChatRequest');

/**
 * `POST /v1/chat`: starts an agent run on `{message}` and streams it as server-sent events:
 * `run` (its id), `output` (what the agent says), `status` (agent status), `approval_required`
 * (with the task) when it waits for a person, `approval_decided`, and `done` with the output.
 * The client may close the connection at any time: the run goes on, answering the task resumes
 * it, and `GET /v1/runs/{id}/events` streams the rest.
 */
export function chatRoutes(app: OpenAPIHono<AuthEnv>, heed: Heed, hub: EventHub): void {
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/chat',
    operationId: 'chat',
    tags: ['Agents'],
    summary: 'Start an agent on a message and stream it as server-sent events',
    description:
      'The client may close the connection at any time: the run goes on, and `GET /v1/runs/{id}/events` streams the rest.',
    request: { body: { content: { 'application/json': { schema: ChatBody } }, required: true } },
    responses: {
      200: eventStream(
        'The agent turn',
        '`run` `{runId}`, `output` `{text}`, `status` (the agent status), `approval_required` `{runId, task}`, ' +
          '`approval_decided` `{taskId, status, outcome, by}`, `done` `{runId, status, output?, error?}`',
      ),
      404: { description: 'UNKNOWN_WORKFLOW: no such agent', content: { 'application/json': { schema: ErrorSchema } } },
    },
  });
  app.post('/v1/chat', async (c) => {
    const parsed = ChatBody.safeParse(
      await c.req.json().catch(() => {
        throw new HttpError('BAD_REQUEST', 'The body is not JSON');
      }),
    );
    if (!parsed.success) {
      throw new HttpError(
        'INVALID_REQUEST',
        'The request is invalid',
        parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      );
    }
    const { message, agent = 'banking', id } = parsed.data;
    const run = await heed.startWorkflow(agent, { message }, id === undefined ? {} : { id });
    return streamSSE(c, async (stream) => {
      await stream.writeSSE({ event: 'run', data: JSON.stringify({ runId: run.id }) });
      const send = async (event: RunEvent) => {
        const data = event.data as Record<string, unknown>;
        if (event.type === 'status' && data.key === 'output') {
          await stream.writeSSE({
            id: String(event.id),
            event: 'output',
            data: JSON.stringify({ text: data.value }),
          });
        } else if (event.type === 'status' && data.key === 'agent') {
          await stream.writeSSE({ id: String(event.id), event: 'status', data: JSON.stringify(data.value) });
        } else if (event.type === 'task.created') {
          const task = await heed.tasks.get(String(data.taskId));
          await stream.writeSSE({
            id: String(event.id),
            event: 'approval_required',
            data: JSON.stringify({ runId: run.id, task }),
          });
        } else if (event.type === 'task.ended') {
          await stream.writeSSE({ id: String(event.id), event: 'approval_decided', data: JSON.stringify(data) });
        } else if (event.type.startsWith('run.')) {
          await stream.writeSSE({
            id: String(event.id),
            event: 'done',
            data: JSON.stringify({ runId: run.id, status: event.type.slice(4), ...data }),
          });
        }
      };
      await followRun(heed, hub, run.id, 0, stream, send);
    });
  });
}
