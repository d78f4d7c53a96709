/**
 * Reassigning a task (POST /v1/tasks/{id}/reassign) over real HTTP with keys: the new people are
 * asked at once and told durably by the lifecycle, the old ones no longer see it, the audit says
 * who moved it and why; who may reassign (those asked, admins, the policy's rule); what is refused.
 */
import { describe, expect, it } from 'vitest';
import type { ApprovalPolicy } from '../../src/human/policies/policy.ts';
import { RecordingNotifier } from '../human/helpers.ts';
import { testServer } from './helpers.ts';

const auth = {
  keys: new Map([
    ['K-admin', 'user:admin'],
    ['K-alice', 'user:alice'],
    ['K-bob', 'user:bob'],
    ['K-carol', 'user:carol'],
    ['K-req', 'user:req'],
  ]),
  admins: new Set(['user:admin']),
};

/** Internal apps name who they ask (the operator's policy for these tests). */
const APPS: ApprovalPolicy[] = [{ name: 'apps', callerAssigns: true }];

describe('POST /v1/tasks/{id}/reassign', () => {
  it('hands the task from alice to bob: inboxes follow, bob is told, the audit says who and why, bob decides', async () => {
    const slack = new RecordingNotifier('slack');
    const server = await testServer({ auth, heed: { notifiers: [slack], policies: APPS } });
    await server.heed.start();
    const created = await server.call('POST', '/v1/tasks', {
      key: 'K-req',
      body: { type: 'approval', title: 'Transfer $900 to ACME?', assignees: ['user:alice'] },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await server.heed.idle();
    const moved = await server.call('POST', `/v1/tasks/${id}/reassign`, {
      key: 'K-alice',
      body: { to: ['user:bob'], reason: 'On leave until Monday' },
      headers: { 'x-heed-via': 'inbox' },
    });
    expect(moved.status).toBe(200);
    expect(moved.body.assignees).toEqual([{ principal: 'user:bob', level: 0 }]);
    expect((await server.call('GET', '/v1/tasks?assignee=user:alice', { key: 'K-alice' })).body.items).toEqual([]);
    expect(
      (await server.call('GET', '/v1/tasks?assignee=user:bob', { key: 'K-bob' })).body.items.map(
        (t: { id: string }) => t.id,
      ),
    ).toEqual([id]);
    await server.heed.idle();
    await expect.poll(() => slack.log).toEqual(['created:user:alice', 'reassigned:user:bob']);
    const audit = (await server.call('GET', `/v1/tasks/${id}/audit`, { key: 'K-admin' })).body.items as {
      action: string;
      actor: string;
      via: string;
      detail: unknown;
    }[];
    expect(audit.find((e) => e.action === 'reassigned')).toMatchObject({
      actor: 'user:alice',
      via: 'inbox',
      detail: { from: ['user:alice'], to: ['user:bob'], reason: 'On leave until Monday' },
    });
    // Alice no longer sees it; Bob decides.
    expect((await server.call('GET', `/v1/tasks/${id}`, { key: 'K-alice' })).status).toBe(404);
    const answered = await server.call('POST', `/v1/tasks/${id}/responses`, {
      key: 'K-bob',
      body: { outcome: 'approve' },
    });
    expect(answered.status).toBe(200);
    expect(answered.body.result).toMatchObject({ outcome: 'approve', by: 'user:bob' });
    expect((await server.heed.tasks.verifyAudit(id)).ok).toBe(true);
    // Ended: no more reassigning.
    const late = await server.call('POST', `/v1/tasks/${id}/reassign`, {
      key: 'K-admin',
      body: { to: ['user:carol'], reason: 'x' },
    });
    expect(late.status).toBe(409);
  });

  it('refuses outsiders (404), the requester by default (403), the requester as the new approver, and no reason', async () => {
    const server = await testServer({ auth, heed: { policies: APPS } });
    await server.heed.start();
    const created = await server.call('POST', '/v1/tasks', {
      key: 'K-req',
      body: { type: 'approval', title: 'Ship it?', assignees: ['user:alice'] },
    });
    const id = created.body.id as string;
    const to = (key: string, body: object) => server.call('POST', `/v1/tasks/${id}/reassign`, { key, body });
    expect((await to('K-carol', { to: ['user:carol'], reason: 'mine now' })).status).toBe(404);
    const requester = await to('K-req', { to: ['user:carol'], reason: 'faster' });
    expect(requester.status).toBe(403);
    expect(requester.body.error.message).toContain('Only those asked');
    const self = await to('K-alice', { to: ['user:req'], reason: 'they know best' });
    expect(self.status).toBe(400);
    expect(self.body.error.message).toContain('four-eyes');
    expect((await to('K-alice', { to: ['user:bob'], reason: '   ' })).status).toBe(422);
    expect((await to('K-alice', { to: ['user:alice'], reason: 'again' })).body.error.message).toContain(
      'already assigned',
    );
    expect((await to('K-alice', { to: ['nobody'], reason: 'typo' })).status).toBe(400);
    expect((await server.heed.tasks.get(id))?.assignees).toEqual([{ principal: 'user:alice', level: 0 }]);
  });

  it('follows the policy: admins only, or the requester too', async () => {
    const server = await testServer({
      auth,
      heed: {
        policies: [
          { name: 'locked', match: { tool: 'wire' }, callerAssigns: true, reassign: 'admins' },
          { name: 'flexible', match: { tool: 'refund' }, callerAssigns: true, reassign: 'assignees-and-requester' },
        ],
      },
    });
    await server.heed.start();
    const ask = async (tool: string) =>
      (
        await server.call('POST', '/v1/tasks', {
          key: 'K-req',
          body: { type: 'approval', title: `${tool}?`, assignees: ['user:alice'], action: { tool, args: {} } },
        })
      ).body.id as string;
    const locked = await ask('wire');
    const byAlice = await server.call('POST', `/v1/tasks/${locked}/reassign`, {
      key: 'K-alice',
      body: { to: ['user:bob'], reason: 'busy' },
    });
    expect(byAlice.status).toBe(403);
    expect(byAlice.body.error.message).toContain('only admins');
    expect(
      (
        await server.call('POST', `/v1/tasks/${locked}/reassign`, {
          key: 'K-admin',
          body: { to: ['user:bob'], reason: 'busy' },
        })
      ).status,
    ).toBe(200);
    const flexible = await ask('refund');
    const byRequester = await server.call('POST', `/v1/tasks/${flexible}/reassign`, {
      key: 'K-req',
      body: { to: ['user:carol'], reason: 'Carol owns refunds' },
    });
    expect(byRequester.status).toBe(200);
    expect(byRequester.body.assignees).toEqual([{ principal: 'user:carol', level: 0 }]);
  });
});
