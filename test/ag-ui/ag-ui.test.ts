// biome-ignore-all lint/suspicious/noExplicitAny: AG-UI events and HTTP bodies are checked by the assertions
/**
 * `POST /v1/ag-ui` driven by the official AG-UI client (`@ag-ui/client`'s `HttpAgent`, which
 * validates every event it reads) against a real server on a real store: text, tool calls, an
 * approval as an interrupt whose id is the Heed task id, a resume as the AG-UI user (refused by
 * four-eyes, accepted for an assignee, with edits), a decision made by another person over HTTP,
 * reminders while it waits, and a restart while it waits.
 */
import { randomUUID } from 'node:crypto';
import { type BaseEvent, HttpAgent, type RunAgentParameters } from '@ag-ui/client';
import { EventSchemas } from '@ag-ui/core/schemas';
import { describe, expect, it, vi } from 'vitest';
import { OfflineModel } from '../../src/agent/offline-model.ts';
import type { ApprovalPolicy, ChatTurnInput } from '../../src/agent/types.ts';
import { registerBanking } from '../../src/demo/banking.ts';
import type { Heed } from '../../src/index.ts';
import { startServer } from '../../src/server/serve.ts';
import { VirtualClock } from '../../src/time/virtual-clock.ts';
import { testEngine } from '../helpers.ts';
import { testServer } from '../server/helpers.ts';

/**
 * A server with the banking agent, on a virtual clock that starts now: the client compares an
 * interrupt's `expiresAt` with its own (real) clock.
 */
async function bankServer(approvals: ApprovalPolicy = {}, setup?: (heed: Heed) => void) {
  const clock = new VirtualClock(Date.now());
  const server = await testServer({
    heed: { clock },
    setup: (heed) => {
      registerBanking(heed, new OfflineModel(), { approvals });
      setup?.(heed);
    },
  });
  return { ...server, clock };
}

/** The official client, as `principal` (development mode), on `threadId` (a new thread by default). */
const client = (url: string, principal: string, threadId?: string) =>
  new HttpAgent({
    url: `${url}/v1/ag-ui`,
    headers: { 'x-heed-principal': principal },
    ...(threadId ? { threadId } : {}),
  });

/** One run through the client: the events it read (each also checked against the protocol's schema). */
async function run(agent: HttpAgent, params: RunAgentParameters = {}): Promise<any[]> {
  const events: BaseEvent[] = [];
  await agent.runAgent(params, { onEvent: ({ event }) => void events.push(event) });
  for (const event of events) expect(EventSchemas.safeParse(event).success, JSON.stringify(event)).toBe(true);
  return events;
}

/** The HTTP error a run fails with (the client also logs it: kept out of the test's output). */
async function refusal(agent: HttpAgent): Promise<unknown> {
  const log = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    return await agent.runAgent().then(
      () => undefined,
      (error: unknown) => error,
    );
  } finally {
    log.mockRestore();
  }
}

/** A user message, then a run. */
function say(agent: HttpAgent, text: string): Promise<any[]> {
  agent.addMessage({ id: randomUUID(), role: 'user', content: text });
  return run(agent);
}

const types = (events: any[]) => events.map((e) => e.type);
const finished = (events: any[]) => events.find((e) => e.type === 'RUN_FINISHED');
const interrupts = (events: any[]) => finished(events)?.outcome?.interrupts ?? [];
const text = (events: any[]) =>
  events
    .filter((e) => e.type === 'TEXT_MESSAGE_CONTENT')
    .map((e) => e.delta)
    .join('');
const resultOf = (events: any[], toolCallId: string) =>
  JSON.parse(events.find((e) => e.type === 'TOOL_CALL_RESULT' && e.toolCallId === toolCallId)?.content ?? 'null');
const approve = (id: string, payload: Record<string, unknown> = { approved: true }) => ({
  resume: [{ interruptId: id, status: 'resolved' as const, payload }],
});

describe('POST /v1/ag-ui with @ag-ui/client HttpAgent', () => {
  it('a text-only turn, then a tool call on the same durable thread; the thread is its owner’s', async () => {
    const s = await bankServer();
    const agent = client(s.url, 'user:carol');
    const first = await say(agent, 'hello');
    expect(types(first)[0]).toBe('RUN_STARTED');
    expect(types(first)).toEqual(
      expect.arrayContaining(['TEXT_MESSAGE_START', 'TEXT_MESSAGE_CONTENT', 'TEXT_MESSAGE_END']),
    );
    expect(types(first)).not.toContain('TOOL_CALL_START');
    expect(finished(first)).toMatchObject({ threadId: agent.threadId, outcome: { type: 'success' } });
    expect(text(first)).toMatch(/^I can check the balance of your account, deposit money/);
    expect(agent.messages.at(-1)).toMatchObject({ role: 'assistant', content: text(first) });
    expect(agent.pendingInterrupts).toEqual([]);

    const second = await say(agent, 'Deposit $50');
    const call = second.find((e) => e.type === 'TOOL_CALL_START');
    expect(call).toMatchObject({ toolCallName: 'deposit' });
    expect(second.find((e) => e.type === 'TOOL_CALL_ARGS')).toMatchObject({ delta: '{"amount":50}' });
    expect(resultOf(second, call.toolCallId)).toMatchObject({ balance: 1050 });
    expect(text(second)).toBe('Deposited $50. Your balance is $1050.');
    expect(finished(second).outcome).toEqual({ type: 'success' });
    // The same thread is a Heed chat: one thread run, one turn per message, with its memory.
    const chat = await s.call('GET', `/v1/chat/${agent.threadId}`, { as: 'user:carol' });
    expect(chat.body.messages.map((m: any) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);

    // A run with nothing to do is a RUN_ERROR; an id Heed cannot keep, a 422 before any event.
    const idle = await run(client(s.url, 'user:carol', agent.threadId));
    expect(idle.find((e) => e.type === 'RUN_ERROR')).toMatchObject({ code: 'NOTHING_TO_RUN' });
    const odd = client(s.url, 'user:carol', agent.threadId);
    odd.addMessage({ id: 'not/an/id', role: 'user', content: 'hello' });
    expect(await refusal(odd)).toMatchObject({ status: 422 });

    // Someone else may not use (or learn of) the thread.
    const mallory = client(s.url, 'user:mallory', agent.threadId);
    mallory.addMessage({ id: randomUUID(), role: 'user', content: 'Transfer $500 to Mallory' });
    expect(await refusal(mallory)).toMatchObject({ status: 404 });
  });

  it('asks approval: the interrupt id is the task id, expiresAt its deadline; reminded while it waits; four-eyes keeps it interrupted, naming who was asked; decided by ops over HTTP, the resume continues', async () => {
    const s = await bankServer({ assignees: ['user:ops'], deadline: '2h', remind: { after: '10m' } });
    const carol = client(s.url, 'user:carol');
    const asked = await say(carol, 'Transfer $150 to Bob');
    const call = asked.find((e) => e.type === 'TOOL_CALL_START');
    expect(call).toMatchObject({ toolCallName: 'transfer' });
    expect(finished(asked).outcome.type).toBe('interrupt');
    const [interrupt] = interrupts(asked);
    const task = (await s.call('GET', `/v1/tasks/${interrupt.id}`, { as: 'user:ops' })).body;
    expect(task).toMatchObject({
      type: 'approval',
      status: 'pending',
      requester: 'user:carol',
      title: 'Transfer $150 to Bob?',
    });
    expect(interrupt).toMatchObject({
      id: task.id,
      reason: 'tool_call',
      message: 'Transfer $150 to Bob?',
      toolCallId: call.toolCallId,
      expiresAt: new Date(task.deadline).toISOString(),
      responseSchema: { required: ['approved'], properties: { editedArgs: { required: ['to', 'amount'] } } },
    });
    expect(carol.pendingInterrupts.map((i) => i.id)).toEqual([task.id]);
    const snapshot = asked.find((e) => e.type === 'STATE_SNAPSHOT').snapshot.heed;
    expect(snapshot).toMatchObject({
      status: 'waiting',
      waitingFor: [{ taskId: task.id, asked: [{ principal: 'user:ops' }] }],
    });

    // Reminded while it waits (virtual clock): the audit chain shows it.
    await s.heed.idle();
    await s.clock.advance('10m');
    await s.heed.idle();
    await vi.waitFor(async () => {
      const audit = (await s.call('GET', `/v1/tasks/${task.id}/audit`, { as: 'user:ops' })).body;
      expect(audit.items.map((a: any) => a.action)).toContain('reminded');
    });

    // carol asked, so she may not approve: nothing is answered, the run ends interrupted again.
    const refused = await run(carol, approve(task.id));
    expect(text(refused)).toBe('You asked for this, so you cannot approve it yourself: Ops was asked to decide.');
    expect(refused.find((e) => e.name === 'heed.refused').value).toMatchObject({
      taskId: task.id,
      asked: ['user:ops'],
    });
    expect(interrupts(refused).map((i: any) => i.id)).toEqual([task.id]);
    expect((await s.call('GET', `/v1/tasks/${task.id}`, { as: 'user:ops' })).body.status).toBe('pending');
    expect(types(refused)).not.toContain('TOOL_CALL_RESULT');

    // Another client on the thread (who knows of no interrupt) sends new input: a clear RUN_ERROR.
    const tab = client(s.url, 'user:carol', carol.threadId);
    const blocked = await say(tab, 'Deposit $5');
    expect(blocked.find((e) => e.type === 'RUN_ERROR')).toMatchObject({ code: 'INTERRUPT_PENDING' });
    expect(blocked.find((e) => e.type === 'RUN_ERROR').message).toContain(
      'waits for Ops to decide on "Transfer $150 to Bob?"',
    );

    // ops decides on another channel (HTTP); carol's client resumes and sees the rest of the turn.
    const decided = await s.call('POST', `/v1/tasks/${task.id}/responses`, {
      as: 'user:ops',
      body: { outcome: 'approve' },
    });
    expect(decided.status).toBe(200);
    const resumed = await run(carol, approve(task.id));
    expect(types(resumed)).not.toContain('TOOL_CALL_START'); // not proposed again
    expect(resultOf(resumed, call.toolCallId)).toMatchObject({ transferred: 150, to: 'Bob', balance: 850 });
    expect(text(resumed)).toBe('Transferred $150 to Bob. Your balance is $850.');
    expect(resumed.find((e) => e.name === 'heed.task').value).toMatchObject({
      taskId: task.id,
      state: 'approved',
      decidedBy: { principal: 'user:ops' },
    });
    expect(finished(resumed).outcome).toEqual({ type: 'success' });
    expect(carol.pendingInterrupts).toEqual([]);
    const result = (await s.call('GET', `/v1/tasks/${task.id}`, { as: 'user:ops' })).body.result;
    expect(result).toMatchObject({ outcome: 'approve', by: 'user:ops', via: 'api' });
  });

  it('the AG-UI user who may approve answers in the resume: approveWithEdits (validated by the tool schema), and a rejection with its reason', async () => {
    // The bank's agent asks (requester agent:bank) and ops approves: ops chats with the agent.
    const s = await bankServer({ assignees: ['user:ops'], requester: 'agent:bank' });
    const ops = client(s.url, 'user:ops');
    const asked = await say(ops, 'Transfer $150 to Bob');
    const [interrupt] = interrupts(asked);
    const toolCallId = interrupt.toolCallId;

    // Invalid edits: RUN_ERROR, nothing answered, the interrupt is still open.
    const invalid = await run(ops, approve(interrupt.id, { approved: true, editedArgs: { to: 'Bob', amount: -5 } }));
    expect(invalid.find((e) => e.type === 'RUN_ERROR')).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await s.heed.tasks.get(interrupt.id))?.status).toBe('pending');

    const edited = await run(ops, approve(interrupt.id, { approved: true, editedArgs: { to: 'Bob', amount: 120 } }));
    expect(resultOf(edited, toolCallId)).toMatchObject({
      transferred: 120,
      to: 'Bob',
      note: 'Ops changed amount from 150 to 120 before approving.',
    });
    expect(finished(edited).outcome).toEqual({ type: 'success' });
    const task = await s.heed.tasks.get(interrupt.id);
    expect(task?.result).toMatchObject({
      outcome: 'approve',
      by: 'user:ops',
      via: 'ag-ui',
      args: { to: 'Bob', amount: 120 },
    });
    expect(task?.result?.edit?.changes).toEqual([{ path: 'amount', from: 150, to: 120 }]);

    const next = await say(ops, 'Transfer $200 to Dan');
    const [second] = interrupts(next);
    const rejected = await run(ops, approve(second.id, { approved: false, reason: 'Not this month' }));
    expect(resultOf(rejected, second.toolCallId)).toMatchObject({
      denied: true,
      state: 'rejected',
      decidedBy: 'user:ops',
      via: 'ag-ui',
      reason: 'Not this month',
    });
    expect(text(rejected)).toBe('Ops rejected "Transfer $200 to Dan": Not this month.');
  });

  it('every open interrupt is answered at once; a resume missing one is an error and answers nothing', async () => {
    const s = await bankServer({}, (heed) =>
      heed.workflow('two-approvals', async (ctx, _input: ChatTurnInput) => {
        const asks = ['Open the vault?', 'Call the police?'].map((title) =>
          ctx.ask({ type: 'approval', title, assignees: ['user:carol'], requester: 'agent:bank' }),
        );
        // (Which result is whose is the engine's business: the test checks each task itself.)
        const outcomes = (await Promise.all(asks)).map((r) => r.outcome).sort();
        return { reply: `decided: ${outcomes.join(', ')}` };
      }),
    );
    const carol = client(s.url, 'user:carol');
    carol.addMessage({ id: randomUUID(), role: 'user', content: 'Alarm!' });
    const asked = await run(carol, { forwardedProps: { agent: 'two-approvals' } });
    const open = interrupts(asked);
    expect(open.map((i: any) => [i.message, i.reason]).sort()).toEqual([
      ['Call the police?', 'confirmation'],
      ['Open the vault?', 'confirmation'],
    ]);
    const vault = open.find((i: any) => i.message === 'Open the vault?').id;
    const police = open.find((i: any) => i.message === 'Call the police?').id;
    // The client itself refuses a partial resume; another client on the thread sends one.
    await expect(run(carol, approve(open[0].id))).rejects.toThrow(/not addressed by resume/);
    const tab = client(s.url, 'user:carol', carol.threadId);
    const partial = await run(tab, approve(open[0].id));
    expect(partial.find((e) => e.type === 'RUN_ERROR')).toMatchObject({ code: 'INTERRUPT_PENDING' });
    expect(partial.find((e) => e.type === 'RUN_ERROR').message).toContain(open[1].id);
    expect((await s.heed.tasks.get(open[0].id))?.status).toBe('pending');
    const unknown = await run(tab, approve('no-such-task'));
    expect(unknown.find((e) => e.type === 'RUN_ERROR')).toMatchObject({ code: 'INTERRUPT_NOT_FOUND' });

    const both = await run(carol, {
      resume: [
        { interruptId: vault, status: 'resolved', payload: { approved: true } },
        { interruptId: police, status: 'resolved', payload: { approved: false, reason: 'False alarm' } },
      ],
    });
    expect(finished(both)).toMatchObject({
      outcome: { type: 'success' },
      result: { reply: 'decided: approve, reject' },
    });
    expect((await s.heed.tasks.get(vault))?.result).toMatchObject({
      outcome: 'approve',
      by: 'user:carol',
      via: 'ag-ui',
    });
    expect((await s.heed.tasks.get(police))?.result).toMatchObject({ outcome: 'reject', comment: 'False alarm' });
  });

  it('a question is an input_required interrupt, answered with {answer}', async () => {
    const s = await bankServer({}, (heed) =>
      heed.workflow('ask-colour', async (ctx, _input: ChatTurnInput) => {
        const answer = await ctx.ask({
          type: 'clarification',
          title: 'Which colour?',
          assignees: ['user:carol'],
          requester: 'agent:paint',
        });
        await ctx.setStatus('output', `Painting it ${answer.comment}.`);
        return { reply: `Painting it ${answer.comment}.` };
      }),
    );
    const carol = client(s.url, 'user:carol');
    carol.addMessage({ id: randomUUID(), role: 'user', content: 'Paint the fence' });
    const [question] = interrupts(await run(carol, { forwardedProps: { agent: 'ask-colour' } }));
    expect(question).toMatchObject({ reason: 'input_required', message: 'Which colour?' });
    expect(question.responseSchema).toMatchObject({ required: ['answer'] });
    const bad = await run(carol, approve(question.id, { approved: true }));
    expect(bad.find((e) => e.type === 'RUN_ERROR')).toMatchObject({ code: 'INVALID_RESUME' });
    const answered = await run(carol, approve(question.id, { answer: 'blue' }));
    expect(answered.map((e) => [e.type, e.name ?? e.delta ?? e.outcome?.type ?? e.code ?? null])).toEqual([
      ['RUN_STARTED', null],
      ['CUSTOM', 'heed.task'],
      ['TEXT_MESSAGE_START', null],
      ['TEXT_MESSAGE_CONTENT', 'Painting it blue.'],
      ['TEXT_MESSAGE_END', null],
      ['STATE_SNAPSHOT', null],
      ['RUN_FINISHED', 'success'],
    ]);
    expect((await s.heed.tasks.get(question.id))?.result).toMatchObject({
      outcome: 'answer',
      by: 'user:carol',
      via: 'ag-ui',
    });
  });

  it('a cancelled interrupt cancels the task; a resume after the deadline decided is stale until cancelled', async () => {
    const s = await bankServer({ assignees: ['user:ops'], deadline: '1h' });
    const carol = client(s.url, 'user:carol');
    const [first] = interrupts(await say(carol, 'Transfer $150 to Bob'));
    const cancelled = await run(carol, { resume: [{ interruptId: first.id, status: 'cancelled' }] });
    expect((await s.heed.tasks.get(first.id))?.result).toMatchObject({ status: 'cancelled', by: 'user:carol' });
    expect(text(cancelled)).toBe('The request "Transfer $150 to Bob" was cancelled, so it was not done.');
    expect(finished(cancelled).outcome).toEqual({ type: 'success' });

    const [second] = interrupts(await say(carol, 'Transfer $300 to Dan'));
    await s.heed.idle();
    await s.clock.advance('1h');
    await vi.waitFor(async () => expect((await s.heed.tasks.get(second.id))?.status).not.toBe('pending'));
    // (The client's own expiry check reads the real clock; the server's deadline has passed.)
    const stale = await run(carol, approve(second.id));
    expect(stale.find((e) => e.type === 'RUN_ERROR')).toMatchObject({ code: 'INTERRUPT_EXPIRED' });
    const after = await run(carol, { resume: [{ interruptId: second.id, status: 'cancelled' }] });
    expect(text(after)).toBe('Heed rejected "Transfer $300 to Dan": No answer before the deadline.');
    expect(finished(after).outcome).toEqual({ type: 'success' });
  });

  it('with API keys: the key is the principal, and a new thread follows the rule of POST /v1/runs', async () => {
    const s = await testServer({
      auth: {
        keys: new Map([
          ['k-carol', 'user:carol'],
          ['k-eve', 'user:eve'],
        ]),
        admins: new Set(),
      },
      startable: { banking: ['user:carol'] },
      setup: (heed) => void registerBanking(heed, new OfflineModel()),
    });
    const as = (key?: string, threadId?: string) =>
      new HttpAgent({
        url: `${s.url}/v1/ag-ui`,
        headers: key ? { authorization: `Bearer ${key}` } : {},
        ...(threadId ? { threadId } : {}),
      });
    const carol = as('k-carol');
    expect(finished(await say(carol, 'Deposit $5')).outcome).toEqual({ type: 'success' });
    const eve = as('k-eve');
    eve.addMessage({ id: randomUUID(), role: 'user', content: 'hello' });
    expect(await refusal(eve)).toMatchObject({ status: 403 });
    const intruder = as('k-eve', carol.threadId);
    intruder.addMessage({ id: randomUUID(), role: 'user', content: 'Transfer $500 to Eve' });
    expect(await refusal(intruder)).toMatchObject({ status: 404 });
    const anonymous = as();
    anonymous.addMessage({ id: randomUUID(), role: 'user', content: 'hello' });
    expect(await refusal(anonymous)).toMatchObject({ status: 401 });
  });

  it('a restart while it waits: a new server on the same store resumes the thread with the decision', async () => {
    const { heed, reopen } = testEngine();
    const approvals = { assignees: ['user:ops'] };
    registerBanking(heed, new OfflineModel(), { approvals });
    const first = await startServer(heed, { port: 0 });
    const carol = client(first.url, 'user:carol');
    const asked = await say(carol, 'Transfer $150 to Bob');
    const [interrupt] = interrupts(asked);
    await first.close();

    const next = reopen();
    registerBanking(next, new OfflineModel(), { approvals });
    const second = await startServer(next, { port: 0 });
    try {
      const decided = await fetch(`${second.url}/v1/tasks/${interrupt.id}/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-heed-principal': 'user:ops' },
        body: JSON.stringify({ outcome: 'approve' }),
      });
      expect(decided.status).toBe(200);
      carol.url = `${second.url}/v1/ag-ui`;
      const resumed = await run(carol, approve(interrupt.id));
      expect(resultOf(resumed, interrupt.toolCallId)).toMatchObject({ transferred: 150 });
      expect(finished(resumed).outcome).toEqual({ type: 'success' });
    } finally {
      await second.close();
    }
  });
});
