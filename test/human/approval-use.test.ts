import { describe, expect, it } from 'vitest';
import { testServer } from '../server/helpers.ts';

const POLICY = { policies: [{ name: 'deploys', approvers: ['user:sre'] }] };
const deploy = { type: 'approval', title: 'Deploy?', action: { tool: 'deploy', args: { env: 'prod', v: 2 } } };

describe('an approval is bound to its action and used once (POST /v1/tasks/{id}/consume)', () => {
  it('lets the requester use it once, for that tool and those arguments only; racing uses: exactly one wins', async () => {
    const s = await testServer({ heed: POLICY });
    const task = (await s.call('POST', '/v1/tasks', { as: 'agent:ci', body: deploy })).body;
    const use = (body: unknown, as = 'agent:ci') => s.call('POST', `/v1/tasks/${task.id}/consume`, { as, body });

    expect(await use({ tool: 'deploy', args: { env: 'prod', v: 2 } })).toMatchObject({
      status: 409,
      body: { error: { code: 'APPROVAL_NOT_USABLE', message: expect.stringContaining('still pending') } },
    });
    await s.call('POST', `/v1/tasks/${task.id}/responses`, { as: 'user:sre', body: { outcome: 'approve' } });

    expect((await use({ tool: 'deploy', args: { env: 'prod', v: 2 } }, 'user:sre')).status).toBe(403);
    expect((await use({ tool: 'deploy', args: { env: 'prod', v: 2 } }, 'user:eve')).status).toBe(404);
    expect(await use({ tool: 'deploy', args: { env: 'prod', v: 3 } })).toMatchObject({
      status: 409,
      body: { error: { code: 'APPROVAL_NOT_USABLE', message: expect.stringContaining('arguments changed') } },
    });
    expect(await use({ tool: 'drop_database', args: { env: 'prod', v: 2 } })).toMatchObject({
      status: 409,
      body: { error: { message: expect.stringContaining('approves "deploy", not "drop_database"') } },
    });
    // Five uses at once (key order does not matter: arguments are compared canonically).
    const uses = await Promise.all([1, 2, 3, 4, 5].map(() => use({ tool: 'deploy', args: { v: 2, env: 'prod' } })));
    expect(uses.map((u) => u.status).sort()).toEqual([200, 409, 409, 409, 409]);
    expect(uses.find((u) => u.status === 200)?.body).toMatchObject({ outcome: 'approve', by: 'user:sre' });
    expect(uses.filter((u) => u.status === 409).every((u) => u.body.error.code === 'APPROVAL_CONSUMED')).toBe(true);

    const audit = (await s.call('GET', `/v1/tasks/${task.id}/audit`, { as: 'agent:ci' })).body;
    const consumed = audit.items.filter((e: { action: string }) => e.action === 'consumed');
    expect(consumed).toMatchObject([
      { actor: 'agent:ci', detail: { tool: 'deploy', policy: { name: 'deploys' }, requester: 'agent:ci' } },
    ]);
    expect(audit.verification.ok).toBe(true);
  });

  it('never lets a rejected approval be used', async () => {
    const s = await testServer({ heed: POLICY });
    const task = (await s.call('POST', '/v1/tasks', { as: 'agent:ci', body: deploy })).body;
    await s.call('POST', `/v1/tasks/${task.id}/responses`, {
      as: 'user:sre',
      body: { outcome: 'reject', comment: 'freeze' },
    });
    const used = await s.call('POST', `/v1/tasks/${task.id}/consume`, {
      as: 'agent:ci',
      body: { tool: 'deploy', args: { env: 'prod', v: 2 } },
    });
    expect(used).toMatchObject({ status: 409, body: { error: { message: expect.stringContaining('reject') } } });
  });
});
