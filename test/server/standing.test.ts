/**
 * Standing approvals over real HTTP with keys: an approver lets an approval stand within bounds
 * (only where the policy allows, for at most its days); a matching later task is approved at
 * creation as that approver via `standing`, named in the result and the audit; outside the bounds,
 * another requester, expired or revoked, it waits; never for the requester's own (four-eyes).
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
    ['K-other', 'user:other'],
  ]),
  admins: new Set(['user:admin']),
};
const POLICIES: ApprovalPolicy[] = [
  { name: 'payments', match: { tool: 'pay' }, approvers: ['user:alice', 'user:bob'], standing: { maxDays: 7 } },
  { name: 'wires', match: { tool: 'wire' }, approvers: ['user:alice'] },
];

describe('standing approvals', () => {
  it('approves later payments within the bounds as the approver, until revoked or expired', async () => {
    const server = await testServer({ auth, heed: { policies: POLICIES } });
    await server.heed.start();
    const pay = async (args: object, key = 'K-req') =>
      (
        await server.call('POST', '/v1/tasks', {
          key,
          body: { type: 'approval', title: 'Pay?', action: { tool: 'pay', args } },
        })
      ).body;
    const first = await pay({ to: 'acme', amount: 120 });
    expect(first.status).toBe('pending');
    // Not approved yet: nothing can stand.
    const early = await server.call('POST', `/v1/tasks/${first.id}/standing`, { key: 'K-alice', body: { days: 7 } });
    expect(early.status).toBe(400);
    await server.call('POST', `/v1/tasks/${first.id}/responses`, { key: 'K-alice', body: { outcome: 'approve' } });
    // Bob did not approve it; the policy's maximum is 7 days; bounds only on numbers, not below the approved.
    expect(
      (await server.call('POST', `/v1/tasks/${first.id}/standing`, { key: 'K-bob', body: { days: 7 } })).status,
    ).toBe(403);
    const grant = (body: object) => server.call('POST', `/v1/tasks/${first.id}/standing`, { key: 'K-alice', body });
    expect((await grant({ days: 8 })).status).toBe(400);
    expect((await grant({ days: 7, max: { to: 5 } })).status).toBe(400);
    expect((await grant({ days: 7, max: { amount: 100 } })).status).toBe(400);
    const granted = await grant({ days: 7, max: { amount: 200 } });
    expect(granted.status).toBe(201);
    expect(granted.body).toMatchObject({
      tool: 'pay',
      requester: 'user:req',
      approver: 'user:alice',
      bounds: { equal: { to: 'acme' }, max: { amount: 200 } },
      sourceTaskId: first.id,
      active: true,
      policy: { name: 'payments' },
    });
    const standingId = granted.body.id as string;

    // Within the bounds: approved at creation, as Alice, via standing, named in the result and audit.
    const second = await pay({ to: 'acme', amount: 200 });
    expect(second.status).toBe('resolved');
    expect(second.result).toMatchObject({ outcome: 'approve', by: 'user:alice', via: 'standing' });
    expect(second.result.comment).toContain(standingId);
    const audit = (await server.call('GET', `/v1/tasks/${second.id}/audit`, { key: 'K-admin' })).body;
    expect(audit.verification.ok).toBe(true);
    expect(audit.items.find((e: { action: string }) => e.action === 'responded')).toMatchObject({
      actor: 'user:alice',
      via: 'standing',
      detail: { standingApprovalId: standingId },
    });
    const source = (await server.call('GET', `/v1/tasks/${first.id}/audit`, { key: 'K-admin' })).body;
    expect(source.items.find((e: { action: string }) => e.action === 'standing-granted')).toMatchObject({
      actor: 'user:alice',
      detail: { standingApprovalId: standingId },
    });
    expect(source.verification.ok).toBe(true);

    // Insights count what each standing approval decided.
    const insights = (await server.call('GET', '/v1/insights', { key: 'K-admin' })).body;
    expect(insights.standingUsed).toEqual([{ standingApprovalId: standingId, tasks: 1 }]);

    // Outside the bounds, another payee, an extra argument, another requester: they wait.
    expect((await pay({ to: 'acme', amount: 201 })).status).toBe('pending');
    expect((await pay({ to: 'evil', amount: 10 })).status).toBe('pending');
    expect((await pay({ to: 'acme', amount: 10, memo: 'x' })).status).toBe('pending');
    expect((await pay({ to: 'acme', amount: 10 }, 'K-other')).status).toBe('pending');

    // Listed: Alice sees hers, Bob none of them, an admin all; Bob may not revoke it.
    expect((await server.call('GET', '/v1/standing-approvals', { key: 'K-alice' })).body.items).toHaveLength(1);
    expect((await server.call('GET', '/v1/standing-approvals', { key: 'K-bob' })).body.items).toEqual([]);
    expect((await server.call('GET', '/v1/standing-approvals?approver=user:alice', { key: 'K-bob' })).status).toBe(403);
    expect((await server.call('GET', '/v1/standing-approvals', { key: 'K-admin' })).body.items).toHaveLength(1);
    expect((await server.call('DELETE', `/v1/standing-approvals/${standingId}`, { key: 'K-bob' })).status).toBe(404);

    // Revoked: no longer applies, and the revocation is audited.
    const revoked = await server.call('DELETE', `/v1/standing-approvals/${standingId}`, { key: 'K-alice' });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ active: false, revokedBy: 'user:alice' });
    expect((await pay({ to: 'acme', amount: 50 })).status).toBe('pending');
    const after = (await server.call('GET', `/v1/tasks/${first.id}/audit`, { key: 'K-admin' })).body;
    expect(after.items.at(-1)).toMatchObject({ action: 'standing-revoked', actor: 'user:alice' });
    expect((await server.call('GET', '/v1/standing-approvals?active=true', { key: 'K-alice' })).body.items).toEqual([]);
  });

  it('expires after its days, is refused where the policy does not allow it, and an admin may revoke', async () => {
    const server = await testServer({ auth, heed: { policies: POLICIES } });
    await server.heed.start();
    const ask = async (tool: string, args: object) =>
      (
        await server.call('POST', '/v1/tasks', {
          key: 'K-req',
          body: { type: 'approval', title: `${tool}?`, action: { tool, args } },
        })
      ).body;
    const wire = await ask('wire', { amount: 5 });
    await server.call('POST', `/v1/tasks/${wire.id}/responses`, { key: 'K-alice', body: { outcome: 'approve' } });
    const refused = await server.call('POST', `/v1/tasks/${wire.id}/standing`, { key: 'K-alice', body: { days: 1 } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain('does not allow standing approvals');

    const first = await ask('pay', { to: 'acme', amount: 10 });
    await server.call('POST', `/v1/tasks/${first.id}/responses`, { key: 'K-bob', body: { outcome: 'approve' } });
    const granted = await server.call('POST', `/v1/tasks/${first.id}/standing`, { key: 'K-bob', body: { days: 2 } });
    expect(granted.status).toBe(201);
    expect((await ask('pay', { to: 'acme', amount: 10 })).result).toMatchObject({ by: 'user:bob', via: 'standing' });
    // Equal arguments stay equal: no max named, so 11 is outside.
    expect((await ask('pay', { to: 'acme', amount: 11 })).status).toBe('pending');
    await server.clock.advance('2d');
    expect((await ask('pay', { to: 'acme', amount: 10 })).status).toBe('pending');
    const listed = (await server.call('GET', '/v1/standing-approvals', { key: 'K-bob' })).body.items;
    expect(listed[0]).toMatchObject({ active: false, revokedAt: null });
    expect(
      (await server.call('DELETE', `/v1/standing-approvals/${granted.body.id}`, { key: 'K-admin' })).body,
    ).toMatchObject({ revokedBy: 'user:admin' });
    expect((await server.call('DELETE', '/v1/standing-approvals/SA-none', { key: 'K-admin' })).status).toBe(404);
  });

  it('never approves the approver’s own request (four-eyes)', async () => {
    const server = await testServer({ auth, heed: { policies: POLICIES } });
    await server.heed.start();
    const ask = async (key: string) =>
      (
        await server.call('POST', '/v1/tasks', {
          key,
          body: { type: 'approval', title: 'Pay?', action: { tool: 'pay', args: { to: 'acme', amount: 1 } } },
        })
      ).body;
    // Bob asks, Alice approves and lets it stand for Bob's requests.
    const first = await ask('K-bob');
    await server.call('POST', `/v1/tasks/${first.id}/responses`, { key: 'K-alice', body: { outcome: 'approve' } });
    const granted = await server.call('POST', `/v1/tasks/${first.id}/standing`, { key: 'K-alice', body: { days: 1 } });
    expect(granted.body.requester).toBe('user:bob');
    expect((await ask('K-bob')).result).toMatchObject({ by: 'user:alice', via: 'standing' });
    // Alice's own request is not Bob's scope, and she never approves her own.
    expect((await ask('K-alice')).status).toBe('pending');
  });
});
