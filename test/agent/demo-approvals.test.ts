/**
 * Who the demo asks (issue 19): whoever starts a demo agent, someone else is asked (never only the
 * requester, whom four-eyes forbids to answer), and nothing waits forever: a deadline rejects.
 */
import { describe, expect, it } from 'vitest';
import { policiesOf } from '../../src/cli/config-file.ts';
import { approversOtherThan, DEFAULT_DEMO_APPROVERS, policyFor } from '../../src/demo/approvers.ts';
import { registerDemoWorkflows } from '../../src/demo/workflows.ts';
import { testEngine } from '../helpers.ts';
import { testServer } from '../server/helpers.ts';

describe('the demo approvers', () => {
  it('are two people, and a request leaves out whoever may not decide it', () => {
    expect(DEFAULT_DEMO_APPROVERS).toEqual(['user:ops', 'user:alice']);
    expect(approversOtherThan(['user:ops', 'user:alice'], ['user:ops'])).toEqual(['user:alice']);
    expect(approversOtherThan(['user:ops', 'user:alice'], ['user:carol', null])).toEqual(['user:ops', 'user:alice']);
    // Nobody configured is left: a backup person, never an excluded one.
    expect(approversOtherThan(['user:ops'], ['user:ops'])).toEqual(['user:alice']);
    expect(approversOtherThan(['user:alice', 'user:ops'], ['user:alice', 'user:ops'])).toEqual(['user:bob']);
    // Groups stay: their other members decide.
    expect(approversOtherThan(['group:bank'], ['user:ops'])).toEqual(['group:bank']);
    expect(policyFor({ approvers: ['user:ops', 'user:alice'], deadline: '1h' }, 'user:ops')).toEqual({
      assignees: ['user:alice'],
      requester: 'user:ops',
      deadline: '1h',
    });
    // A policy's own requester wins; no approvers: anyone but the requester.
    expect(policyFor({ requester: 'agent:bank', assignees: ['user:ops'] }, 'user:ops')).toEqual({
      requester: 'agent:bank',
      assignees: ['user:ops'],
    });
    expect(policyFor({}, 'user:ops')).toEqual({ requester: 'user:ops' });
  });

  it('ask someone else when user:ops chats, and reject at the deadline when nobody answers', async () => {
    const { heed, clock } = testEngine();
    registerDemoWorkflows(heed);
    await heed.start();
    const run = await heed.startWorkflow(
      'banking',
      { message: 'Transfer $150 to Bob', user: 'user:ops' },
      { initiator: 'user:ops' },
    );
    await heed.idle();
    const [task] = (await heed.tasks.list({ status: 'pending' })).items;
    expect(task).toMatchObject({
      requester: 'user:ops',
      assignees: [{ principal: 'user:alice', level: 0 }],
      onTimeout: { status: 'resolved', outcome: 'reject' },
    });
    expect(task?.deadline).toBe((task?.createdAt ?? 0) + 3_600_000);
    await clock.advance('2m');
    await heed.idle();
    expect((await heed.tasks.get(task?.id ?? ''))?.remindersSent).toBe(1);
    await clock.advance('1h');
    await heed.idle();
    expect(await heed.tasks.get(task?.id ?? '')).toMatchObject({ status: 'resolved', result: { outcome: 'reject' } });
    const output = (await run.result()) as { reply: string; actions: { outcome: string }[] };
    expect(output.actions.map((a) => a.outcome)).toEqual(['rejected']);
  });

  it('ask someone else in the router style and for a refund that the approver asked for', async () => {
    const { heed } = testEngine();
    registerDemoWorkflows(heed, undefined, { approvers: ['user:ops'] });
    await heed.start();
    await heed.startWorkflow('banking-router', { message: 'Transfer $150 to Bob' }, { initiator: 'user:ops', id: 'r' });
    // A refund to alice asked by ops: neither alice (the beneficiary) nor ops (who asked) decides.
    await heed.startWorkflow('refund', { customer: 'alice', amount: 150 }, { initiator: 'user:ops', id: 'f' });
    await heed.idle();
    const tasks = (await heed.tasks.list({ status: 'pending' })).items;
    const router = tasks.find((t) => t.runId === 'r');
    const refund = tasks.find((t) => t.runId === 'f');
    expect(router).toMatchObject({ requester: 'user:ops', assignees: [{ principal: 'user:alice' }] });
    expect(router?.deadline).not.toBeNull();
    expect(refund).toMatchObject({ requester: 'user:ops', assignees: [{ principal: 'user:bob' }] });
  });

  it('govern what an HTTP caller asks in the demo: two approvers, a deadline that rejects', async () => {
    const s = await testServer({ heed: policiesOf({}) });
    const created = await s.call('POST', '/v1/tasks', {
      as: 'user:ops',
      body: { type: 'approval', title: 'Deploy 2.0 to production?' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      requester: 'user:ops',
      assignees: [
        { principal: 'user:alice', level: 0 },
        { principal: 'user:ops', level: 0 },
      ],
      onTimeout: { status: 'resolved', outcome: 'reject' },
      policy: { name: 'default' },
    });
    expect(created.body.deadline).toBe(created.body.createdAt + 3_600_000);
    // Ops asked, so Alice decides; with admins configured, the default policy sets no deadline.
    const answered = await s.call('POST', `/v1/tasks/${created.body.id}/responses`, {
      as: 'user:alice',
      body: { outcome: 'approve' },
    });
    expect(answered.status).toBe(200);
    expect(policiesOf({ admins: ['user:admin'] }).defaultPolicy).toEqual({});
  });
});
