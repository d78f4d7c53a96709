// biome-ignore-all lint/suspicious/noExplicitAny: HTTP bodies are arbitrary JSON checked by the assertions
import { describe, expect, it, vi } from 'vitest';
import { registerDemoWorkflows } from '../../src/demo/workflows.ts';
import { testServer } from '../server/helpers.ts';

/** The service `npm start` runs: demo workflows on the offline model. */
const demoServer = () => testServer({ setup: (heed) => registerDemoWorkflows(heed) });

async function runStatus(s: Awaited<ReturnType<typeof demoServer>>, id: string, status: string) {
  await vi.waitFor(async () => expect((await s.call('GET', `/v1/runs/${id}`)).body.status).toBe(status), {
    timeout: 5000,
  });
  return (await s.call('GET', `/v1/runs/${id}`)).body;
}

describe('the demo contract (DESIGN.md issue 5): banking over HTTP', () => {
  it('a $150 transfer waits for an approval task bound to the run; approving finishes the transfer', async () => {
    const s = await demoServer();
    const run = (
      await s.call('POST', '/v1/runs', { body: { workflow: 'banking', input: { message: 'Transfer $150 to Alice' } } })
    ).body;
    await runStatus(s, run.id, 'waiting');
    const tasks = (await s.call('GET', '/v1/tasks?status=pending')).body.items;
    const task = tasks.find((t: any) => t.runId === run.id);
    expect(task).toMatchObject({
      type: 'approval',
      status: 'pending',
      runId: run.id,
      action: { tool: 'transfer', args: { to: 'Alice', amount: 150 } },
    });
    const answered = await s.call('POST', `/v1/tasks/${task.id}/responses`, {
      as: 'user:alice',
      body: { outcome: 'approve' },
    });
    expect(answered.status).toBe(200);
    const done = await runStatus(s, run.id, 'succeeded');
    expect(done.output.reply).toContain('Transferred $150 to Alice');
  });

  it('a $50 transfer finishes without a task; a rejection with a comment tells the user why', async () => {
    const s = await demoServer();
    const small = (
      await s.call('POST', '/v1/runs', { body: { workflow: 'banking', input: { message: 'Transfer $50 to Alice' } } })
    ).body;
    expect((await runStatus(s, small.id, 'succeeded')).output.reply).toContain('Transferred $50 to Alice');
    expect((await s.call('GET', '/v1/tasks')).body.items).toEqual([]);

    const big = (
      await s.call('POST', '/v1/runs', { body: { workflow: 'banking', input: { message: 'Transfer $150 to Alice' } } })
    ).body;
    await runStatus(s, big.id, 'waiting');
    const task = (await s.call('GET', '/v1/tasks?status=pending')).body.items[0];
    await s.call('POST', `/v1/tasks/${task.id}/responses`, {
      as: 'user:bob',
      body: { outcome: 'reject', comment: 'Alice already got paid' },
    });
    const done = await runStatus(s, big.id, 'succeeded');
    expect(done.output.reply).toContain('Alice already got paid');
  });

  it('streams a chat turn (AI SDK UI message stream) to its approval; the client leaves; the answer resumes it', async () => {
    const s = await demoServer();
    const response = await fetch(`${s.url}/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'demo-chat',
        messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Transfer $150 to Alice' }] }],
      }),
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('"tool-approval-request"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await reader.cancel(); // the connection closes while the turn waits
    const request = JSON.parse(/data: (\{"type":"tool-approval-request".*)/.exec(text)?.[1] ?? '{}');
    const task = (await s.call('GET', `/v1/tasks/${request.approvalId}`)).body;
    expect(task).toMatchObject({ title: 'Transfer $150 to Alice?', metadata: { toolCallId: request.toolCallId } });
    await s.call('POST', `/v1/tasks/${task.id}/responses`, { as: 'user:alice', body: { outcome: 'approve' } });
    await runStatus(s, task.runId, 'succeeded');
    const rest = (await s.call('GET', '/v1/chat/demo-chat')).body.messages;
    const reply = rest.at(-1);
    expect(reply.parts.find((p: any) => p.type === 'tool-transfer')).toMatchObject({ state: 'output-available' });
    expect(
      reply.parts
        .filter((p: any) => p.type === 'text')
        .map((p: any) => p.text)
        .join(''),
    ).toBe('Transferred $150 to Alice. Your balance is $850.');
  });
});
