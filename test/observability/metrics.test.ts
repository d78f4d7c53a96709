/**
 * Prometheus metrics at GET /metrics: who may read them, and that each family counts what
 * happened: runs waiting, steps, tasks pending and overdue, time to decision, reminders and
 * escalations, store latency. Over real HTTP, on the test store (SQLite or PostgreSQL).
 */
import { describe, expect, it } from 'vitest';
import type { Heed } from '../../src/index.ts';
import { testEngine } from '../helpers.ts';
import { testServer } from '../server/helpers.ts';

/** The value of one sample line (`name{labels} value`), or undefined when the line is absent. */
function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

function transfers(heed: Heed) {
  heed.workflow('transfer', async (ctx, input: { amount: number }) => {
    const checked = await ctx.step('check', () => input.amount > 0);
    const decision = await ctx.ask({
      type: 'approval',
      title: `Transfer $${input.amount}?`,
      assignees: ['user:ops'],
      remind: { after: '5m' },
      escalate: [{ after: '30m', to: ['user:boss'] }],
      deadline: '2h',
    });
    return { checked, outcome: decision.outcome };
  });
}

describe('GET /metrics', () => {
  const auth = {
    keys: new Map([
      ['admin-key', 'user:admin'],
      ['scrape-key', 'user:prometheus'],
      ['alice-key', 'user:alice'],
    ]),
    admins: new Set(['user:admin']),
  };

  it('is for admins and holders of the metrics permission; others get 403, no key 401', async () => {
    const server = await testServer({ auth, permissions: { metrics: ['user:prometheus'] } });
    const admin = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer admin-key' } });
    expect(admin.status).toBe(200);
    expect(admin.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await admin.text()).toContain('# TYPE heed_task_decision_seconds histogram');
    expect((await server.call('GET', '/metrics', { key: 'scrape-key' })).status).toBe(200);
    const alice = await server.call('GET', '/metrics', { key: 'alice-key' });
    expect(alice.status).toBe(403);
    expect(alice.body.error.message).toContain('permission "metrics"');
    expect((await server.call('GET', '/metrics')).status).toBe(401);
  });

  it('counts waiting runs, steps, pending and overdue tasks, reminders, escalations and the time to decision', async () => {
    const server = await testServer({ setup: transfers, heed: { metrics: { statsMaxAgeMs: 0 } } });
    const { heed, clock } = server;
    await heed.start();
    const run = await heed.startWorkflow('transfer', { amount: 150 }, { id: 'transfer-1' });
    await heed.idle();
    let text = await heed.metrics.text();
    expect(sample(text, 'heed_runs{workflow="transfer",status="waiting"}')).toBe(1);
    expect(sample(text, 'heed_tasks_pending{type="approval"}')).toBe(1);
    expect(sample(text, 'heed_tasks_overdue{type="approval"}')).toBe(0);
    // The workflow's own step and the ask's.
    expect(sample(text, 'heed_steps_total{workflow="transfer",outcome="ok"}')).toBeGreaterThanOrEqual(1);

    await clock.advance('5m');
    await heed.idle();
    await clock.advance('25m');
    await heed.idle();
    text = await heed.metrics.text();
    expect(sample(text, 'heed_task_reminders_total{type="approval"}')).toBe(1);
    expect(sample(text, 'heed_task_escalations_total{type="approval"}')).toBe(1);
    expect(sample(text, 'heed_task_decision_seconds_count{type="approval",policy="none",outcome="approve"}')).toBe(
      undefined,
    );

    await clock.advance('10m');
    const [task] = (await heed.tasks.list({ status: 'pending' })).items;
    await heed.tasks.respond(task?.id ?? '', { outcome: 'approve' }, { principal: 'user:boss' });
    expect(await run.result()).toEqual({ checked: true, outcome: 'approve' });
    text = await heed.metrics.text();
    // Answered 40 minutes after it was asked: in the 1 h bucket, not in the 15 min one.
    const decided = 'heed_task_decision_seconds_bucket{le="%s",type="approval",policy="none",outcome="approve"}';
    expect(sample(text, decided.replace('%s', '900'))).toBe(0);
    expect(sample(text, decided.replace('%s', '3600'))).toBe(1);
    expect(sample(text, 'heed_task_decision_seconds_sum{type="approval",policy="none",outcome="approve"}')).toBe(2400);
    expect(sample(text, 'heed_tasks_pending{type="approval"}')).toBeUndefined();
    expect(sample(text, 'heed_runs{workflow="transfer",status="waiting"}')).toBeUndefined();
    expect(sample(text, 'heed_executions_total{workflow="transfer",outcome="completed"}')).toBe(1);
  });

  it('counts overdue tasks (deadline passed, no worker has applied it yet) and, with storeLatency, times store calls', async () => {
    // Not started: no timer fires, as when every worker is down.
    const { heed, clock } = testEngine({ metrics: { storeLatency: true, statsMaxAgeMs: 0 } });
    await heed.tasks.create({ type: 'approval', title: 'Late?', assignees: ['user:ops'], deadline: '1h' });
    await heed.tasks.create({ type: 'review', title: 'Looks right?', assignees: ['user:ops'] });
    let text = await heed.metrics.text();
    expect(sample(text, 'heed_tasks_overdue{type="approval"}')).toBe(0);
    await clock.advance('2h');
    text = await heed.metrics.text();
    expect(sample(text, 'heed_tasks_pending{type="approval"}')).toBe(1);
    expect(sample(text, 'heed_tasks_overdue{type="approval"}')).toBe(1);
    expect(sample(text, 'heed_tasks_overdue{type="review"}')).toBe(0);
    const timed = text
      .split('\n')
      .filter((l) => l.startsWith('heed_store_operation_seconds_count{operation="createTask"'));
    expect(timed).toEqual(['heed_store_operation_seconds_count{operation="createTask",outcome="ok"} 2']);
  });

  it('keeps the last counts and reports the error when the store cannot be read', async () => {
    const errors: unknown[] = [];
    const { heed } = testEngine({ metrics: { statsMaxAgeMs: 0 }, onError: (error) => errors.push(error) });
    await heed.tasks.create({ type: 'approval', title: 'Counted?', assignees: ['user:ops'] });
    expect(sample(await heed.metrics.text(), 'heed_tasks_pending{type="approval"}')).toBe(1);
    await heed.stop();
    const text = await heed.metrics.text();
    expect(sample(text, 'heed_tasks_pending{type="approval"}')).toBe(1);
    expect(errors.length).toBeGreaterThan(0);
  });
});
