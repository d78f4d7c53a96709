/**
 * Away and delegates over real HTTP with keys: PUT/GET/DELETE /v1/me/away and the admin's
 * /v1/people/{principal}/away; who may set whose absence; loops and bad periods refused (422);
 * pending tasks move at once, later ones reach the delegate marked for the person away.
 */
import { describe, expect, it } from 'vitest';
import type { ApprovalPolicy } from '../../src/human/policies/policy.ts';
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

const APPS: ApprovalPolicy[] = [{ name: 'apps', callerAssigns: true }];
const iso = (ms: number) => new Date(ms).toISOString();
const DAY = 86_400_000;

describe('/v1/me/away', () => {
  it('alice goes away to bob: her pending task moves, new ones reach bob for her, she comes back', async () => {
    const server = await testServer({ auth, heed: { policies: APPS } });
    await server.heed.start();
    const ask = async (title: string) =>
      (
        await server.call('POST', '/v1/tasks', {
          key: 'K-req',
          body: { type: 'approval', title, assignees: ['user:alice'] },
        })
      ).body;
    const pending = await ask('Transfer $900?');
    expect((await server.call('GET', '/v1/me/away', { key: 'K-alice' })).body).toMatchObject({
      principal: 'user:alice',
      away: null,
      active: false,
    });
    const until = server.heed.clock.now() + 3 * DAY;
    const set = await server.call('PUT', '/v1/me/away', {
      key: 'K-alice',
      body: { until: iso(until), delegate: 'user:bob' },
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      principal: 'user:alice',
      active: true,
      delegateNow: 'user:bob',
      moved: 1,
      away: { delegate: 'user:bob', until, setBy: 'user:alice' },
    });
    const moved = await server.call('GET', `/v1/tasks/${pending.id}`, { key: 'K-bob' });
    expect(moved.body.assignees).toEqual([
      { principal: 'user:bob', level: 0, for: { principal: 'user:alice', until } },
    ]);
    const fresh = await ask('Transfer $50?');
    expect(fresh.assignees).toEqual([{ principal: 'user:bob', level: 0, for: { principal: 'user:alice', until } }]);
    const audit = (await server.call('GET', `/v1/tasks/${fresh.id}/audit`, { key: 'K-admin' })).body.items;
    expect(audit.find((e: { action: string }) => e.action === 'delegated')).toMatchObject({
      detail: { from: 'user:alice', to: 'user:bob', until },
    });
    // Bob decides for Alice.
    const answered = await server.call('POST', `/v1/tasks/${fresh.id}/responses`, {
      key: 'K-bob',
      body: { outcome: 'approve' },
    });
    expect(answered.status).toBe(200);
    // Back.
    const back = await server.call('DELETE', '/v1/me/away', { key: 'K-alice' });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ away: null, active: false });
    expect(back.body.log.map((e: { action: string }) => e.action)).toEqual(['cleared', 'set']);
    expect((await ask('Transfer $70?')).assignees).toEqual([{ principal: 'user:alice', level: 0 }]);
  });

  it('refuses a loop, a past or backwards period, oneself, bad input; only admins set someone else', async () => {
    const server = await testServer({ auth, heed: { policies: APPS } });
    await server.heed.start();
    const now = server.heed.clock.now();
    const until = iso(now + DAY);
    expect(
      (await server.call('PUT', '/v1/me/away', { key: 'K-alice', body: { until, delegate: 'user:bob' } })).status,
    ).toBe(200);
    const loop = await server.call('PUT', '/v1/me/away', { key: 'K-bob', body: { until, delegate: 'user:alice' } });
    expect(loop.status).toBe(422);
    expect(loop.body.error).toMatchObject({ code: 'DELEGATE_LOOP' });
    const past = await server.call('PUT', '/v1/me/away', {
      key: 'K-bob',
      body: { until: iso(now - DAY), delegate: 'user:carol' },
    });
    expect(past.body.error.code).toBe('INVALID_AWAY');
    const backwards = await server.call('PUT', '/v1/me/away', {
      key: 'K-bob',
      body: { from: iso(now + 2 * DAY), until: iso(now + DAY), delegate: 'user:carol' },
    });
    expect(backwards.status).toBe(422);
    expect(
      (await server.call('PUT', '/v1/me/away', { key: 'K-bob', body: { until, delegate: 'user:bob' } })).status,
    ).toBe(422);
    expect(
      (await server.call('PUT', '/v1/me/away', { key: 'K-bob', body: { until, delegate: 'nobody' } })).status,
    ).toBe(400);
    expect(
      (await server.call('PUT', '/v1/me/away', { key: 'K-bob', body: { until: 'friday', delegate: 'user:carol' } }))
        .status,
    ).toBe(422);
    expect(
      (
        await server.call('PUT', '/v1/me/away', {
          key: 'K-bob',
          body: { until, delegate: 'user:carol', principal: 'user:alice' },
        })
      ).status,
    ).toBe(422);
    // Someone else's absence: admins only.
    const path = '/v1/people/user:carol/away';
    expect((await server.call('PUT', path, { key: 'K-bob', body: { until, delegate: 'user:bob' } })).status).toBe(403);
    expect((await server.call('GET', path, { key: 'K-bob' })).status).toBe(403);
    expect((await server.call('DELETE', path, { key: 'K-bob' })).status).toBe(403);
    const byAdmin = await server.call('PUT', path, { key: 'K-admin', body: { until, delegate: 'user:bob' } });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.away).toMatchObject({ principal: 'user:carol', setBy: 'user:admin' });
    expect((await server.call('GET', '/v1/me/away', { key: 'K-carol' })).body.active).toBe(true);
    expect((await server.call('GET', path, { key: 'K-carol' })).status).toBe(200);
    expect((await server.call('DELETE', path, { key: 'K-admin' })).body.active).toBe(false);
    expect((await server.call('GET', '/v1/me/away')).status).toBe(401);
  });

  it('a future absence moves pending tasks at `from` (durable timer, virtual clock)', async () => {
    const server = await testServer({ auth, heed: { policies: APPS } });
    await server.heed.start();
    const created = await server.call('POST', '/v1/tasks', {
      key: 'K-req',
      body: { type: 'approval', title: 'Deploy?', assignees: ['user:alice'] },
    });
    const now = server.heed.clock.now();
    const set = await server.call('PUT', '/v1/me/away', {
      key: 'K-alice',
      body: { from: iso(now + DAY), until: iso(now + 5 * DAY), delegate: 'user:carol' },
    });
    expect(set.body).toMatchObject({ active: false, moved: 0, delegateNow: null });
    await server.heed.idle();
    expect((await server.call('GET', `/v1/tasks/${created.body.id}`, { key: 'K-alice' })).status).toBe(200);
    await server.clock.advance(DAY);
    await server.heed.idle();
    await expect
      .poll(async () => (await server.call('GET', `/v1/tasks/${created.body.id}`, { key: 'K-carol' })).body.assignees)
      .toEqual([{ principal: 'user:carol', level: 0, for: { principal: 'user:alice', until: now + 5 * DAY } }]);
  });
});
