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

    // The blocking call outlasts what the server answers at once: its answer comes as a long one
    // (headers now, whitespace meanwhile), which the client reads all the same.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // Nobody answers for 10 minutes: Heed reminds ops, as for any task.
    await s.heed.idle();
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

  it('streams the task, who is asked (an escalation too), then the decision as an artifact and the final status', async () => {
    const s = await agentServer();
    const client = await a2aClient(s.url, 'key-agent');
    const events: string[] = [];
    const waiting: string[] = [];
    let decision: Record<string, unknown> | undefined;
    for await (const event of client.sendMessageStream(send([deploy()]))) {
      events.push(kindOf(event));
      const payload = event.payload;
      if (payload?.$case === 'task' || payload?.$case === 'statusUpdate') {
        const text = textOf(payload.value.status?.message?.parts[0]) ?? '';
        if (text.startsWith('waiting for') && !waiting.includes(text)) {
          waiting.push(text);
          if (waiting.length === 1) {
            // Nobody answers for 30 minutes: the policy escalates to the boss, and the stream says so.
            await pendingFor(s.heed);
            await s.heed.idle();
            await s.clock.advance('30m');
          } else {
            const task = await pendingFor(s.heed, 'user:boss');
            const answered = await s.call('POST', `/v1/tasks/${task.id}/responses`, {
              key: 'key-boss',
              body: { outcome: 'reject', comment: 'not on a Friday' },
            });
            expect(answered.status).toBe(200);
          }
        }
      }
      if (payload?.$case === 'artifactUpdate') decision = dataOf(payload.value.artifact?.parts[0]);
    }
    expect(waiting).toEqual(['waiting for user:ops', 'waiting for user:ops, user:boss']);
    expect(events[0]).toBe(`task:${TaskState.TASK_STATE_WORKING}`);
    expect(events.slice(-2)).toEqual(['artifact:decision', `status:${TaskState.TASK_STATE_COMPLETED}`]);
    expect(decision).toMatchObject({ outcome: 'reject', approved: false, by: 'user:boss', comment: 'not on a Friday' });
  });

  it('asks a person a question (text alone) and completes with the answer', async () => {
    const s = await agentServer();
    const client = await a2aClient(s.url, 'key-agent');
    const question = send([textPart('Which region should the new cluster run in?')]);
    const sent = client.sendMessage(question);
    const task = await pendingFor(s.heed);
    expect(task.title).toBe('Which region should the new cluster run in?');
    await s.call('POST', `/v1/tasks/${task.id}/responses`, {
      key: 'key-ops',
      body: { outcome: 'answer', comment: 'eu-west-1' },
    });
    const result = (await sent) as A2ATask;
    expect(dataOf(result.artifacts[0]?.parts[0])).toMatchObject({ answer: 'eu-west-1', by: 'user:ops' });
    // The same message again (a retry) names the same task: nobody is asked twice.
    const retried = (await client.sendMessage(question)) as A2ATask;
    expect(retried.id).toBe(result.id);
    expect(retried.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect((await s.heed.tasks.list({})).items).toHaveLength(1);
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

  it('a client that reconnects while the task waits (SubscribeToTask) gets the decision', async () => {
    const s = await agentServer();
    const client = await a2aClient(s.url, 'key-agent');
    const started = (await client.sendMessage(send([deploy()], { returnImmediately: true }))) as A2ATask;
    expect(started.status?.state).toBe(TaskState.TASK_STATE_WORKING);
    const task = await pendingFor(s.heed);

    // A first subscription, dropped after its first event (the connection is lost).
    const dropped = new AbortController();
    const first = client.resubscribeTask({ tenant: '', id: started.id }, { signal: dropped.signal });
    const opening = await first.next();
    expect(opening.value && kindOf(opening.value)).toBe(`task:${TaskState.TASK_STATE_WORKING}`);
    dropped.abort();
    await first.return(undefined).catch(() => {});

    // The agent comes back: GetTask says who is asked; a new subscription follows it to the end.
    const read = await client.getTask({ tenant: '', id: started.id });
    expect(textOf(read.status?.message?.parts[0])).toBe('waiting for user:ops');
    expect(dataOf(read.status?.message?.parts[1])).toMatchObject({ waitingFor: [{ taskId: task.id }] });
    const events: string[] = [];
    let decision: Record<string, unknown> | undefined;
    for await (const event of client.resubscribeTask({ tenant: '', id: started.id })) {
      events.push(kindOf(event));
      if (events.length === 1) {
        await s.call('POST', `/v1/tasks/${task.id}/responses`, { key: 'key-ops', body: { outcome: 'approve' } });
      }
      if (event.payload?.$case === 'artifactUpdate') decision = dataOf(event.payload.value.artifact?.parts[0]);
    }
    // The task, any change of its working status (the decision is being recorded), the decision, the end.
    expect(events[0]).toBe(`task:${TaskState.TASK_STATE_WORKING}`);
    expect(events.slice(-2)).toEqual(['artifact:decision', `status:${TaskState.TASK_STATE_COMPLETED}`]);
    expect(new Set(events.slice(1, -2))).toEqual(
      new Set(events.length > 3 ? [`status:${TaskState.TASK_STATE_WORKING}`] : []),
    );
    expect(decision).toMatchObject({ outcome: 'approve', by: 'user:ops' });
    // An ended task has nothing more to subscribe to.
    await expect(client.resubscribeTask({ tenant: '', id: started.id }).next()).rejects.toThrow(/has ended/);
  });

  it("cancels the task: its caller may, the person's task is cancelled; nobody else may", async () => {
    const s = await agentServer();
    const client = await a2aClient(s.url, 'key-agent');
    const started = (await client.sendMessage(send([deploy()], { returnImmediately: true }))) as A2ATask;
    const task = await pendingFor(s.heed);
    const following = client.sendMessageStream(send([deploy()]));
    await following.next();

    const mallory = await a2aClient(s.url, 'key-mallory');
    await expect(mallory.cancelTask({ tenant: '', id: started.id, metadata: {} })).rejects.toThrow(/TASK_NOT_FOUND/);
    await expect(mallory.getTask({ tenant: '', id: started.id })).rejects.toThrow(/TASK_NOT_FOUND/);
    expect((await s.heed.tasks.get(task.id))?.status).toBe('pending');

    const cancelled = await client.cancelTask({ tenant: '', id: started.id, metadata: {} });
    expect(cancelled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    expect((await s.heed.tasks.get(task.id))?.status).toBe('cancelled');
    expect((await s.heed.tasks.audit(task.id)).map((e) => e.action)).toContain('cancelled');
    // Cancelling again is harmless; a send for the ended task is refused.
    expect((await client.cancelTask({ tenant: '', id: started.id, metadata: {} })).status?.state).toBe(
      TaskState.TASK_STATE_CANCELED,
    );
    const again = send([deploy()]);
    if (again.message) again.message.taskId = started.id;
    await expect(client.sendMessage(again)).rejects.toThrow(/has ended/);
    // An admin may cancel any A2A task (the stream opened above).
    const other = (await s.heed.tasks.list({ assignee: 'user:ops' })).items[0];
    expect(other).toBeDefined();
    const admin = await a2aClient(s.url, 'key-admin');
    const listed = await admin.listTasks({
      tenant: '',
      contextId: '',
      status: TaskState.TASK_STATE_WORKING,
      pageToken: '',
      statusTimestampAfter: undefined,
    });
    expect(listed.tasks).toHaveLength(1);
    // Another caller lists none of them; their caller lists its own.
    const query = { tenant: '', contextId: '', status: 0, pageToken: '', statusTimestampAfter: undefined };
    expect((await mallory.listTasks(query)).tasks).toEqual([]);
    expect((await client.listTasks(query)).tasks).toHaveLength(2);
    const [open] = listed.tasks;
    await admin.cancelTask({ tenant: '', id: open?.id ?? '', metadata: {} });
    const rest = [];
    for await (const event of following) rest.push(kindOf(event));
    expect(rest.at(-1)).toBe(`status:${TaskState.TASK_STATE_CANCELED}`);
  });

  it('refuses callers without a valid key', async () => {
    const s = await agentServer();
    for (const client of [await a2aClient(s.url), await a2aClient(s.url, 'key-unknown')]) {
      await expect(client.sendMessage(send([deploy()]))).rejects.toThrow(/401/);
    }
    expect((await s.heed.tasks.list({})).items).toHaveLength(0);
    // Not JSON: refused before anything is read (a cross-site form cannot send JSON).
    const form = await fetch(`${s.url}/a2a`, {
      method: 'POST',
      headers: { authorization: 'Bearer key-agent', 'content-type': 'text/plain' },
      body: '{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{}}',
    });
    expect(form.status).toBe(415);
  });

  it('applies the approval policy: a looser deadline and onTimeout from the caller are not honoured', async () => {
    const s = await agentServer();
    const client = await a2aClient(s.url, 'key-agent');
    const sent = client.sendMessage(
      send([deploy({ deadline: '30d', onTimeout: 'approve', assignees: ['user:agent'] })], { returnImmediately: true }),
    );
    const started = (await sent) as A2ATask;
    const task = await pendingFor(s.heed);
    expect(task.assignees.map((a) => a.principal)).toEqual(['user:ops']);
    expect(task.onTimeout).toMatchObject({ status: 'resolved', outcome: 'reject' });
    expect((task.deadline ?? Infinity) - task.createdAt).toBe(60 * 60 * 1000);
    expect(task.policy?.ignored.map((i) => i.path).sort()).toEqual(['assignees', 'deadline', 'onTimeout']);
    // The status says what the policy did.
    const read = await client.getTask({ tenant: '', id: started.id });
    const waiting = dataOf(read.status?.message?.parts[1]) as { waitingFor: { policy: { ignored: unknown[] } }[] };
    expect(waiting.waitingFor[0]?.policy.ignored).toHaveLength(3);
    // Silence for the hour: the policy's timeout decides (reject), not the caller's.
    await s.heed.idle();
    await s.clock.advance('1h');
    await vi.waitFor(
      async () => {
        const done = await client.getTask({ tenant: '', id: started.id });
        expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
        expect(dataOf(done.artifacts[0]?.parts[0])).toMatchObject({ outcome: 'reject', approved: false });
      },
      { timeout: 10_000 },
    );
    // A request no policy governs is refused before anything is created.
    await expect(
      client.sendMessage(send([dataPart({ skill: 'request_approval', action: 'drop_database' })])),
    ).rejects.toThrow(/POLICY_VIOLATION/);
  });

  it('in development mode the caller is the X-Heed-Principal it names', async () => {
    const s = await testServer({ heed: { policies: POLICIES } });
    const client = await a2aClient(s.url, undefined, 'user:agent');
    const card = await client.getAgentCard();
    const scheme = Object.values(card.securitySchemes)[0]?.scheme;
    expect(scheme?.$case === 'apiKeySecurityScheme' && scheme.value.name).toBe('X-Heed-Principal');
    const started = (await client.sendMessage(send([deploy()], { returnImmediately: true }))) as A2ATask;
    expect((await pendingFor(s.heed)).requester).toBe('user:agent');
    const other = await a2aClient(s.url, undefined, 'user:mallory');
    await expect(other.getTask({ tenant: '', id: started.id })).rejects.toThrow(/TASK_NOT_FOUND/);
    expect((await client.getTask({ tenant: '', id: started.id })).status?.state).toBe(TaskState.TASK_STATE_WORKING);
  });
});
