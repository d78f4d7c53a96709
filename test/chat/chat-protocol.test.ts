// biome-ignore-all lint/suspicious/noExplicitAny: UI message parts and HTTP bodies are checked by the assertions
import {
  isToolUIPart,
  lastAssistantMessageIsCompleteWithApprovalResponses,
  type UIMessage,
  type UIMessageChunk,
} from 'ai';
import { describe, expect, it, vi } from 'vitest';
import { OfflineModel } from '../../src/agent/offline-model.ts';
import { registerBanking } from '../../src/demo/banking.ts';
import { startServer } from '../../src/server/serve.ts';
import { testEngine } from '../helpers.ts';
import { testServer } from '../server/helpers.ts';
import { TestChat, textOf, transportFor } from './ai-chat.ts';

const bankServer = (options: Parameters<typeof registerBanking>[2] = {}) =>
  testServer({ setup: (heed) => void registerBanking(heed, new OfflineModel(), options) });

function toolPart(chat: TestChat): any {
  return chat.lastMessage?.parts.find((p) => isToolUIPart(p));
}
function taskCard(message: UIMessage | undefined): any {
  return (message?.parts.find((p) => p.type === 'data-task') as any)?.data;
}

describe('POST /v1/chat: the AI SDK UI message stream protocol, with the real `ai` client', () => {
  it('streams text token by token under the protocol header, and remembers the thread across turns', async () => {
    const s = await bankServer();
    const transport = transportFor(s.url, 'user:carol');
    // The raw chunks, as DefaultChatTransport parses them.
    const raw = await fetch(`${s.url}/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-heed-principal': 'user:carol' },
      body: JSON.stringify({
        id: 'thread1',
        trigger: 'submit-message',
        messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'Deposit $50' }] }],
      }),
    });
    expect(raw.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
    expect(raw.headers.get('content-type')).toContain('text/event-stream');
    const body = await raw.text();
    expect(body.trim().endsWith('data: [DONE]')).toBe(true);
    const chunks = body
      .split('\n')
      .filter((l) => l.startsWith('data: {'))
      .map((l) => JSON.parse(l.slice(6)) as UIMessageChunk);
    expect(chunks[0]).toEqual({ type: 'start', messageId: 'reply-m1' });
    expect(chunks.at(-1)).toEqual({ type: 'finish' });
    expect(chunks.map((c) => c.type)).toContain('tool-input-available');
    expect(chunks.find((c) => c.type === 'tool-input-available')).toMatchObject({
      toolName: 'deposit',
      title: 'Deposit money',
      input: { amount: 50 },
    });
    expect(chunks.find((c) => c.type === 'tool-output-available')).toMatchObject({ output: { balance: 1050 } });
    expect(chunks.filter((c) => c.type === 'text-delta').length).toBeGreaterThan(3);

    // The second turn, through the AI SDK's Chat: the thread continues with its memory.
    const chat = new TestChat({
      id: 'thread1',
      transport,
      messages: (await s.call('GET', '/v1/chat/thread1', { as: 'user:carol' })).body.messages,
    });
    expect(chat.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(textOf(chat.messages[1])).toBe('Deposited $50. Your balance is $1050.');
    await chat.sendMessage({ text: "What's my balance?" });
    expect(chat.status).toBe('ready');
    expect(textOf(chat.lastMessage)).toBe('Your balance is $1050.');
    const turns = (await s.heed.runs.list({ workflow: 'banking' })).items;
    const second = turns.find((r) => (r.input as any).message === "What's my balance?");
    // The model saw the first turn: the deposit, its tool call and result, and the reply.
    expect(JSON.stringify((second?.input as any)?.messages)).toContain('Deposit $50');
    expect(JSON.stringify((second?.input as any)?.messages)).toContain('Deposited $50');
    const reloaded = (await s.call('GET', '/v1/chat/thread1', { as: 'user:carol' })).body.messages;
    expect(reloaded.map((m: UIMessage) => [m.role, textOf(m)])).toEqual([
      ['user', 'Deposit $50'],
      ['assistant', 'Deposited $50. Your balance is $1050.'],
      ['user', "What's my balance?"],
      ['assistant', 'Your balance is $1050.'],
    ]);
    // Someone else does not see the thread.
    expect((await s.call('GET', '/v1/chat/thread1', { as: 'user:mallory' })).status).toBe(404);
    expect((await s.call('GET', '/v1/chat/thread1/stream', { as: 'user:mallory' })).status).toBe(404);
    expect((await s.call('GET', '/v1/chat', { as: 'user:carol' })).body.items).toMatchObject([
      { id: 'thread1', agent: 'banking', owner: 'user:carol', title: 'Deposit $50' },
    ]);
    expect((await s.call('GET', '/v1/chat', { as: 'user:mallory' })).body.items).toEqual([]);
  });

  it('an approval the chat user may give: approve in the chat, and the turn goes on in the same message', async () => {
    // The bank's agent asks (requester agent:bank): carol may approve her own transfer.
    const s = await bankServer({ approvals: { requester: 'agent:bank' } });
    const chat = new TestChat({
      id: 'approve1',
      transport: transportFor(s.url, 'user:carol'),
      sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
    });
    await chat.sendMessage({ text: 'Transfer $150 to Bob' });
    expect(chat.status).toBe('ready');
    const part = toolPart(chat);
    expect(part).toMatchObject({
      type: 'tool-transfer',
      title: 'Transfer money',
      state: 'approval-requested',
      input: { to: 'Bob', amount: 150 },
    });
    const task = (await s.call('GET', `/v1/tasks/${part.approval.id}`)).body;
    expect(task).toMatchObject({ type: 'approval', status: 'pending', title: 'Transfer $150 to Bob?' });
    expect(taskCard(chat.lastMessage)).toMatchObject({
      taskId: task.id,
      state: 'waiting',
      kind: 'approval',
      asked: [],
    });

    // Resume while it waits: the same message, replayed from its start, ends at the approval.
    expect((await s.call('GET', '/v1/chat/approve1/stream', { as: 'user:carol' })).status).toBe(200);
    const messageId = chat.lastMessage?.id;
    await chat.resumeStream();
    expect(chat.messages).toHaveLength(2);
    expect(chat.lastMessage?.id).toBe(messageId);
    expect(toolPart(chat).state).toBe('approval-requested');

    await chat.addToolApprovalResponse({ id: part.approval.id, approved: true });
    await vi.waitFor(() => expect(toolPart(chat).state).toBe('output-available'));
    await vi.waitFor(() => expect(chat.status).toBe('ready'));
    expect(chat.messages).toHaveLength(2);
    expect(toolPart(chat).output).toMatchObject({ transferred: 150, to: 'Bob' });
    expect(textOf(chat.lastMessage)).toBe('Transferred $150 to Bob. Your balance is $850.');
    expect(taskCard(chat.lastMessage)).toMatchObject({
      state: 'approved',
      decidedBy: { principal: 'user:carol', name: 'Carol' },
      via: 'chat',
    });
    // The reload says the same.
    const reloaded = (await s.call('GET', '/v1/chat/approve1', { as: 'user:carol' })).body.messages;
    expect(reloaded.at(-1).parts.find((p: any) => p.type === 'tool-transfer').state).toBe('output-available');
    expect(textOf(reloaded.at(-1))).toBe('Transferred $150 to Bob. Your balance is $850.');
    expect((await s.call('GET', '/v1/chat/approve1/stream', { as: 'user:carol' })).status).toBe(204);
  });

  it('a denial in the chat: the tool output is denied and the reason is one sentence', async () => {
    const s = await bankServer({ approvals: { requester: 'agent:bank' } });
    const chat = new TestChat({
      id: 'deny1',
      transport: transportFor(s.url, 'user:carol'),
      sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
    });
    await chat.sendMessage({ text: 'Transfer $150 to Bob' });
    await chat.addToolApprovalResponse({ id: toolPart(chat).approval.id, approved: false, reason: 'Too much.' });
    await vi.waitFor(() => expect(toolPart(chat).state).toBe('output-denied'));
    await vi.waitFor(() => expect(chat.status).toBe('ready'));
    expect(textOf(chat.lastMessage)).toBe('Carol rejected "Transfer $150 to Bob": Too much.');
    expect(taskCard(chat.lastMessage)).toMatchObject({
      state: 'rejected',
      comment: 'Too much.',
      decidedBy: { name: 'Carol' },
    });
  });

  it('four eyes: the chat user cannot approve their own transfer; the stream says who was asked; approved elsewhere, reload and resume show it', async () => {
    const s = await bankServer({ approvals: { assignees: ['user:alice'] } });
    const chat = new TestChat({
      id: 'fourEyes',
      transport: transportFor(s.url, 'user:carol'),
      sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
    });
    await chat.sendMessage({ text: 'Transfer $150 to Bob' });
    const approvalId = toolPart(chat).approval.id;
    expect(taskCard(chat.lastMessage)).toMatchObject({
      asked: [{ principal: 'user:alice', name: 'Alice' }],
      requester: { principal: 'user:carol' },
    });
    await chat.addToolApprovalResponse({ id: approvalId, approved: true });
    await vi.waitFor(() => expect(textOf(chat.lastMessage)).toContain('Alice was asked'));
    await vi.waitFor(() => expect(chat.status).toBe('ready'));
    expect(toolPart(chat).state).toBe('approval-requested');
    expect((await s.call('GET', `/v1/tasks/${approvalId}`)).body.status).toBe('pending');
    // A new message while the turn waits: 409, saying for whom.
    const busy = await s.call('POST', '/v1/chat', {
      as: 'user:carol',
      body: { id: 'fourEyes', messages: [{ id: 'm9', role: 'user', parts: [{ type: 'text', text: 'hello?' }] }] },
    });
    expect(busy.status).toBe(409);
    expect(busy.body.error.message).toContain('waiting for Alice');

    // Alice approves in the inbox (HTTP); the chat resumes, then reloads.
    expect(
      (await s.call('POST', `/v1/tasks/${approvalId}/responses`, { as: 'user:alice', body: { outcome: 'approve' } }))
        .status,
    ).toBe(200);
    await vi.waitFor(async () =>
      expect((await s.heed.runs.list({ workflow: 'banking', status: 'succeeded' })).items).toHaveLength(1),
    );
    const resumed = new TestChat({ id: 'fourEyes', transport: transportFor(s.url, 'user:carol') });
    resumed.messages = (await s.call('GET', '/v1/chat/fourEyes', { as: 'user:carol' })).body.messages;
    await resumed.resumeStream(); // 204: nothing active, the reload has it all
    expect(resumed.messages).toHaveLength(2);
    expect(toolPart(resumed).state).toBe('output-available');
    expect(textOf(resumed.lastMessage)).toContain('Transferred $150 to Bob.');
    expect(taskCard(resumed.lastMessage)).toMatchObject({
      state: 'approved',
      decidedBy: { name: 'Alice' },
      via: 'api',
    });
  });

  it('resumes an active turn after the approval came from elsewhere, and a new process continues the thread', async () => {
    const { heed, reopen } = testEngine();
    registerBanking(heed, new OfflineModel(), { approvals: { assignees: ['user:alice'] } });
    const first = await startServer(heed, { port: 0 });
    const chat = new TestChat({ id: 'elsewhere', transport: transportFor(first.url, 'user:carol') });
    await chat.sendMessage({ text: 'Transfer $150 to Bob' });
    const approvalId = toolPart(chat).approval.id;
    // A resume while it waits is open until the decision, which alice gives in the inbox.
    const resuming = chat.resumeStream();
    await heed.tasks.respond(
      approvalId,
      { outcome: 'reject', comment: 'Not today' },
      { principal: 'user:alice', via: 'inbox' },
    );
    await resuming;
    await vi.waitFor(async () => {
      if (toolPart(chat).state !== 'output-denied') await chat.resumeStream();
      expect(toolPart(chat).state).toBe('output-denied');
    });
    expect(textOf(chat.lastMessage)).toBe('Alice rejected "Transfer $150 to Bob": Not today.');
    expect(taskCard(chat.lastMessage)).toMatchObject({ state: 'rejected', decidedBy: { name: 'Alice' }, via: 'inbox' });
    expect(await transportFor(first.url, 'user:carol').reconnectToStream({ chatId: 'elsewhere' })).toBeNull();
    await first.close();

    // Another process on the same store: the thread goes on, with its memory.
    const next = reopen();
    registerBanking(next, new OfflineModel(), { approvals: { assignees: ['user:alice'] } });
    const second = await startServer(next, { port: 0 });
    try {
      const again = new TestChat({ id: 'elsewhere', transport: transportFor(second.url, 'user:carol') });
      again.messages = (
        (await fetch(`${second.url}/v1/chat/elsewhere`, { headers: { 'x-heed-principal': 'user:carol' } }).then((r) =>
          r.json(),
        )) as any
      ).messages;
      expect(again.messages).toHaveLength(2);
      await again.sendMessage({ text: 'Deposit $20' });
      expect(textOf(again.lastMessage)).toBe('Deposited $20. Your balance is $1020.');
      const turn = (await next.runs.list({ workflow: 'banking' })).items.find(
        (r) => (r.input as any).message === 'Deposit $20',
      );
      expect(JSON.stringify((turn?.input as any)?.messages)).toContain('Not today');
      expect(again.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    } finally {
      await second.close();
    }
  });

  it("regenerates the latest reply as useChat's regenerate() asks: a new message in its place, the old one forgotten", async () => {
    const s = await bankServer();
    const chat = new TestChat({ id: 'regen1', transport: transportFor(s.url, 'user:carol') });
    await chat.sendMessage({ text: "What's my balance?" });
    const replaced = chat.lastMessage?.id;
    expect(textOf(chat.lastMessage)).toBe('Your balance is $1000.');

    await chat.regenerate();
    expect(chat.status).toBe('ready');
    expect(chat.error).toBeUndefined();
    expect(chat.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(chat.lastMessage?.id).not.toBe(replaced);
    expect(textOf(chat.lastMessage)).toBe('Your balance is $1000.');
    // The agent ran the message again, seeing the conversation as it was before the first reply.
    const runs = (await s.heed.runs.list({ workflow: 'banking' })).items;
    expect(runs.map((r) => (r.input as any).message)).toEqual(["What's my balance?", "What's my balance?"]);
    for (const run of runs) expect((run.input as any).messages).toEqual([]);
    // A reload shows the new reply only.
    const reloaded = (await s.call('GET', '/v1/chat/regen1', { as: 'user:carol' })).body.messages;
    expect(reloaded.map((m: UIMessage) => m.id)).toEqual(chat.messages.map((m) => m.id));

    // The next turn remembers the question once, with the regenerated reply.
    await chat.sendMessage({ text: 'Deposit $50' });
    expect(textOf(chat.lastMessage)).toBe('Deposited $50. Your balance is $1050.');
    const deposit = (await s.heed.runs.list({ workflow: 'banking' })).items.find(
      (r) => (r.input as any).message === 'Deposit $50',
    );
    const memory = JSON.stringify((deposit?.input as any)?.messages);
    expect(memory.split("What's my balance?").length - 1).toBe(1);
    expect(memory.split('"text":"Your balance is $1000."').length - 1).toBe(1);

    // Only the latest reply can be redone: an earlier one is a conflict, an unknown message 404.
    const earlier = await s.call('POST', '/v1/chat', {
      as: 'user:carol',
      body: {
        id: 'regen1',
        trigger: 'regenerate-message',
        messageId: chat.messages[1]?.id,
        messages: [chat.messages[0]],
      },
    });
    expect(earlier.status).toBe(409);
    const unknown = await s.call('POST', '/v1/chat', {
      as: 'user:carol',
      body: {
        id: 'regen1',
        trigger: 'regenerate-message',
        messages: [{ id: 'nope', role: 'user', parts: [{ type: 'text', text: 'x' }] }],
      },
    });
    expect(unknown.status).toBe(404);
    // Nobody else regenerates carol's chat.
    const other = await s.call('POST', '/v1/chat', {
      as: 'user:mallory',
      body: { id: 'regen1', trigger: 'regenerate-message', messages: [chat.messages[2]] },
    });
    expect(other.status).toBe(404);
  });

  it('a new message while the turn waits says for whom, however many other tasks are pending', async () => {
    const s = await bankServer({ approvals: { assignees: ['user:alice'] } });
    const chat = new TestChat({ id: 'busy1', transport: transportFor(s.url, 'user:carol') });
    await chat.sendMessage({ text: 'Transfer $150 to Bob' });
    expect(toolPart(chat).state).toBe('approval-requested');
    await s.clock.advance('1s');
    // 101 newer pending tasks, none of this chat's.
    await Promise.all(
      Array.from({ length: 101 }, (_, i) =>
        s.heed.tasks.create({ type: 'approval', title: `Other ${i}`, assignees: ['user:dave'] }),
      ),
    );
    const busy = await s.call('POST', '/v1/chat', {
      as: 'user:carol',
      body: { id: 'busy1', messages: [{ id: 'm2', role: 'user', parts: [{ type: 'text', text: 'hello?' }] }] },
    });
    expect(busy.status).toBe(409);
    expect(busy.body.error.message).toContain('waiting for Alice');
  });
});
