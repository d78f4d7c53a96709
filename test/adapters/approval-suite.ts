/**
 * The scenarios every framework adapter (LangGraph, Mastra) must pass, against a real Heed, a real
 * HTTP server and the real framework: a `refund` the framework stops at for approval becomes a
 * Heed task under the server's approval policy; a different person answers over HTTP; the
 * framework resumes with the decision, across a restart, once, even when two answers race.
 */
import { afterEach, expect, it } from 'vitest';
import type { ToolDecision } from '../../src/agent/approval-rounds.ts';
import type { Workflow } from '../../src/engine/workflow.ts';
import type { Heed } from '../../src/index.ts';
import { type RunningServer, startServer } from '../../src/server/serve.ts';
import { testEngine } from '../helpers.ts';

/** What the framework's refund code did after its stop: one entry per run of the code after the stop. */
export interface Effects {
  refunds: { order: string; cents: number; callId: string }[];
  /** Every decision the framework code was resumed with. */
  resumedWith: ToolDecision[];
}

export interface RefundInput {
  input: { order: string; cents: number };
}
export interface RefundOutput {
  output: { result?: string } | unknown;
  decisions: ToolDecision[];
}

export interface AdapterUnderTest {
  /** The adapter's step prefix (`<prefix>.run`, `<prefix>.resume`). */
  prefix: string;
  /**
   * What a process registers at start, with a fresh framework instance every time (so nothing but
   * the store carries a run from one "process" to the next): a workflow named `refunds` whose code
   * stops for approval of `refund {order, cents}` (asking `user:alice`, allowing edits), refunds
   * `decision.approvedArgs` when approved and returns `{result}`.
   */
  register(heed: Heed, effects: Effects): Workflow<RefundInput, RefundOutput>;
}

/** The server's policy: refunds are decided by user:ops or user:lead, whoever the code asked. */
const POLICY = {
  policies: [
    {
      name: 'refunds',
      match: { tool: 'refund' },
      approvers: ['user:ops', 'user:lead'],
      remind: { after: '1h' },
    },
  ],
};

const servers: RunningServer[] = [];

async function serve(heed: Heed) {
  const server = await startServer(heed, { port: 0 });
  servers.push(server);
  const answer = async (taskId: string, as: string, body: Record<string, unknown>) => {
    const response = await fetch(`${server.url}/v1/tasks/${encodeURIComponent(taskId)}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-heed-principal': as },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return { answer, close: () => server.close() };
}

async function askedTask(heed: Heed, runId: string) {
  await heed.idle();
  const [task] = (await heed.tasks.list({ status: 'pending', askedBy: runId })).items;
  if (!task) throw new Error('no pending task');
  return task;
}

const newEffects = (): Effects => ({ refunds: [], resumedWith: [] });

/** A Heed under the policy with the adapter registered, served over HTTP, and a run waiting on its task. */
async function waitingRefund(adapter: AdapterUnderTest, order: string, cents: number) {
  const effects = newEffects();
  const engine = testEngine(POLICY);
  const workflow = adapter.register(engine.heed, effects);
  await engine.heed.start();
  const http = await serve(engine.heed);
  const run = await workflow.start({ input: { order, cents } }, { initiator: 'user:alice' });
  const task = await askedTask(engine.heed, run.id);
  return { ...engine, effects, http, run, task };
}
const resultOf = (output: RefundOutput) => (output.output as { result?: string }).result;

/** Defines the scenarios (inside the caller's `describe`). */
export function approvalSuite(adapter: AdapterUnderTest): void {
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close().catch(() => {})));
  });

  it('turns the stop into a task under the policy, reminds, takes the decision of another person over HTTP, and resumes once', async () => {
    const { heed, clock, store, effects, http, run, task } = await waitingRefund(adapter, 'A-17', 15000);
    expect(task).toMatchObject({
      type: 'approval',
      action: { tool: 'refund', args: { order: 'A-17', cents: 15000 } },
      requester: 'user:alice',
      policy: { name: 'refunds' },
    });
    // The policy decides who is asked, not the code (it asked user:alice, the requester).
    expect(task.assignees.map((a) => a.principal).sort()).toEqual(['user:lead', 'user:ops']);
    expect(await heed.getStatus(run.id, 'agent')).toMatchObject({ status: 'pending_approval' });
    await clock.advance('2h');
    await heed.idle();
    expect((await heed.tasks.audit(task.id)).map((e) => e.action)).toContain('reminded');
    expect(effects.refunds).toEqual([]);

    // The requester cannot approve her own refund; user:ops can, over HTTP.
    expect((await http.answer(task.id, 'user:alice', { outcome: 'approve' })).status).toBe(403);
    expect((await http.answer(task.id, 'user:ops', { outcome: 'approve', comment: 'ok' })).status).toBe(200);
    const output = await run.result();
    expect(resultOf(output)).toBe('refunded 15000 for A-17');
    expect(effects.refunds).toEqual([{ order: 'A-17', cents: 15000, callId: expect.any(String) }]);
    expect(effects.resumedWith).toMatchObject([
      { approved: true, by: 'user:ops', comment: 'ok', taskId: task.id, edited: false },
    ]);
    expect(output.decisions).toMatchObject([{ approved: true, by: 'user:ops', taskId: task.id }]);
    const names = (await store.loadHistory(run.id)).map((op) => op.name);
    expect(names.filter((n) => n === `${adapter.prefix}.resume`)).toHaveLength(1);
    expect(await heed.getStatus(run.id, 'agent')).toMatchObject({ status: 'done' });
  });

  it('a restart between ask and answer (a new Heed on the same store, a new framework instance) still resumes', async () => {
    const { heed, reopen, effects: first, run, task } = await waitingRefund(adapter, 'B-9', 900);
    await heed.stop();
    const second = newEffects();
    const heed2 = reopen(POLICY);
    adapter.register(heed2, second);
    await heed2.start();
    const http = await serve(heed2);
    expect((await http.answer(task.id, 'user:lead', { outcome: 'approve' })).status).toBe(200);
    const output = await heed2.handle<RefundOutput>(run.id).result();
    expect(resultOf(output)).toBe('refunded 900 for B-9');
    expect(second.refunds).toMatchObject([{ order: 'B-9', cents: 900 }]);
    expect(first.refunds).toEqual([]);
    expect(second.resumedWith).toMatchObject([{ approved: true, by: 'user:lead' }]);
  });

  it('answered while no process runs the framework (a server without it), resumed by the next process that does', async () => {
    const { heed, reopen, run, task } = await waitingRefund(adapter, 'F-2', 300);
    await heed.stop();
    // An inbox server on the same store, which does not register the framework's workflow.
    const inbox = reopen(POLICY);
    await inbox.start();
    const http = await serve(inbox);
    expect((await http.answer(task.id, 'user:ops', { outcome: 'approve' })).status).toBe(200);
    await inbox.idle();
    expect((await inbox.runs.get(run.id))?.status).not.toBe('succeeded');
    await http.close();
    await inbox.stop();

    const later = newEffects();
    const heed3 = reopen(POLICY);
    adapter.register(heed3, later);
    await heed3.start();
    const output = await heed3.handle<RefundOutput>(run.id).result();
    expect(resultOf(output)).toBe('refunded 300 for F-2');
    expect(later.resumedWith).toMatchObject([{ approved: true, by: 'user:ops', taskId: task.id }]);
  });

  it('a rejection resumes the code with the rejection: nothing is refunded, the reason is passed on', async () => {
    const { effects, http, run, task } = await waitingRefund(adapter, 'C-3', 4000);
    const answered = await http.answer(task.id, 'user:ops', { outcome: 'reject', comment: 'already refunded' });
    expect(answered.status).toBe(200);
    const output = await run.result();
    expect(effects.refunds).toEqual([]);
    expect(effects.resumedWith).toMatchObject([
      { approved: false, outcome: 'reject', approvedArgs: null, comment: 'already refunded' },
    ]);
    expect(resultOf(output)).toBe('not refunded: This tool call was rejected by user:ops: already refunded');
  });

  it('an approval with edited arguments resumes the code with the edited ones', async () => {
    const { effects, http, run, task } = await waitingRefund(adapter, 'D-1', 20000);
    expect(task.allowEdit).toBe(true);
    const answered = await http.answer(task.id, 'user:ops', {
      outcome: 'approve',
      args: { order: 'D-1', cents: 5000 },
      comment: 'partial refund',
    });
    expect(answered.status).toBe(200);
    const output = await run.result();
    expect(effects.refunds).toMatchObject([{ order: 'D-1', cents: 5000 }]);
    expect(effects.resumedWith).toMatchObject([
      { approved: true, edited: true, args: { cents: 20000 }, approvedArgs: { order: 'D-1', cents: 5000 } },
    ]);
    expect(resultOf(output)).toBe('refunded 5000 for D-1');
  });

  it('two answers racing for the task: one is taken, the code resumes exactly once', async () => {
    const { heed, store, effects, http, run, task } = await waitingRefund(adapter, 'E-5', 700);
    const answers = await Promise.all([
      http.answer(task.id, 'user:ops', { outcome: 'approve', comment: 'ops says yes' }),
      http.answer(task.id, 'user:lead', { outcome: 'reject', comment: 'lead says no' }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const output = await run.result();
    await heed.idle();
    const winner = answers[0]?.status === 200 ? 'user:ops' : 'user:lead';
    expect(effects.resumedWith).toHaveLength(1);
    expect(effects.resumedWith[0]?.by).toBe(winner);
    expect(effects.refunds).toHaveLength(winner === 'user:ops' ? 1 : 0);
    expect(output.decisions).toMatchObject([{ by: winner }]);
    const names = (await store.loadHistory(run.id)).map((op) => op.name);
    expect(names.filter((n) => n === `${adapter.prefix}.resume`)).toHaveLength(1);
  });
}
