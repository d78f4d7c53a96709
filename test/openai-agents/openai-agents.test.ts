import { createServer, type Server } from 'node:http';
import { Agent, OpenAIProvider, Runner, setTracingDisabled, tool } from '@openai/agents';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Heed } from '../../src/index.ts';
import { openAIAgentWorkflow } from '../../src/openai-agents/index.ts';
import { rawSql, testEngine } from '../helpers.ts';

// Traces would go to OpenAI's servers: no network in tests.
setTracingDisabled(true);

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

interface ResponsesRequest {
  model: string;
  input: { type?: string; role?: string; call_id?: string; output?: unknown; name?: string }[];
  tools?: { type: string; name: string }[];
}

/**
 * A local server speaking OpenAI's Responses API (what the Agents SDK uses by default): the first
 * call asks for the `refund` tool; once the input carries the tool's output (or its rejection),
 * it answers with text that repeats what it was told. No network, no key.
 */
async function localResponsesApi(
  calls: { id: string; args: Record<string, unknown> }[] = [
    { id: 'call_refund_1', args: { order: 'A-17', cents: 15000 } },
  ],
) {
  const requests: ResponsesRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const request = JSON.parse(body) as ResponsesRequest;
      requests.push(request);
      const toolOutput = request.input.find((item) => item.type === 'function_call_output');
      const n = requests.length;
      const output = toolOutput
        ? [
            {
              type: 'message',
              id: `msg_${n}`,
              role: 'assistant',
              status: 'completed',
              content: [
                { type: 'output_text', text: `The tool said: ${JSON.stringify(toolOutput.output)}`, annotations: [] },
              ],
            },
          ]
        : calls.map((call, i) => ({
            type: 'function_call',
            id: `fc_${n}_${i}`,
            call_id: call.id,
            name: 'refund',
            arguments: JSON.stringify(call.args),
            status: 'completed',
          }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: `resp_${n}`,
          object: 'response',
          created_at: 1,
          status: 'completed',
          model: request.model,
          output,
          usage: {
            input_tokens: 10,
            output_tokens: 5,
            total_tokens: 15,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens_details: { reasoning_tokens: 0 },
          },
        }),
      );
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { baseURL: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1`, requests };
}

/**
 * What a process registers at start: a fresh agent, runner and tool every time, so that nothing
 * but the store carries a run from one "process" to the next.
 */
function registerSupportAgent(heed: Heed, baseURL: string) {
  const refunds: { order: string; cents: number; callId: string | undefined }[] = [];
  const refund = tool({
    name: 'refund',
    description: 'Refund an order',
    parameters: z.object({ order: z.string(), cents: z.number() }),
    needsApproval: true,
    execute: async ({ order, cents }, _context, details) => {
      refunds.push({ order, cents, callId: details?.toolCall?.callId });
      return `refund of ${cents} cents for ${order} issued`;
    },
  });
  const agent = new Agent({ name: 'support', instructions: 'Help customers.', model: 'gpt-test', tools: [refund] });
  const runner = new Runner({
    modelProvider: new OpenAIProvider({ openAIClient: new OpenAI({ baseURL, apiKey: 'local-test' }) }),
  });
  const workflow = openAIAgentWorkflow(heed, 'support-agent', {
    agent,
    runner,
    approval: (call) => ({
      assignees: ['user:alice'],
      deadline: '3d',
      remind: { after: '1d' },
      title: `Refund ${String(call.args.order)}?`,
    }),
  });
  return { workflow, refunds };
}

describe('OpenAI Agents JS with Heed approvals (the real @openai/agents, a local Responses API)', () => {
  it('turns the interruption into a task, keeps the RunState in the run, and resumes in a new process days later', async () => {
    const api = await localResponsesApi();
    const { heed, store, clock, reopen } = testEngine();
    const first = registerSupportAgent(heed, api.baseURL);
    await heed.start();
    const run = await first.workflow.start({ input: 'Please refund order A-17, it arrived broken.' });
    await heed.idle();

    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]?.tools?.map((t) => t.name)).toEqual(['refund']);
    const [task] = (await heed.tasks.inbox('user:alice')).items;
    expect(task).toMatchObject({
      type: 'approval',
      title: 'Refund A-17?',
      action: { tool: 'refund', args: { order: 'A-17', cents: 15000 } },
      assignees: [{ principal: 'user:alice', level: 0 }],
      runId: run.id,
    });
    expect(task?.deadline).toBe(clock.now() + 3 * 86_400_000);
    expect(await heed.getStatus(run.id, 'agent')).toMatchObject({ status: 'pending_approval' });
    // The agent's RunState is the recorded result of the run's first step.
    const step = (await store.loadHistory(run.id)).find((op) => op.name === 'openai-agents.run');
    const snapshot = JSON.parse(step?.output ?? '{}') as { state: string };
    expect(JSON.parse(snapshot.state)).toMatchObject({ currentAgent: { name: 'support' } });
    expect(first.refunds).toEqual([]);
    await heed.stop();

    // A new process on the same file, two days later: the reminder went out, Alice approves.
    const heed2 = reopen();
    const second = registerSupportAgent(heed2, api.baseURL);
    await heed2.start();
    await clock.advance('2d');
    await heed2.idle();
    expect((await heed2.tasks.audit(task?.id ?? '')).map((e) => e.action)).toContain('reminded');
    expect(api.requests).toHaveLength(1);
    await heed2.tasks.respond(task?.id ?? '', { outcome: 'approve' }, { principal: 'user:alice', via: 'slack' });

    const output = await heed2.handle(run.id).result();
    expect(output).toMatchObject({
      finalOutput: 'The tool said: "refund of 15000 cents for A-17 issued"',
      decisions: [
        {
          callId: 'call_refund_1',
          tool: 'refund',
          approved: true,
          outcome: 'approve',
          by: 'user:alice',
          taskId: task?.id,
        },
      ],
    });
    expect(second.refunds).toEqual([{ order: 'A-17', cents: 15000, callId: 'call_refund_1' }]);
    expect(first.refunds).toEqual([]);
    expect(api.requests).toHaveLength(2);
    expect(api.requests[1]?.input.find((i) => i.type === 'function_call_output')).toMatchObject({
      call_id: 'call_refund_1',
    });
    expect(await heed2.getStatus(run.id, 'agent')).toMatchObject({ status: 'done' });
  });

  it('a rejection does not run the tool; the model is told who said no and why', async () => {
    const api = await localResponsesApi();
    const { heed } = testEngine();
    const support = registerSupportAgent(heed, api.baseURL);
    await heed.start();
    const run = await support.workflow.start({ input: 'Refund A-17 please' });
    await heed.idle();
    const [task] = (await heed.tasks.inbox('user:alice')).items;
    await heed.tasks.respond(
      task?.id ?? '',
      { outcome: 'reject', comment: 'already refunded last week' },
      { principal: 'user:alice' },
    );
    const output = await run.result();
    expect(support.refunds).toEqual([]);
    expect(output.decisions).toMatchObject([
      { approved: false, outcome: 'reject', comment: 'already refunded last week' },
    ]);
    const told = api.requests[1]?.input.find((i) => i.type === 'function_call_output');
    expect(JSON.stringify(told?.output)).toContain('rejected by user:alice: already refunded last week');
    expect(output.finalOutput).toContain('already refunded last week');
  });

  it('nobody answering by the deadline rejects (fail closed)', async () => {
    const api = await localResponsesApi();
    const { heed, clock } = testEngine();
    const support = registerSupportAgent(heed, api.baseURL);
    await heed.start();
    const run = await support.workflow.start({ input: 'Refund A-17 please' });
    await heed.idle();
    await clock.advance('3d');
    const output = await run.result();
    expect(support.refunds).toEqual([]);
    expect(output.decisions).toMatchObject([{ approved: false, by: 'system' }]);
    expect(output.finalOutput).toContain('rejected');
  });

  it('two approvals in one turn: approving one and rejecting the other runs exactly the approved call', async () => {
    const api = await localResponsesApi([
      { id: 'call_a', args: { order: 'A-17', cents: 15000 } },
      { id: 'call_b', args: { order: 'B-9', cents: 90000 } },
    ]);
    const { heed } = testEngine();
    const support = registerSupportAgent(heed, api.baseURL);
    await heed.start();
    const run = await support.workflow.start({ input: 'Refund A-17 and B-9' });
    await heed.idle();
    const tasks = (await heed.tasks.inbox('user:alice')).items;
    expect(tasks.map((t) => t.action?.args.order).sort()).toEqual(['A-17', 'B-9']);
    const byOrder = (order: string) => tasks.find((t) => t.action?.args.order === order)?.id ?? '';
    await heed.tasks.respond(byOrder('B-9'), { outcome: 'reject', comment: 'too much' }, { principal: 'user:alice' });
    await heed.tasks.respond(byOrder('A-17'), { outcome: 'approve' }, { principal: 'user:alice' });
    const output = await run.result();
    expect(support.refunds).toEqual([{ order: 'A-17', cents: 15000, callId: 'call_a' }]);
    expect(output.decisions.map((d) => `${d.callId}:${d.approved}`).sort()).toEqual(['call_a:true', 'call_b:false']);
  });

  it('resumed with a call that differs from the one approved (its arguments changed in the stored state), runs nothing', async () => {
    const api = await localResponsesApi();
    const { heed, path, store } = testEngine();
    const support = registerSupportAgent(heed, api.baseURL);
    await heed.start();
    const run = await support.workflow.start({ input: 'Refund A-17 please' });
    await heed.idle();
    const [task] = (await heed.tasks.inbox('user:alice')).items;
    // Someone with write access to the store raises the amount in the recorded agent state.
    const history = await store.loadHistory(run.id);
    const step = history.find((op) => op.name === 'openai-agents.run');
    const tampered = (step?.output ?? '').replaceAll('15000', '9999900');
    expect(tampered).not.toBe(step?.output);
    await rawSql(
      path,
      "UPDATE operations SET output = ? WHERE run_id = ? AND name = 'openai-agents.run'",
      tampered,
      run.id,
    );
    await heed.tasks.respond(task?.id ?? '', { outcome: 'approve' }, { principal: 'user:alice' });
    const output = await run.result();
    expect(support.refunds).toEqual([]);
    const told = api.requests[1]?.input.find((i) => i.type === 'function_call_output');
    expect(JSON.stringify(told?.output)).toContain('differs from the call that was approved');
    expect(output.decisions).toMatchObject([{ approved: true }]);
  });
});
