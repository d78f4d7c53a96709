import { createServer, type Server } from 'node:http';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { afterEach, describe, expect, it } from 'vitest';
import { type BankingOutput, registerBanking } from '../../src/demo/banking.ts';
import { testEngine } from '../helpers.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

interface ChatRequest {
  model: string;
  messages: { role: string; content?: unknown; tool_calls?: unknown[]; tool_call_id?: string }[];
  tools?: { type: string; function: { name: string } }[];
}

/**
 * A local server speaking OpenAI's chat-completions wire format: the first call answers with a
 * `transfer` tool call, the next (after the tool result) with text. No network, no key.
 */
async function fakeOpenAI() {
  const requests: ChatRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const request = JSON.parse(body) as ChatRequest;
      requests.push(request);
      const last = request.messages.at(-1);
      const message =
        last?.role === 'tool'
          ? { role: 'assistant', content: `Done: ${JSON.parse(String(last.content)).message}` }
          : {
              role: 'assistant',
              content: null,
              tool_calls: [
                {
                  id: 'call_1',
                  type: 'function',
                  function: { name: 'transfer', arguments: JSON.stringify({ to: 'Alice', amount: 150 }) },
                },
              ],
            };
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: `chatcmpl-${requests.length}`,
          object: 'chat.completion',
          created: 1,
          model: request.model,
          choices: [{ index: 0, message, finish_reason: message.tool_calls ? 'tool_calls' : 'stop' }],
          usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
        }),
      );
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { baseURL: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1`, requests };
}

describe('a real provider through the AI SDK (OpenAI-compatible wire format, local server)', () => {
  it('sends the tools, receives a tool call, waits for approval, sends the tool result, and never calls the model twice for one step', async () => {
    const openai = await fakeOpenAI();
    const model = createOpenAICompatible({ name: 'local', baseURL: openai.baseURL, apiKey: 'test' }).chatModel(
      'gpt-test',
    );
    const { heed } = testEngine();
    const bank = registerBanking(heed, model);
    await heed.start();
    const run = await heed.startWorkflow<BankingOutput>('banking', { message: 'Please send Alice 150 dollars' });
    await heed.idle();
    expect(openai.requests).toHaveLength(1);
    expect(openai.requests[0]?.tools?.map((t) => t.function.name).sort()).toEqual([
      'check_balance',
      'deposit',
      'transfer',
    ]);
    const [task] = (await heed.tasks.list({ status: 'pending' })).items;
    expect(task?.action).toMatchObject({ tool: 'transfer', args: { to: 'Alice', amount: 150 } });

    await heed.tasks.respond(task?.id ?? '', { outcome: 'approve' }, { principal: 'user:alice' });
    const output = await run.result();
    // The replay after the approval reused the recorded first model call: 2 calls in all.
    expect(openai.requests).toHaveLength(2);
    const toolMessage = openai.requests[1]?.messages.find((m) => m.role === 'tool');
    expect(toolMessage?.tool_call_id).toBe('call_1');
    expect(output.reply).toBe('Done: Transferred $150 to Alice. Your balance is $850.');
    expect(bank.balance('Alice')).toBe(150);
  });
});
