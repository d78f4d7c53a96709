/**
 * Decision insights over HTTP (GET /v1/insights, /v1/insights/export): time to decision by type,
 * policy, person and channel, what is pending, overdue and escalated, and who may read whose
 * figures. Real HTTP with keys, a virtual clock, the test store.
 */
import { describe, expect, it, vi } from 'vitest';
import { testServer } from './helpers.ts';

const auth = {
  keys: new Map([
    ['K-admin', 'user:admin'],
    ['K-ops', 'user:ops'],
    ['K-bob', 'user:bob'],
  ]),
  admins: new Set(['user:admin']),
};

async function scenario() {
  const server = await testServer({ auth });
  const { heed, clock } = server;
  await heed.start();
  const ask = (title: string, assignees: string[], extra: object = {}) =>
    heed.tasks.create({ type: 'approval', title, assignees, ...extra });
  // ops answers in 10 min on Slack; bob in 60 min in the inbox; ops again in 30 min by email.
  const fast = await ask('=HYPERLINK("x") refund', ['user:ops']);
  const slow = await ask('Deploy to eu?', ['user:bob']);
  const mid = await ask('Transfer $150?', ['user:ops']);
  // Escalated to the boss after 20 min, who answers at 40 min.
  const escalated = await ask('Delete the bucket?', ['user:ops'], { escalate: [{ after: '20m', to: ['user:boss'] }] });
  // Nobody answers: the deadline decides (the safe default) at 2 h.
  const silent = await ask('Rotate the keys?', ['user:ops'], { deadline: '2h' });
  const cancelled = await ask('Never mind?', ['user:ops']);
  await heed.tasks.cancel(cancelled.id);
  await heed.idle();
  await clock.advance('10m');
  await heed.tasks.respond(fast.id, { outcome: 'approve' }, { principal: 'user:ops', via: 'slack' });
  await clock.advance('10m');
  await heed.idle();
  await clock.advance('10m');
  await heed.tasks.respond(
    mid.id,
    { outcome: 'reject', comment: 'wrong account' },
    { principal: 'user:ops', via: 'email' },
  );
  await clock.advance('10m');
  // The escalation (at 20 min) is applied by the task's lifecycle run: wait for it to land.
  await vi.waitFor(async () =>
    expect((await heed.tasks.get(escalated.id))?.assignees.map((a) => a.principal)).toContain('user:boss'),
  );
  await heed.tasks.respond(escalated.id, { outcome: 'approve' }, { principal: 'user:boss', via: 'inbox' });
  await clock.advance('20m');
  await heed.tasks.respond(slow.id, { outcome: 'approve' }, { principal: 'user:bob', via: 'inbox' });
  await clock.advance('70m');
  await heed.idle();
  // A pending one, created last.
  await ask('Still waiting?', ['user:ops']);
  return { server, ids: { fast: fast.id, silent: silent.id } };
}

describe('GET /v1/insights', () => {
  it('gives admins everyone’s time to decision by type, policy, person and channel, and what stalls', async () => {
    const { server } = await scenario();
    const { status, body } = await server.call('GET', '/v1/insights?days=7', { key: 'K-admin' });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      principal: null,
      tasks: 7,
      truncated: false,
      decided: 4,
      timedOut: 1,
      cancelled: 1,
      pending: 1,
      overdue: 0,
      answeredAfterEscalation: 1,
      escalationsPerTask: Math.round((1 / 7) * 100) / 100,
    });
    // Decisions after 10, 30, 40 and 60 minutes.
    expect(body.overall).toEqual({ key: 'all', decided: 4, p50Seconds: 1_800, p90Seconds: 3_600 });
    expect(body.byPerson).toEqual([
      { key: 'user:ops', decided: 2, p50Seconds: 600, p90Seconds: 1_800 },
      { key: 'user:bob', decided: 1, p50Seconds: 3_600, p90Seconds: 3_600 },
      { key: 'user:boss', decided: 1, p50Seconds: 2_400, p90Seconds: 2_400 },
    ]);
    expect(body.byChannel.map((f: { key: string }) => f.key).sort()).toEqual(['email', 'inbox', 'slack']);
    expect(body.byType).toEqual([{ key: 'approval', decided: 4, p50Seconds: 1_800, p90Seconds: 3_600 }]);
    expect(body.byPolicy[0]).toMatchObject({ key: 'none', decided: 4 });
  });

  it('gives a person only their own figures, and refuses them someone else’s', async () => {
    const { server } = await scenario();
    const ops = await server.call('GET', '/v1/insights', { key: 'K-ops' });
    expect(ops.status).toBe(200);
    // Asked of ops: fast, mid, escalated, silent, cancelled and the pending one (not bob's).
    expect(ops.body).toMatchObject({ principal: 'user:ops', tasks: 6, decided: 3, pending: 1 });
    expect(ops.body.byPerson.map((f: { key: string }) => f.key)).toEqual(['user:ops', 'user:boss']);
    const other = await server.call('GET', '/v1/insights?principal=user:bob', { key: 'K-ops' });
    expect(other.status).toBe(403);
    const bob = await server.call('GET', '/v1/insights?principal=user:bob', { key: 'K-admin' });
    expect(bob.body).toMatchObject({ principal: 'user:bob', tasks: 1, decided: 1 });
    expect((await server.call('GET', '/v1/insights?days=0', { key: 'K-admin' })).status).toBe(422);
    expect((await server.call('GET', '/v1/insights')).status).toBe(401);
  });

  it('exports the tasks as CSV (formulas defused) and their audit entries', async () => {
    const { server, ids } = await scenario();
    const tasks = await fetch(`${server.url}/v1/insights/export`, { headers: { authorization: 'Bearer K-admin' } });
    expect(tasks.status).toBe(200);
    expect(tasks.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await tasks.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'task_id,type,title,policy,status,outcome,requester,decided_by,via,created_at,ended_at,seconds_to_decision,reminders,escalation_level',
    );
    expect(lines).toHaveLength(8);
    const fast = lines.find((l) => l.startsWith(ids.fast));
    expect(fast).toContain(`,"'=HYPERLINK(""x"") refund",`);
    expect(fast).toMatch(/,approve,.*,user:ops,slack,.*,600,0,0$/);
    const silent = lines.find((l) => l.startsWith(ids.silent));
    expect(silent).toMatch(/,resolved,reject,,system,timeout,/);

    const audit = await fetch(`${server.url}/v1/insights/export?what=audit`, {
      headers: { authorization: 'Bearer K-ops' },
    });
    const entries = (await audit.text()).trimEnd().split('\r\n');
    expect(entries[0]).toBe('task_id,seq,at,actor,via,action,outcome,detail,hash');
    expect(entries.some((l) => l.startsWith(`${ids.fast},`) && l.includes(',responded,approve,'))).toBe(true);
  });
});
