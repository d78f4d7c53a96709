import type { OpenAPIHono } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { Authorization } from '../../authorization/authorization.ts';
import type { Heed } from '../../human/heed.ts';
import type { RunEvent } from '../../store/store.ts';
import type { AuthEnv } from '../auth.ts';
import { HttpError } from '../errors.ts';
import type { EventHub } from '../event-hub.ts';
import { followRun } from '../run-feed.ts';

const ChatBody = z.strictObject({
  message: z.string().min(1),
  /** The agent workflow (default `banking`). */
  agent: z.string().min(1).optional(),
  /** Run id, to make the request idempotent. */
  id: z.string().min(1).optional(),
});

/**
 * `POST /v1/chat`: starts an agent run on `{message}` and streams it as server-sent events:
 * `run` (its id), `output` (what the agent says), `status` (agent status), `approval_required`
 * (with the task) when it waits for a person, `approval_decided`, and `done` with the output.
 * The client may close the connection at any time: the run goes on, answering the task resumes
 * it, and `GET /v1/runs/{id}/events` streams the rest.
 */
export function chatRoutes(app: OpenAPIHono<AuthEnv>, heed: Heed, hub: EventHub, authorization: Authorization): void {
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
    const caller = c.get('caller');
    // Exactly the rules of POST /v1/runs: a startable agent, and an id that is the caller's run.
    authorization.requireChatTurn(caller, agent, id === undefined ? undefined : await heed.runs.get(id));
    const run = await heed.startWorkflow(
      agent,
      { message },
      {
        ...(id === undefined ? {} : { id }),
        ...(caller.principal === 'system' ? {} : { initiator: caller.principal }),
      },
    );
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
