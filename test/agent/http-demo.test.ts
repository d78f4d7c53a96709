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
    // The demo's approver is user:ops (never the customer who asked).
    const answered = await s.call('POST', `/v1/tasks/${task.id}/responses`, {
      as: 'user:ops',
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
      as: 'user:ops',
      body: { outcome: 'reject', comment: 'Alice already got paid' },
    });
    const done = await runStatus(s, big.id, 'succeeded');
    expect(done.output.reply).toContain('Alice already got paid');
  });

  it('streams a chat over SSE: approval_required, the client leaves, the answer resumes the run', async () => {
    const s = await demoServer();
    const response = await fetch(`${s.url}/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'Transfer $150 to Alice' }),
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('event: approval_required')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await reader.cancel(); // the connection closes while the run waits
    const runId = JSON.parse(/event: run\ndata: (.*)/.exec(text)?.[1] ?? '{}').runId as string;
    const approval = JSON.parse(/event: approval_required\ndata: (.*)/.exec(text)?.[1] ?? '{}');
    expect(approval.task).toMatchObject({ runId, title: 'Transfer $150 to Alice?' });
    await s.call('POST', `/v1/tasks/${approval.task.id}/responses`, { as: 'user:ops', body: { outcome: 'approve' } });
    const rest = await (await fetch(`${s.url}/v1/runs/${runId}/events`)).text();
    expect(rest).toContain('event: task.ended');
    expect(rest).toContain('Transferred $150 to Alice');
    expect(rest).toContain('event: run.succeeded');
  });
});
