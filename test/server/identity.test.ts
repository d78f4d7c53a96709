// biome-ignore-all lint/suspicious/noExplicitAny: HTTP bodies are arbitrary JSON checked by the assertions
/**
 * Identity carried end to end (DESIGN.md "Identity and authority"): the HTTP caller is the
 * requester, runs record their initiator, tasks asked in a run have it as requester, four-eyes
 * unless `selfApproval: 'allowed'`, agent approvers, the demos' approvers.
 */
import { describe, expect, it, vi } from 'vitest';
import { runAgent } from '../../src/agent/agent.ts';
import { OfflineModel } from '../../src/agent/offline-model.ts';
import { registerDemoWorkflows } from '../../src/demo/workflows.ts';
import type { Heed } from '../../src/index.ts';
import { z } from 'zod';
import { testServer } from './helpers.ts';

const keys = new Map([
  ['k-alice', 'user:alice'],
  ['k-bob', 'user:bob'],
  ['k-carol', 'user:carol'],
  ['k-admin', 'user:admin'],
]);
const auth = { keys, admins: new Set(['user:admin']) };

describe('the caller of POST /v1/tasks', () => {
  it('is its requester: reads its result, cancels it, may not approve it; the audit names it', async () => {
    const s = await testServer({ auth, heed: { policies: [{ name: 'apps', callerAssigns: true }] } });
    const spec = { type: 'approval', title: 'Ship it?', assignees: ['user:bob'], idempotencyKey: 'ship-1' };
    const created = await s.call('POST', '/v1/tasks', { key: 'k-alice', body: spec });
    expect(created.status).toBe(201);
    expect(created.body.requester).toBe('user:alice');
    const audit = (await s.call('GET', `/v1/tasks/${created.body.id}/audit`, { key: 'k-alice' })).body.items;
    expect(audit[0]).toMatchObject({ action: 'created', actor: 'user:alice', via: 'api' });

    // Retrying the very same create is the same task (200), not a conflict.
    const retried = await s.call('POST', '/v1/tasks', { key: 'k-alice', body: spec });
    expect(retried.status).toBe(200);
    expect(retried.body.id).toBe(created.body.id);
    // Someone who may not see the task learns nothing from its key.
    const other = await s.call('POST', '/v1/tasks', { key: 'k-carol', body: spec });
    expect(other).toMatchObject({ status: 409, body: { error: { code: 'IDEMPOTENCY_CONFLICT' } } });

    expect((await s.call('GET', `/v1/tasks/${created.body.id}/result`, { key: 'k-alice' })).body).toMatchObject({
      status: 'pending',
    });
    const self = await s.call('POST', `/v1/tasks/${created.body.id}/responses`, {
      key: 'k-alice',
      body: { outcome: 'approve' },
    });
    expect(self).toMatchObject({ status: 403, body: { error: { code: 'TASK_FORBIDDEN' } } });
    const cancelled = await s.call('POST', `/v1/tasks/${created.body.id}/cancel`, { key: 'k-alice' });
    expect(cancelled).toMatchObject({ status: 200, body: { status: 'cancelled' } });
    expect((await s.call('GET', `/v1/tasks/${created.body.id}/result`, { key: 'k-alice' })).body).toMatchObject({
      status: 'cancelled',
      by: 'user:alice',
    });
  });

  it('may be named by an admin, never by anyone else', async () => {
    const s = await testServer({ auth, heed: { policies: [{ name: 'apps', callerAssigns: true }] } });
    const body = { type: 'approval', title: 'For alice', assignees: ['user:bob'], requester: 'user:alice' };
    expect((await s.call('POST', '/v1/tasks', { key: 'k-admin', body })).body.requester).toBe('user:alice');
    expect((await s.call('POST', '/v1/tasks', { key: 'k-bob', body })).status).toBe(403);
  });
});

describe('run initiators', () => {
  it('are recorded, inherited by children and tasks, listed and filtered', async () => {
    const s = await testServer({
      auth,
      startable: { parent: ['*'] },
      setup: (heed: Heed) => {
        heed.workflow('child', async (ctx) => ({ initiator: ctx.initiator }));
        heed.workflow('parent', async (ctx) => {
          const child = await ctx.start({ name: 'child' }, null);
          return { mine: ctx.initiator, child: await child.result() };
        });
      },
    });
    const run = await s.call('POST', '/v1/runs', { key: 'k-alice', body: { workflow: 'parent', id: 'p1' } });
    expect(run.body).toMatchObject({ id: 'p1', initiator: 'user:alice' });
    expect(await s.heed.handle('p1').result()).toEqual({
      mine: 'user:alice',
      child: { initiator: 'user:alice' },
    });
    expect((await s.heed.runs.list({ workflow: 'child' })).items[0]?.initiator).toBe('user:alice');
    expect((await s.heed.runs.list({ initiator: 'user:alice' })).items.map((r) => r.id)).toContain('p1');
    expect((await s.heed.runs.list({ initiator: 'user:bob' })).items).toEqual([]);
    const listed = await s.call('GET', '/v1/runs?initiator=user:alice', { key: 'k-admin' });
    expect(listed.body.items.map((r: any) => r.id).sort()).toEqual(['p1', 'p1:1'].sort());
    // Started from code without a principal: no initiator.
    await s.heed.startWorkflow('child', null, { id: 'c2' });
    expect((await s.heed.runs.get('c2'))?.initiator).toBeNull();
  });
});

describe('ctx.ask', () => {
  it("takes the run's initiator as requester: four-eyes on approvals, unless selfApproval is allowed (audited)", async () => {
    const s = await testServer({
      setup: (heed: Heed) => {
        heed.workflow('send-email', async (ctx) => {
          const guarded = await ctx.ask({ type: 'approval', title: 'Wire $900?' });
          const confirm = await ctx.ask({ type: 'approval', title: 'Send this email?', selfApproval: 'allowed' });
          const question = await ctx.ask({ type: 'clarification', title: 'Which account?' });
          return [guarded.by, confirm.by, question.by];
        });
      },
    });
    await s.call('POST', '/v1/runs', { as: 'user:alice', body: { workflow: 'send-email', id: 'e1' } });
    const pending = async () => {
      await s.heed.idle();
      const [task] = (await s.heed.tasks.list({ status: 'pending' })).items;
      expect(task).toBeDefined();
      return task as NonNullable<typeof task>;
    };
    const guarded = await pending();
    expect(guarded.requester).toBe('user:alice');
    const refused = await s.call('POST', `/v1/tasks/${guarded.id}/responses`, {
      as: 'user:alice',
      body: { outcome: 'approve' },
    });
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'TASK_FORBIDDEN' } } });
    expect(refused.body.error.message).toContain('four-eyes');
    await s.call('POST', `/v1/tasks/${guarded.id}/responses`, { as: 'user:bob', body: { outcome: 'approve' } });

    const confirm = await vi.waitFor(async () => {
      const task = await pending();
      expect(task.title).toBe('Send this email?');
      return task;
    });
    expect(confirm).toMatchObject({ requester: 'user:alice', selfApproval: 'allowed' });
    expect(
      (await s.call('POST', `/v1/tasks/${confirm.id}/responses`, { as: 'user:alice', body: { outcome: 'approve' } }))
        .status,
    ).toBe(200);
    const audit = await s.heed.tasks.audit(confirm.id);
    expect(audit.find((e) => e.action === 'created')?.detail).toMatchObject({ selfApproval: 'allowed' });
    expect(audit.find((e) => e.action === 'responded')?.detail).toMatchObject({ ownRequest: true });

    // A clarification is the asker's to answer: four-eyes is for approvals, reviews and overrides.
    const question = await vi.waitFor(async () => {
      const task = await pending();
      expect(task.type).toBe('clarification');
      return task;
    });
    await s.call('POST', `/v1/tasks/${question.id}/responses`, {
      as: 'user:alice',
      body: { outcome: 'answer', comment: 'savings' },
    });
    expect(await s.heed.handle('e1').result()).toEqual(['user:bob', 'user:alice', 'user:alice']);
  });
});

describe('agent approval policies', () => {
  it("name their approvers (the tool's own, else the agent's); the run's initiator is the requester", async () => {
    const s = await testServer({
      setup: (heed: Heed) => {
        const tools = {
          transfer: {
            description: 'Transfer money',
            input: z.object({ to: z.string(), amount: z.number() }),
            approval: 'always' as const,
            approvers: ['group:treasury'],
            execute: (args: { to: string; amount: number }) => ({ transferred: args.amount }),
          },
          export_data: {
            description: 'Export a dataset',
            input: z.object({ dataset: z.string() }),
            approval: 'always' as const,
            execute: (args: { dataset: string }) => ({ exported: args.dataset }),
          },
        };
        heed.workflow('agent', async (ctx, input: { message: string }) =>
          runAgent(
            ctx,
            {
              model: new OfflineModel(),
              system: 's',
              tools,
              approvals: { approvers: ['user:ops'] },
              contactHuman: false,
            },
            [{ role: 'user', content: input.message }],
          ),
        );
      },
    });
    await s.call('POST', '/v1/runs', {
      as: 'user:alice',
      body: { workflow: 'agent', id: 'a1', input: { message: 'Transfer $150 to Bob' } },
    });
    await s.call('POST', '/v1/runs', {
      as: 'user:alice',
      body: { workflow: 'agent', id: 'a2', input: { message: 'export customers_q1' } },
    });
    await vi.waitFor(async () => expect((await s.heed.tasks.list({ status: 'pending' })).items).toHaveLength(2), {
      timeout: 10_000,
    });
    const tasks = (await s.heed.tasks.list({ status: 'pending' })).items;
    const byTool = (tool: string) => tasks.find((t) => t.action?.tool === tool);
    expect(byTool('transfer')).toMatchObject({
      requester: 'user:alice',
      assignees: [{ principal: 'group:treasury', level: 0 }],
    });
    expect(byTool('export_data')).toMatchObject({
      requester: 'user:alice',
      assignees: [{ principal: 'user:ops', level: 0 }],
    });
  });
});

describe('the demo workflows', () => {
  it('send transfers over $100 to user:ops, never the customer, and refunds never to their beneficiary', async () => {
    const s = await testServer({ setup: (heed: Heed) => registerDemoWorkflows(heed) });
    await s.call('POST', '/v1/runs', {
      as: 'user:alice',
      body: { workflow: 'banking', id: 'b1', input: { message: 'Transfer $500 to Bob' } },
    });
    await s.call('POST', '/v1/runs', {
      as: 'user:support',
      body: { workflow: 'refund', id: 'r1', input: { customer: 'ops', amount: 50 } },
    });
    await vi.waitFor(async () => expect((await s.heed.tasks.list({ status: 'pending' })).items).toHaveLength(2), {
      timeout: 10_000,
    });
    const tasks = (await s.heed.tasks.list({ status: 'pending' })).items;
    const transfer = tasks.find((t) => t.action?.tool === 'transfer');
    expect(transfer).toMatchObject({ requester: 'user:alice', assignees: [{ principal: 'user:ops', level: 0 }] });
    const refund = tasks.find((t) => t.action?.tool === 'refund');
    expect(refund?.requester).toBe('user:support');
    expect(refund?.assignees.map((a) => a.principal)).not.toContain('user:ops');
    // The customer cannot approve their own transfer; ops can.
    const own = await s.call('POST', `/v1/tasks/${transfer?.id}/responses`, {
      as: 'user:alice',
      body: { outcome: 'approve' },
    });
    expect(own.status).toBe(403);
    expect(
      (await s.call('POST', `/v1/tasks/${transfer?.id}/responses`, { as: 'user:ops', body: { outcome: 'approve' } }))
        .status,
    ).toBe(200);
  });
});
