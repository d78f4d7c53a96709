import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { type ModelMessage, streamText, tool } from 'ai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AiSdkApprovals, httpDesk } from '../../src/agent.ts';
import { testEngine } from '../helpers.ts';
import { testServer } from '../server/helpers.ts';
import { type ChatRequest, fakeOpenAI, type Reply } from './fake-openai.ts';

/** The model calls `transfer`, then says what the tool message told it. */
const model = (request: ChatRequest): Reply => {
  const last = request.messages.at(-1);
  return last?.role === 'tool'
    ? { text: `The tool said: ${String(last.content)}` }
    : { toolCall: { id: 'call_1', name: 'transfer', arguments: { to: 'Alice', amount: 150 } } };
};

/** An app's own loop: streamText with a tool that needs approval, as the AI SDK documents it. */
function app(baseURL: string) {
  const executed: unknown[] = [];
  const tools = {
    transfer: tool({
      description: 'Transfer money',
      inputSchema: z.object({ to: z.string(), amount: z.number() }),
      needsApproval: true,
      execute: async (input) => {
        executed.push(input);
        return { message: `Sent $${input.amount} to ${input.to}` };
      },
    }),
  };
  const provider = createOpenAICompatible({ name: 'local', baseURL, apiKey: 'test' });
  return {
    executed,
    /** One streamText call on the conversation; its response messages are appended. */
    async step(messages: ModelMessage[]): Promise<string> {
      const result = streamText({ model: provider.chatModel('gpt-test'), tools, messages });
      let text = '';
      for await (const delta of result.textStream) text += delta;
      messages.push(...(await result.response).messages);
      return text;
    },
  };
}

describe("AiSdkApprovals: the AI SDK's tool approval as a durable Heed task (real `ai`, local OpenAI-compatible server)", () => {
  it('asks once per approval, across processes; approving runs the tool, with the model told the result', async () => {
    const openai = await fakeOpenAI(model);
    const { heed, reopen } = testEngine();
    await heed.start();
    const { step, executed } = app(openai.baseURL);
    const approvals = new AiSdkApprovals(heed, {
      assignees: ['user:alice'],
      deadline: '8h',
      title: (call) =>
        `Transfer $${(call.input as { amount: number }).amount} to ${(call.input as { to: string }).to}?`,
    });
    const messages: ModelMessage[] = [{ role: 'user', content: 'Send Alice $150' }];
    expect(await step(messages)).toBe('');
    expect(executed).toEqual([]);

    const first = await approvals.resolve(messages);
    expect(first.message).toBeUndefined();
    expect(first.pending).toHaveLength(1);
    const task = await heed.tasks.get(first.pending[0]?.taskId ?? '');
    expect(task).toMatchObject({
      type: 'approval',
      status: 'pending',
      title: 'Transfer $150 to Alice?',
      action: { tool: 'transfer', args: { to: 'Alice', amount: 150 } },
      assignees: [{ principal: 'user:alice', level: 0 }],
    });
    expect(task?.deadline).not.toBeNull();

    // Another process, later, with the messages the app kept: the same task, not a second one.
    await heed.stop();
    const next = reopen();
    const later = new AiSdkApprovals(next, { assignees: ['user:alice'] });
    expect((await later.resolve(messages)).pending.map((p) => p.taskId)).toEqual([task?.id]);
    expect((await next.tasks.list({})).items).toHaveLength(1);

    await next.tasks.respond(task?.id ?? '', { outcome: 'approve' }, { principal: 'user:alice', via: 'inbox' });
    const decided = await later.resolve(messages);
    expect(decided.pending).toEqual([]);
    expect(decided.message?.content).toEqual([
      { type: 'tool-approval-response', approvalId: first.pending[0]?.approvalId, approved: true },
    ]);
    messages.push(decided.message as ModelMessage);
    const reply = await step(messages);
    expect(executed).toEqual([{ to: 'Alice', amount: 150 }]);
    expect(reply).toContain('Sent $150 to Alice');
    // Nothing left to ask.
    expect((await later.resolve(messages)).tasks).toEqual([]);
  });

  it('over HTTP: waits for the decision; a rejection reaches the model with its reason and the tool never runs', async () => {
    const openai = await fakeOpenAI(model);
    // The server's policy: payment approvals are user:alice's to decide.
    const s = await testServer({ heed: { policies: [{ name: 'payments', approvers: ['user:alice'] }] } });
    const { step, executed } = app(openai.baseURL);
    const approvals = new AiSdkApprovals(httpDesk(s.url, { principal: 'agent:payments' }), {
      assignees: ['user:alice'],
      requester: 'agent:payments',
    });
    const messages: ModelMessage[] = [{ role: 'user', content: 'Send Alice $150' }];
    await step(messages);
    const waiting = approvals.resolve(messages, { wait: '20s' });
    let task: { id: string } | undefined;
    while (!task) {
      [task] = (await s.heed.tasks.list({ status: 'pending' })).items;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await s.call('POST', `/v1/tasks/${task.id}/responses`, {
      as: 'user:alice',
      body: { outcome: 'reject', comment: 'Alice was paid yesterday' },
    });
    const decided = await waiting;
    expect(decided.message?.content).toMatchObject([
      { type: 'tool-approval-response', approved: false, reason: 'Rejected by user:alice: Alice was paid yesterday' },
    ]);
    messages.push(decided.message as ModelMessage);
    const reply = await step(messages);
    expect(executed).toEqual([]);
    expect(reply).toContain('Alice was paid yesterday');
    expect(openai.requests.every((r) => r.stream === true)).toBe(true);
  });

  it('uses an approval once, for exactly the call approved: a duplicated resolve and changed arguments are refused', async () => {
    const openai = await fakeOpenAI(model);
    const s = await testServer({ heed: { policies: [{ name: 'payments', approvers: ['user:alice'] }] } });
    const { step, executed } = app(openai.baseURL);
    for (const desk of ['embedded', 'http'] as const) {
      const approvals = new AiSdkApprovals(
        desk === 'embedded' ? s.heed : httpDesk(s.url, { principal: 'agent:payments' }),
        { requester: 'agent:payments' },
      );
      const messages: ModelMessage[] = [{ role: 'user', content: 'Send Alice $150' }];
      await step(messages);
      const { pending } = await approvals.resolve(messages);
      await s.heed.tasks.respond(pending[0]?.taskId ?? '', { outcome: 'approve' }, { principal: 'user:alice' });

      // The same messages twice (a retried request, a second tab): the approval is used once.
      const first = await approvals.resolve(messages);
      const again = await approvals.resolve(messages);
      expect(first.message?.content).toMatchObject([{ approved: true }]);
      expect(again.message?.content).toMatchObject([
        { approved: false, reason: expect.stringContaining('used already') },
      ]);

      // The call changed after the decision (the app, or whoever holds the messages, edited it).
      const tampered = structuredClone(messages);
      for (const message of tampered) {
        if (typeof message.content === 'string') continue;
        for (const part of message.content)
          if (part.type === 'tool-call') part.input = { to: 'Mallory', amount: 15000 };
      }
      const changed = await approvals.resolve(tampered);
      expect(changed.message?.content).toMatchObject([
        { approved: false, reason: expect.stringContaining('the arguments changed after the decision') },
      ]);

      messages.push(first.message as ModelMessage);
      await step(messages);
      const audit = await s.heed.tasks.audit(pending[0]?.taskId ?? '');
      expect(audit.filter((e) => e.action === 'consumed')).toHaveLength(1);
    }
    expect(executed).toEqual([
      { to: 'Alice', amount: 150 },
      { to: 'Alice', amount: 150 },
    ]);
  });
});
