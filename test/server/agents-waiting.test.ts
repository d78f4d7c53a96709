// biome-ignore-all lint/suspicious/noExplicitAny: HTTP bodies are arbitrary JSON checked by the assertions
/**
 * `GET /v1/agents/waiting` (the agent inbox) over real HTTP on a real SQLite file: complete however
 * many tasks are pending, paged, and only what the authorization module lets the caller see.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Heed } from '../../src/index.ts';
import { testServer } from './helpers.ts';

const keys = new Map([
  ['k-alice', 'user:alice'],
  ['k-bob', 'user:bob'],
  ['k-carol', 'user:carol'],
  ['k-admin', 'user:admin'],
]);

/** An agent that publishes `pending_approval` and asks `approver`. */
const agent = (heed: Heed) =>
  heed.workflow('agent', async (ctx, input: { to: string; approver: string }) => {
    await ctx.setStatus('agent', { status: 'pending_approval', tool: 'transfer', args: { to: input.to } });
    return ctx.ask({ type: 'approval', title: `Pay ${input.to}?`, assignees: [input.approver] });
  });

async function server() {
  return testServer({ auth: { keys, admins: new Set(['user:admin']) }, startable: { agent: ['*'] }, setup: agent });
}

describe('agents waiting', () => {
  it('finds an agent whose task is older than a thousand other pending tasks', async () => {
    const s = await server();
    const started = await s.call('POST', '/v1/runs', {
      key: 'k-alice',
      body: { workflow: 'agent', input: { to: 'Zed', approver: 'user:bob' } },
    });
    const run = started.body.id;
    await vi.waitFor(async () => expect((await s.heed.runs.get(run))?.status).toBe('waiting'));
    await s.clock.advance('1s');
    // 1,001 newer pending tasks for someone else, none of them asked by an agent.
    for (let batch = 0; batch < 11; batch++) {
      await Promise.all(
        Array.from({ length: 91 }, (_, i) =>
          s.heed.tasks.create({ type: 'approval', title: `Other ${batch}.${i}`, assignees: ['user:carol'] }),
        ),
      );
    }
    const waiting = async (key: string) => (await s.call('GET', '/v1/agents/waiting', { key })).body;
    // bob is asked: he sees the agent and its task.
    const bobs = await waiting('k-bob');
    expect(bobs.items.map((a: any) => a.runId)).toEqual([run]);
    expect(bobs.items[0].tasks.map((t: any) => t.title)).toEqual(['Pay Zed?']);
    expect(bobs.items[0].status).toEqual({ status: 'pending_approval' });
    // alice started it: she sees its task and the published status.
    const alices = await waiting('k-alice');
    expect(alices.items[0].tasks.map((t: any) => t.title)).toEqual(['Pay Zed?']);
    expect(alices.items[0].status).toMatchObject({ args: { to: 'Zed' } });
    // carol has a thousand tasks, none asked by an agent: no agent.
    expect((await waiting('k-carol')).items).toEqual([]);
    expect((await waiting('k-admin')).items[0].tasks).toHaveLength(1);
  }, 120_000);

  it('pages with limit and cursor, skipping what the caller may not see', async () => {
    const s = await server();
    const start = async (key: string, to: string, approver: string) =>
      (await s.call('POST', '/v1/runs', { key, body: { workflow: 'agent', input: { to, approver } } })).body.id;
    const runs: string[] = [];
    for (const to of ['A', 'B', 'C', 'D', 'E']) {
      runs.push(await start(to === 'C' ? 'k-carol' : 'k-alice', to, to === 'C' ? 'user:admin' : 'user:bob'));
    }
    await vi.waitFor(async () => {
      for (const id of runs) expect((await s.heed.runs.get(id))?.status).toBe('waiting');
    });
    const all = async (key: string, limit: number) => {
      const seen: string[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = await s.call('GET', `/v1/agents/waiting${query}`, { key });
        expect(page.status).toBe(200);
        sizes.push(page.body.items.length);
        seen.push(...page.body.items.map((a: any) => a.runId));
        cursor = page.body.nextCursor;
      } while (cursor);
      return { seen, sizes };
    };
    const bob = await all('k-bob', 2);
    expect(bob.seen.sort()).toEqual([runs[0], runs[1], runs[3], runs[4]].sort());
    expect(Math.max(...bob.sizes)).toBeLessThanOrEqual(2);
    const admin = await all('k-admin', 2);
    expect(admin.seen.sort()).toEqual([...runs].sort());
    // carol sees her own agent only (its task is admin's), bob's tasks are not hers.
    expect((await all('k-carol', 1)).seen).toEqual([runs[2]]);
    expect((await s.call('GET', '/v1/agents/waiting?limit=0', { key: 'k-bob' })).status).toBe(422);
    expect((await s.call('GET', '/v1/agents/waiting?cursor=nonsense', { key: 'k-bob' })).status).toBe(400);
  });
  it('examines a bounded number of waiting runs per request, however many the caller may not see', async () => {
    const s = await server();
    const mine = (
      await s.call('POST', '/v1/runs', {
        key: 'k-alice',
        body: { workflow: 'agent', input: { to: 'Old', approver: 'user:bob' } },
      })
    ).body.id;
    await vi.waitFor(async () => expect((await s.heed.runs.get(mine))?.status).toBe('waiting'));
    await s.clock.advance('1s');
    // 600 newer waiting runs that are no agent's (they wait for a message): bob may see none.
    const quiet = s.heed.workflow('quiet', async (ctx) => ctx.recv('go'));
    await Promise.all(Array.from({ length: 600 }, () => quiet.start(null)));
    await vi.waitFor(
      async () =>
        expect((await s.heed.runs.list({ workflow: 'quiet', status: 'waiting', limit: 1000 })).items).toHaveLength(600),
      { timeout: 60_000 },
    );
    const first = await s.call('GET', '/v1/agents/waiting?limit=100', { key: 'k-bob' });
    // One request stops after 500 runs and hands back a cursor; the next finds bob's agent.
    expect(first.body.items).toEqual([]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await s.call(
      'GET',
      `/v1/agents/waiting?limit=100&cursor=${encodeURIComponent(first.body.nextCursor)}`,
      { key: 'k-bob' },
    );
    expect(second.body.items.map((a: any) => a.runId)).toEqual([mine]);
    expect(second.body.nextCursor).toBeNull();
  }, 120_000);
});
