import { describe, expect, it } from 'vitest';
import { engineOn, STORES } from '../engine/engines.ts';
import { testEngine } from '../helpers.ts';
import { RecordingNotifier } from './helpers.ts';

describe('human tasks: the lifecycle on durable timers', () => {
  it('reminds at 5 min, escalates to a backup at 30 min, and resumes with who approved at 2 h (the AXME scenario)', async () => {
    const slack = new RecordingNotifier('slack');
    const { heed, clock } = testEngine({ notifiers: [slack] });
    const exportData = heed.workflow('data-export', async (ctx, input: { dataset: string }) => {
      const decision = await ctx.ask({
        type: 'approval',
        title: `Export ${input.dataset}?`,
        payload: { dataset: input.dataset, piiDetected: true },
        assignees: ['user:alice'],
        channels: ['slack'],
        remind: { after: '5m' },
        escalate: [{ after: '30m', to: ['user:bob'] }],
        deadline: '8h',
      });
      return { outcome: decision.outcome, by: decision.by, via: decision.via };
    });
    await heed.start();
    const run = await exportData.start({ dataset: 'customers_q1' }, { id: 'export-1' });
    await heed.idle();
    const [task] = (await heed.tasks.list({ status: 'pending' })).items;
    expect(task).toMatchObject({ title: 'Export customers_q1?', askedBy: 'export-1', escalationLevel: 0 });
    expect(slack.log).toEqual(['created:user:alice']);

    await clock.advance('5m');
    await heed.idle();
    expect(slack.log).toEqual(['created:user:alice', 'reminder:user:alice']);

    await clock.advance('25m');
    await heed.idle();
    expect(slack.log).toEqual(['created:user:alice', 'reminder:user:alice', 'escalated:user:bob']);
    expect((await heed.tasks.inbox('user:bob')).items.map((t) => t.id)).toEqual([task?.id]);
    expect((await heed.tasks.get(task?.id ?? ''))?.escalationLevel).toBe(1);

    await clock.advance('90m');
    await heed.tasks.respond(task?.id ?? '', { outcome: 'approve' }, { principal: 'user:bob', via: 'slack' });
    expect(await run.result()).toEqual({ outcome: 'approve', by: 'user:bob', via: 'slack' });

    const actions = (await heed.tasks.audit(task?.id ?? '')).map((e) => `${e.action}@${e.via}`);
    expect(actions).toEqual([
      'created@workflow',
      'notified@inbox',
      'notified@slack',
      'reminded@timer',
      'notified@inbox',
      'notified@slack',
      'escalated@timer',
      'notified@inbox',
      'notified@slack',
      'responded@slack',
      'resolved@slack',
    ]);
    expect((await heed.tasks.verifyAudit(task?.id ?? '')).ok).toBe(true);
    // Nothing fires after the task ended.
    await clock.advance('8h');
    await heed.idle();
    expect(slack.sent).toHaveLength(3);
  });

  it('loses nothing and fires nothing twice across a restart in the middle of the policy', async () => {
    const slack = new RecordingNotifier('slack');
    const { heed, clock, reopen } = testEngine({ notifiers: [slack] });
    const spec = {
      type: 'approval',
      title: 'Rotate the keys?',
      assignees: ['user:alice'],
      channels: ['slack'],
      remind: { after: '5m', every: '10m', max: 3 },
      escalate: [{ after: '20m', to: ['user:bob'] }],
      deadline: '1h',
    } as const;
    const wf = heed.workflow('rotate', async (ctx) => (await ctx.ask(spec)).outcome);
    await heed.start();
    await wf.start(null, { id: 'rotate-1' });
    await heed.idle();
    await clock.advance('16m'); // reminders 1 (5m) and 2 (15m)
    await heed.idle();
    await heed.stop();

    const restarted = reopen({ notifiers: [slack] });
    restarted.workflow('rotate', async (ctx) => (await ctx.ask(spec)).outcome);
    await restarted.start();
    await restarted.idle();
    await clock.advance('10m'); // escalation (20m) and reminder 3 (25m)
    await restarted.idle();
    expect(slack.log).toEqual([
      'created:user:alice',
      'reminder:user:alice',
      'reminder:user:alice',
      'escalated:user:bob',
      'reminder:user:alice,user:bob',
    ]);
    const [task] = (await restarted.tasks.list()).items;
    await restarted.tasks.respond(task?.id ?? '', { outcome: 'approve' }, { principal: 'user:bob' });
    expect(await restarted.handle('rotate-1').result()).toBe('approve');
    expect(slack.sent.map((n) => n.key)).toEqual([...new Set(slack.sent.map((n) => n.key))]);
  });

  it('rejects at an 8-hour deadline when nobody answers (fail closed)', async () => {
    const { heed, clock } = testEngine();
    const wf = heed.workflow('deploy', async (ctx) => {
      const answer = await ctx.ask({
        type: 'approval',
        title: 'Deploy to production?',
        assignees: ['group:oncall'],
        deadline: '8h',
      });
      return [answer.status, answer.outcome, answer.by, answer.via];
    });
    await heed.start();
    const run = await wf.start(null);
    await heed.idle();
    await clock.advance('7h59m');
    await heed.idle();
    expect((await heed.tasks.list({ status: 'pending' })).items).toHaveLength(1);
    await clock.advance('1m');
    expect(await run.result()).toEqual(['resolved', 'reject', 'system', 'timeout']);
    const [task] = (await heed.tasks.list({ status: 'resolved' })).items;
    expect((await heed.tasks.audit(task?.id ?? '')).map((e) => e.action)).toContain('expired');
  });

  it('expires, or approves, at the deadline when the spec says so', async () => {
    const { heed, clock } = testEngine();
    const wf = heed.workflow('timeouts', async (ctx, onTimeout: string) => {
      const answer = await ctx.ask({ type: 'approval', title: 'Proceed?', deadline: '1h', onTimeout });
      return [answer.status, answer.outcome];
    });
    await heed.start();
    const expiring = await wf.start('expire');
    const approving = await wf.start('approve');
    await heed.idle();
    await clock.advance('1h');
    expect(await expiring.result()).toEqual(['expired', null]);
    expect(await approving.result()).toEqual(['resolved', 'approve']);
  });

  it('cancels the open tasks of a cancelled run', async () => {
    const { heed } = testEngine();
    const wf = heed.workflow('asker', async (ctx) => ctx.ask({ type: 'clarification', title: 'Which region?' }));
    await heed.start();
    await wf.start(null, { id: 'asker-1' });
    await heed.idle();
    const [task] = (await heed.tasks.list()).items;
    await heed.runs.cancel('asker-1');
    const cancelled = await heed.tasks.get(task?.id ?? '');
    expect(cancelled?.status).toBe('cancelled');
    expect((await heed.tasks.audit(task?.id ?? '')).at(-1)?.action).toBe('cancelled');
    await expect(
      heed.tasks.respond(task?.id ?? '', { outcome: 'answer', comment: 'eu-west-1' }, { principal: 'user:alice' }),
    ).rejects.toMatchObject({ code: 'TASK_ALREADY_RESOLVED' });
  });

  it('works standalone: create, answer, read the result', async () => {
    const { heed } = testEngine();
    await heed.start();
    const task = await heed.tasks.create({
      type: 'manual_action',
      title: 'Flip the DNS switch',
      assignees: ['user:ops'],
      idempotencyKey: 'dns-1',
    });
    const again = await heed.tasks.create({
      type: 'manual_action',
      title: 'Flip the DNS switch',
      idempotencyKey: 'dns-1',
    });
    expect(again.id).toBe(task.id);
    expect(task.outcomes).toEqual(['done', 'failed']);
    await heed.tasks.respond(task.id, { outcome: 'done', comment: 'flipped' }, { principal: 'user:ops', via: 'cli' });
    expect(await heed.tasks.result(task.id)).toMatchObject({
      status: 'resolved',
      outcome: 'done',
      by: 'user:ops',
      via: 'cli',
    });
    await heed.idle();
    expect((await heed.runs.get(task.runId))?.status).toBe('succeeded');
  });

  it('needs no execution of the lifecycle for a task with nothing timed and only the inbox to tell', async () => {
    const { heed } = testEngine();
    const wf = heed.workflow('asker', async (ctx) => (await ctx.ask({ type: 'approval', title: 'Ship?' })).outcome);
    await heed.start();
    await wf.start(null, { id: 'asker-2', initiator: 'user:dev' });
    await heed.idle();
    const [task] = (await heed.tasks.list()).items;
    const lifecycle = `task:${task?.id}`;
    expect(await heed.runs.get(lifecycle)).toMatchObject({ status: 'waiting', attempts: 0 });
    expect((await heed.tasks.audit(task?.id ?? '')).map((e) => `${e.action}@${e.via}`)).toEqual([
      'created@workflow',
      'notified@inbox',
    ]);
    await heed.tasks.respond(task?.id ?? '', { outcome: 'approve' }, { principal: 'user:ops' });
    expect(await wf.handle('asker-2').result()).toBe('approve');
    // The answer's write ended the lifecycle run with the result, and woke the asking run.
    const ended = await heed.runs.get(lifecycle);
    expect(ended).toMatchObject({ status: 'succeeded', attempts: 0 });
    expect(ended?.output).toMatchObject({ taskId: task?.id, status: 'resolved', outcome: 'approve', by: 'user:ops' });
    expect((await heed.tasks.audit(task?.id ?? '')).map((e) => e.action)).toEqual([
      'created',
      'notified',
      'responded',
      'resolved',
    ]);
    expect((await heed.tasks.verifyAudit(task?.id ?? '')).ok).toBe(true);
  });

  it('runs the lifecycle when a channel must be told, and ends it when the task is cancelled', async () => {
    const slack = new RecordingNotifier('slack');
    const { heed } = testEngine({ notifiers: [slack] });
    await heed.start();
    const task = await heed.tasks.create({ type: 'approval', title: 'Ship?', assignees: ['user:ops'] });
    await heed.idle();
    expect(slack.log).toEqual(['created:user:ops']);
    expect(await heed.runs.get(task.runId)).toMatchObject({ status: 'waiting', attempts: 1 });
    await heed.tasks.cancel(task.id, { reason: 'not needed' });
    expect(await heed.tasks.result(task.id)).toMatchObject({ status: 'cancelled', comment: 'not needed' });
    await heed.idle();
    // Suspended on its settled message, it was ended by the cancellation's write.
    expect(await heed.runs.get(task.runId)).toMatchObject({ status: 'succeeded', attempts: 1 });
  });
});

describe.each(STORES)('standalone tasks on %s', (kind) => {
  it('answers many concurrent creates with one idempotencyKey with the same task, created once', async () => {
    const { heed, errors } = await engineOn(kind);
    await heed.start();
    const spec = { type: 'manual_action', title: 'Flip the DNS switch', idempotencyKey: 'dns-race' } as const;
    const answers = await Promise.all(Array.from({ length: 16 }, () => heed.tasks.submit(spec)));
    expect(new Set(answers.map((a) => a.task.id)).size).toBe(1);
    expect(answers.filter((a) => a.created)).toHaveLength(1);
    expect((await heed.tasks.list({})).items).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});
