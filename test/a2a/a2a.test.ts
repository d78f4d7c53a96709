/**
 * Heed as an A2A agent, driven by the official `@a2a-js/sdk` client over real HTTP: a calling
 * agent asks for an approval or an answer, the task is `working` while people decide (reminders
 * run as usual), a different person decides over Heed's HTTP API, and the A2A task completes with
 * the decision. Streaming, resubscription, cancellation, authorization and the approval policy.
 */
import { type Task as A2ATask, TaskState } from '@a2a-js/sdk';
import { describe, expect, it, vi } from 'vitest';
import type { Heed } from '../../src/index.ts';
import { testServer } from '../server/helpers.ts';
import { a2aClient, AUTH, dataOf, dataPart, kindOf, POLICIES, send, textOf, textPart } from './helpers.ts';

async function agentServer() {
  return testServer({
    auth: AUTH,
    heed: { policies: POLICIES },
    startable: { refund: ['user:agent'] },
    setup: (heed) => {
      heed.workflow(
        'refund',
        async (ctx, input: { order: string; amount: number }) => {
          const decision = await ctx.ask({
            type: 'approval',
            title: `Refund ${input.amount} for ${input.order}?`,
            action: { tool: 'refund', args: input },
          });
          return { refunded: decision.outcome === 'approve', order: input.order };
        },
        { a2a: { description: 'Refunds an order once ops approve' } },
      );
      heed.workflow('internal-thing', async () => 'x');
    },
  });
}

/** The one pending task ops are asked, once it exists. */
async function pendingFor(heed: Heed, principal = 'user:ops') {
  return vi.waitFor(
    async () => {
      const [task] = (await heed.tasks.list({ assignee: principal })).items;
      if (!task) throw new Error('no task yet');
      return task;
    },
    { timeout: 10_000 },
  );
}

const deploy = (extra: Record<string, unknown> = {}) =>
  dataPart({ skill: 'request_approval', action: 'deploy', args: { service: 'api', version: '1.4.2' }, ...extra });

describe('the A2A agent', () => {
  it('publishes an agent card with its skills, streaming and bearer authentication', async () => {
    const s = await agentServer();
    const client = await a2aClient(s.url, 'key-agent');
    const card = await client.getAgentCard();
    expect(card.supportedInterfaces[0]?.url).toBe(`${s.url}/a2a`);
    expect(card.capabilities?.streaming).toBe(true);
    expect(card.skills.map((skill) => skill.id)).toEqual(['request_approval', 'ask_human', 'refund']);
    const scheme = Object.values(card.securitySchemes)[0]?.scheme;
    expect(scheme?.$case).toBe('httpAuthSecurityScheme');
    expect(scheme?.$case === 'httpAuthSecurityScheme' && scheme.value.scheme).toBe('Bearer');
  });

  it('a blocking send completes when a different person decides over HTTP, after a reminder', async () => {
    const s = await agentServer();
    const client = await a2aClient(s.url, 'key-agent');
    const sent = client.sendMessage(send([deploy()]));
    const task = await pendingFor(s.heed);
    expect(task.requester).toBe('user:agent');
    expect(task.action).toMatchObject({ tool: 'deploy', args: { service: 'api', version: '1.4.2' } });

    // Nobody answers for 10 minutes: Heed reminds ops, as for any task.
    await s.clock.advance('10m');
    await vi.waitFor(
      async () => expect((await s.heed.tasks.audit(task.id)).map((e) => e.action)).toContain('reminded'),
      { timeout: 10_000 },
    );
    // The agent may not approve its own request; ops may.
    expect(
      (await s.call('POST', `/v1/tasks/${task.id}/responses`, { key: 'key-agent', body: { outcome: 'approve' } }))
        .status,
    ).toBe(403);
    const answered = await s.call('POST', `/v1/tasks/${task.id}/responses`, {
      key: 'key-ops',
      body: { outcome: 'approve', comment: 'ship it' },
    });
    expect(answered.status).toBe(200);

    const result = (await sent) as A2ATask;
    expect(result.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const decision = dataOf(result.artifacts[0]?.parts[0]);
    expect(decision).toMatchObject({
      taskId: task.id,
      outcome: 'approve',
      approved: true,
      by: 'user:ops',
      via: 'api',
      comment: 'ship it',
      args: { service: 'api', version: '1.4.2' },
    });
    expect(textOf(result.status?.message?.parts[0])).toBe('approve by user:ops: ship it');
    // GetTask reads the same from the store.
    const read = await client.getTask({ tenant: '', id: result.id });
    expect(read.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(dataOf(read.artifacts[0]?.parts[0])).toMatchObject({ outcome: 'approve', by: 'user:ops' });
  });

  it('streams the task, its "waiting for" status, then the decision as an artifact and the final status', async () => {
    const s = await agentServer();
    const client = await a2aClient(s.url, 'key-agent');
    const events: string[] = [];
    let waiting = '';
    let decision: Record<string, unknown> | undefined;
    for await (const event of client.sendMessageStream(send([deploy()]))) {
      events.push(kindOf(event));
      const payload = event.payload;
      if (payload?.$case === 'task' || payload?.$case === 'statusUpdate') {
        const status = payload.$case === 'task' ? payload.value.status : payload.value.status;
        const text = textOf(status?.message?.parts[0]) ?? '';
        if (text.startsWith('waiting for') && !waiting) {
          waiting = text;
          const task = await pendingFor(s.heed);
          const answered = await s.call('POST', `/v1/tasks/${task.id}/responses`, {
            key: 'key-ops',
            body: { outcome: 'reject', comment: 'not on a Friday' },
          });
          expect(answered.status).toBe(200);
        }
      }
      if (payload?.$case === 'artifactUpdate') decision = dataOf(payload.value.artifact?.parts[0]);
    }
    expect(waiting).toBe('waiting for user:ops');
    expect(events[0]).toBe(`task:${TaskState.TASK_STATE_WORKING}`);
    expect(events.slice(-2)).toEqual(['artifact:decision', `status:${TaskState.TASK_STATE_COMPLETED}`]);
    expect(decision).toMatchObject({ outcome: 'reject', approved: false, by: 'user:ops', comment: 'not on a Friday' });
  });

  it('asks a person a question (text alone) and completes with the answer', async () => {
    const s = await agentServer();
    const client = await a2aClient(s.url, 'key-agent');
    const sent = client.sendMessage(send([textPart('Which region should the new cluster run in?')]));
    const task = await pendingFor(s.heed);
    expect(task.title).toBe('Which region should the new cluster run in?');
    await s.call('POST', `/v1/tasks/${task.id}/responses`, {
      key: 'key-ops',
      body: { outcome: 'answer', comment: 'eu-west-1' },
    });
    const result = (await sent) as A2ATask;
    expect(dataOf(result.artifacts[0]?.parts[0])).toMatchObject({ answer: 'eu-west-1', by: 'user:ops' });
  });

  it('runs a workflow marked a2a as a skill, as the caller (its requester), to its output', async () => {
    const s = await agentServer();
    const client = await a2aClient(s.url, 'key-agent');
    const sent = client.sendMessage(send([dataPart({ skill: 'refund', order: 'A-1', amount: 30 })]));
    const task = await pendingFor(s.heed);
    expect(task.requester).toBe('user:agent');
    await s.call('POST', `/v1/tasks/${task.id}/responses`, { key: 'key-ops', body: { outcome: 'approve' } });
    const result = (await sent) as A2ATask;
    expect(result.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(dataOf(result.artifacts[0]?.parts[0])).toEqual({ output: { refunded: true, order: 'A-1' } });
    // A caller the workflow is not startable for is refused, and nothing is asked.
    const mallory = await a2aClient(s.url, 'key-mallory');
    await expect(mallory.sendMessage(send([dataPart({ skill: 'refund', order: 'B', amount: 1 })]))).rejects.toThrow(
      /may not start workflow "refund"/,
    );
    await expect(mallory.sendMessage(send([dataPart({ skill: 'internal-thing' })]))).rejects.toThrow(
      /Unknown skill "internal-thing"/,
    );
  });
});
