/**
 * Batch decisions (POST /v1/tasks/responses) over real HTTP with keys: each task is answered on
 * its own through the one answer path (its own audit entry, its own authority check), partial
 * success is explicit per item, and a batch never carries edits or form data.
 */
import { describe, expect, it } from 'vitest';
import type { ApprovalPolicy } from '../../src/human/policies/policy.ts';
import { testServer } from './helpers.ts';

const auth = {
  keys: new Map([
    ['K-admin', 'user:admin'],
    ['K-alice', 'user:alice'],
    ['K-bob', 'user:bob'],
    ['K-req', 'user:req'],
  ]),
  admins: new Set(['user:admin']),
};
const APPS: ApprovalPolicy[] = [{ name: 'apps', callerAssigns: true }];

describe('POST /v1/tasks/responses', () => {
  it('approves several tasks at once, each audited and bound to its own arguments; refusals are per item', async () => {
    const server = await testServer({ auth, heed: { policies: APPS } });
    await server.heed.start();
    const ask = async (title: string, assignees: string[], args: object) => {
      const created = await server.call('POST', '/v1/tasks', {
        key: 'K-req',
        body: { type: 'approval', title, assignees, action: { tool: 'refund', args } },
      });
      expect(created.status).toBe(201);
      return created.body.id as string;
    };
    const a = await ask('Refund $10?', ['user:alice'], { cents: 1000 });
    const b = await ask('Refund $20?', ['user:alice'], { cents: 2000 });
    const bobs = await ask('Refund $30?', ['user:bob'], { cents: 3000 });
    const done = await ask('Refund $40?', ['user:alice'], { cents: 4000 });
    expect(
      (
        await server.call('POST', `/v1/tasks/${done}/responses`, {
          key: 'K-alice',
          body: { outcome: 'reject', comment: 'duplicate' },
        })
      ).status,
    ).toBe(200);

    const batch = await server.call('POST', '/v1/tasks/responses', {
      key: 'K-alice',
      headers: { 'x-heed-via': 'inbox' },
      body: {
        items: [
          { id: a, outcome: 'approve', comment: 'weekly refunds' },
          { id: b, outcome: 'approve' },
          { id: bobs, outcome: 'approve' },
          { id: done, outcome: 'approve' },
          { id: 'T-nope', outcome: 'approve' },
        ],
      },
    });
    expect(batch.status).toBe(200);
    expect(batch.body.answered).toBe(2);
    expect(batch.body.failed).toBe(3);
    expect(
      batch.body.items.map((i: { id: string; ok: boolean; error?: { code: string } }) => [i.id, i.ok, i.error?.code]),
    ).toEqual([
      [a, true, undefined],
      [b, true, undefined],
      [bobs, false, 'TASK_NOT_FOUND'],
      [done, false, 'TASK_ALREADY_RESOLVED'],
      ['T-nope', false, 'TASK_NOT_FOUND'],
    ]);
    expect(batch.body.items[0].task.result).toMatchObject({
      outcome: 'approve',
      by: 'user:alice',
      via: 'inbox',
      comment: 'weekly refunds',
      args: { cents: 1000 },
    });
    expect(batch.body.items[1].task.result).toMatchObject({ outcome: 'approve', args: { cents: 2000 }, edit: null });
    // One audit entry per task, in each task's own chain, and the chains verify.
    for (const id of [a, b]) {
      const audit = (await server.call('GET', `/v1/tasks/${id}/audit`, { key: 'K-admin' })).body;
      expect(audit.verification.ok).toBe(true);
      expect(audit.items.filter((e: { action: string }) => e.action === 'responded')).toMatchObject([
        { actor: 'user:alice', via: 'inbox' },
      ]);
    }
    // Bob's task is untouched and still his to decide.
    expect((await server.heed.tasks.get(bobs))?.status).toBe('pending');
  });

  it('refuses edits and form data, malformed batches, duplicates, more than 100 items and anonymous callers', async () => {
    const server = await testServer({ auth, heed: { policies: APPS } });
    await server.heed.start();
    const created = await server.call('POST', '/v1/tasks', {
      key: 'K-req',
      body: { type: 'approval', title: 'Pay?', assignees: ['user:alice'], action: { tool: 'pay', args: { to: 'x' } } },
    });
    const id = created.body.id as string;
    const post = (body: unknown, key: string | null = 'K-alice') =>
      server.call('POST', '/v1/tasks/responses', { ...(key ? { key } : {}), body });
    expect((await post({ items: [{ id, outcome: 'approve', args: { to: 'y' } }] })).status).toBe(422);
    expect((await post({ items: [{ id, outcome: 'approve', data: {} }] })).status).toBe(422);
    expect((await post({ items: [] })).status).toBe(422);
    const many = Array.from({ length: 101 }, (_, i) => ({ id: `T-${i}`, outcome: 'approve' }));
    expect((await post({ items: many })).status).toBe(422);
    const twice = await post({
      items: [
        { id, outcome: 'approve' },
        { id, outcome: 'reject' },
      ],
    });
    expect(twice.status).toBe(400);
    expect(twice.body.error.message).toContain('twice');
    expect((await post({ items: [{ id, outcome: 'approve' }] }, null)).status).toBe(401);
    // Nothing was answered by any refused batch.
    expect((await server.heed.tasks.get(id))?.status).toBe('pending');
    // The requester may not approve their own request (four-eyes), per item.
    const own = await post({ items: [{ id, outcome: 'approve' }] }, 'K-req');
    expect(own.status).toBe(200);
    expect(own.body.items[0]).toMatchObject({ ok: false });
    expect(['TASK_FORBIDDEN', 'TASK_NOT_FOUND']).toContain(own.body.items[0].error.code);
    // An outcome the task does not offer is that item's error.
    const bad = await post({ items: [{ id, outcome: 'maybe' }] });
    expect(bad.body.items[0].error.code).toBe('OUTCOME_NOT_ALLOWED');
    expect((await server.heed.tasks.get(id))?.status).toBe('pending');
  });
});
