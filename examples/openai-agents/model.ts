import { createServer, type Server } from 'node:http';

/** A Responses API input item, as much of it as this model reads. */
interface InputItem {
  type?: string;
  role?: string;
  content?: string | { type?: string; text?: string }[];
  output?: unknown;
}

function textOf(content: InputItem['content']): string {
  return typeof content === 'string' ? content : (content ?? []).map((part) => part.text ?? '').join(' ');
}

/** What the model answers, deterministically: a `refund` call for the order named, then what the tool said. */
function reply(input: InputItem[]): Record<string, unknown>[] {
  const told = input.findLast((item) => item.type === 'function_call_output');
  if (told) {
    const said = typeof told.output === 'string' ? told.output : JSON.stringify(told.output);
    const text = /rejected/i.test(said) ? `I did not refund it. ${said}` : `Done: ${said}.`;
    return [
      {
        type: 'message',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text, annotations: [] }],
      },
    ];
  }
  const asked = textOf(input.findLast((item) => item.role === 'user')?.content);
  const order = /\b([A-Z]{1,4}-\d+)\b/.exec(asked)?.[1];
  if (!order) {
    const text = 'Which order should I refund? Name it like A-17.';
    return [
      {
        type: 'message',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text, annotations: [] }],
      },
    ];
  }
  const dollars = Number(/\$(\d+(?:\.\d{1,2})?)/.exec(asked)?.[1] ?? 150);
  return [
    {
      type: 'function_call',
      call_id: `call_refund_${order}`,
      name: 'refund',
      arguments: JSON.stringify({ order, cents: Math.round(dollars * 100) }),
      status: 'completed',
    },
  ];
}

/**
 * An offline model for the OpenAI Agents SDK: a server on 127.0.0.1 speaking the part of OpenAI's
 * Responses API the SDK calls (`POST /v1/responses`, no streaming). No key, no network; the same
 * answers every time. Returns its base URL and a way to stop it.
 */
export async function offlineResponsesApi(): Promise<{ baseURL: string; close: () => Promise<void> }> {
  let n = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const request = JSON.parse(body || '{}') as { model?: string; input?: InputItem[] | string };
      const input =
        typeof request.input === 'string' ? [{ role: 'user', content: request.input }] : (request.input ?? []);
      n++;
      const output = reply(input).map((item, i) => ({ id: `item_${n}_${i}`, ...item }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: `resp_${n}`,
          object: 'response',
          created_at: Math.floor(Date.now() / 1000),
          status: 'completed',
          model: request.model ?? 'offline',
          output,
          usage: {
            input_tokens: 0,
            output_tokens: 0,
            total_tokens: 0,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens_details: { reasoning_tokens: 0 },
          },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
