import { createServer, type Server } from 'node:http';
import { afterEach } from 'vitest';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

export interface ChatRequest {
  model: string;
  stream?: boolean;
  messages: { role: string; content?: unknown; tool_calls?: unknown[]; tool_call_id?: string }[];
  tools?: { type: string; function: { name: string } }[];
}

/** What the fake model says: text, or one tool call. */
export type Reply = { text: string } | { toolCall: { id: string; name: string; arguments: unknown } };

/**
 * A local server speaking OpenAI's chat-completions wire format, streamed (SSE chunks, text word by
 * word) or not, as the request asks: `reply` decides each answer from the request. No network, no key.
 */
export async function fakeOpenAI(reply: (request: ChatRequest) => Reply) {
  const requests: ChatRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const request = JSON.parse(body) as ChatRequest;
      requests.push(request);
      const answer = reply(request);
      const id = `chatcmpl-${requests.length}`;
      const finish = 'toolCall' in answer ? 'tool_calls' : 'stop';
      const toolCall =
        'toolCall' in answer
          ? {
              id: answer.toolCall.id,
              type: 'function',
              function: { name: answer.toolCall.name, arguments: JSON.stringify(answer.toolCall.arguments) },
            }
          : undefined;
      const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
      if (!request.stream) {
        const message = toolCall
          ? { role: 'assistant', content: null, tool_calls: [toolCall] }
          : { role: 'assistant', content: (answer as { text: string }).text };
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            id,
            object: 'chat.completion',
            created: 1,
            model: request.model,
            choices: [{ index: 0, message, finish_reason: finish }],
            usage,
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const send = (delta: unknown, finishReason: string | null = null, extra: object = {}) =>
        res.write(
          `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1, model: request.model, choices: [{ index: 0, delta, finish_reason: finishReason }], ...extra })}\n\n`,
        );
      if (toolCall) send({ role: 'assistant', tool_calls: [{ index: 0, ...toolCall }] });
      else for (const word of (answer as { text: string }).text.match(/\s*\S+/g) ?? []) send({ content: word });
      send({}, finish, { usage });
      res.end('data: [DONE]\n\n');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { baseURL: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1`, requests };
}
