import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { describe, expect, it } from 'vitest';
import { type BankingOutput, registerBanking } from '../../src/demo/banking.ts';
import { testEngine } from '../helpers.ts';
import { type ChatRequest, fakeOpenAI, type Reply } from './fake-openai.ts';

/** The first call answers with a `transfer` tool call, the next (after the tool result) with text. */
const transferThenDone = (request: ChatRequest): Reply => {
  const last = request.messages.at(-1);
  return last?.role === 'tool'
    ? { text: `Done: ${JSON.parse(String(last.content)).message}` }
    : { toolCall: { id: 'call_1', name: 'transfer', arguments: { to: 'Alice', amount: 150 } } };
};

describe('a real provider through the AI SDK (OpenAI-compatible wire format, local server)', () => {
  it('sends the tools, receives a tool call, waits for approval, sends the tool result, and never calls the model twice for one step', async () => {
    const openai = await fakeOpenAI(transferThenDone);
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
