/**
 * Away and delegates in the task layer (virtual clock; the store of TEST_STORE): tasks that would
 * reach someone away reach their delegate at creation, at escalation and on reassignment; chains
 * are followed, loops refused; four-eyes holds; pending tasks move when the absence starts, at
 * once or at `from` by a durable timer; everything audited.
 */
import { describe, expect, it } from 'vitest';
import { testEngine } from '../helpers.ts';
import { RecordingNotifier } from './helpers.ts';

const DAY = 86_400_000;

describe('away and delegates', () => {
  it('a new task for someone away reaches the end of their chain of delegates, marked for them, audited', async () => {
    const { heed, clock } = testEngine();
    await heed.start();
    const now = clock.now();
    await heed.tasks.away.set('user:alice', { until: now + 4 * DAY, delegate: 'user:bob' }, 'user:alice');
    await heed.tasks.away.set('user:bob', { until: now + 2 * DAY, delegate: 'user:carol' }, 'user:bob');
    const task = await heed.tasks.create({
      type: 'approval',
      title: 'Ship 2.0?',
      assignees: ['user:alice', 'user:dave'],
      requester: 'user:req',
    });
    expect(task.assignees).toEqual([
      { principal: 'user:carol', level: 0, for: { principal: 'user:alice', until: now + 4 * DAY } },
      { principal: 'user:dave', level: 0 },
    ]);
    expect((await heed.tasks.inbox('user:alice')).items).toEqual([]);
    expect((await heed.tasks.inbox('user:carol')).items.map((t) => t.id)).toEqual([task.id]);
    const audit = await heed.tasks.audit(task.id);
    expect(audit[0]).toMatchObject({ action: 'created', detail: { assignees: ['user:alice', 'user:dave'] } });
    expect(audit.find((e) => e.action === 'delegated')).toMatchObject({
      actor: 'system',
      via: 'away',
      detail: {
        from: 'user:alice',
        to: 'user:carol',
        until: now + 4 * DAY,
        chain: ['user:alice', 'user:bob', 'user:carol'],
      },
    });
    // Carol decides for Alice.
    const done = await heed.tasks.respond(task.id, { outcome: 'approve' }, { principal: 'user:carol' });
    expect(done.result).toMatchObject({ outcome: 'approve', by: 'user:carol' });
    expect((await heed.tasks.verifyAudit(task.id)).ok).toBe(true);

    // Bob is back after two days: the chain now stops at him.
    await clock.advance(2 * DAY + 1);
    const later = await heed.tasks.create({ type: 'approval', title: 'Ship 2.1?', assignees: ['user:alice'] });
    expect(later.assignees).toEqual([
      { principal: 'user:bob', level: 0, for: { principal: 'user:alice', until: now + 4 * DAY } },
    ]);
    // Alice comes back early: tasks reach her again.
    expect(await heed.tasks.away.clear('user:alice', 'user:alice')).toMatchObject({ delegate: 'user:bob' });
    const back = await heed.tasks.create({ type: 'approval', title: 'Ship 2.2?', assignees: ['user:alice'] });
    expect(back.assignees).toEqual([{ principal: 'user:alice', level: 0 }]);
    const state = await heed.tasks.away.get('user:alice');
    expect(state).toMatchObject({ away: null, active: false, delegateNow: null });
    expect(state.log.map((e) => e.action)).toEqual(['cleared', 'set']);
  });

  it('refuses a loop when it is set (during overlapping periods only), and never follows one', async () => {
    const { heed, clock } = testEngine();
    await heed.start();
    const now = clock.now();
    const set = (who: string, delegate: string, from: number, until: number) =>
      heed.tasks.away.set(who, { from, until, delegate }, who);
    await set('user:alice', 'user:bob', now, now + 5 * DAY);
    await set('user:bob', 'user:carol', now, now + 5 * DAY);
    await expect(set('user:carol', 'user:alice', now, now + DAY)).rejects.toMatchObject({
      code: 'DELEGATE_LOOP',
      message: expect.stringContaining('user:carol → user:alice → user:bob → user:carol'),
    });
    await expect(set('user:bob', 'user:bob', now, now + DAY)).rejects.toMatchObject({ code: 'INVALID_AWAY' });
    await expect(set('user:bob', 'user:alice', now, now + DAY)).rejects.toMatchObject({ code: 'DELEGATE_LOOP' });
    // Carol away to Alice only after Alice is back: no moment where it loops.
    await set('user:carol', 'user:alice', now + 6 * DAY, now + 8 * DAY);
    await expect(set('user:alice', 'group:ops', now, now - 1)).rejects.toMatchObject({ code: 'INVALID_AWAY' });
    await expect(
      heed.tasks.away.set('group:ops', { until: now + DAY, delegate: 'user:bob' }, 'user:admin'),
    ).rejects.toMatchObject({
      code: 'INVALID_AWAY',
    });
    expect((await heed.tasks.create({ type: 'approval', title: 'x', assignees: ['user:alice'] })).assignees).toEqual([
      { principal: 'user:carol', level: 0, for: { principal: 'user:alice', until: now + 5 * DAY } },
    ]);
  });

  it('four-eyes: a delegate who asked for the approval cannot decide it; the task stays with the person, audited', async () => {
    const { heed, clock } = testEngine();
    await heed.start();
    await heed.tasks.away.set('user:alice', { until: clock.now() + DAY, delegate: 'user:req' }, 'user:alice');
    const task = await heed.tasks.create({
      type: 'approval',
      title: 'Pay my invoice?',
      assignees: ['user:alice'],
      requester: 'user:req',
    });
    expect(task.assignees).toEqual([{ principal: 'user:alice', level: 0 }]);
    expect((await heed.tasks.audit(task.id)).find((e) => e.action === 'not-delegated')).toMatchObject({
      detail: { from: 'user:alice', to: 'user:req', reason: expect.stringContaining('four-eyes') },
    });
    // A clarification is not four-eyes: it goes to the delegate even if they asked.
    const question = await heed.tasks.create({
      type: 'clarification',
      title: 'Which account?',
      assignees: ['user:alice'],
      requester: 'user:req',
    });
    expect(question.assignees.map((a) => a.principal)).toEqual(['user:req']);
  });

  it('pending tasks move to the delegate when the absence starts: at once, or at `from` by a durable timer', async () => {
    const slack = new RecordingNotifier('slack');
    const { heed, clock, store } = testEngine({ notifiers: [slack] });
    await heed.start();
    const ask = (title: string, assignees: string[], extra = {}) =>
      heed.tasks.create({ type: 'approval', title, assignees, requester: 'user:req', ...extra });
    const first = await ask('Refund $40?', ['user:alice', 'user:dave']);
    const own = await ask('Refund $50?', ['user:alice'], { requester: 'user:bob' });
    const group = await ask('Refund $60?', ['group:ops']);
    await heed.idle();
    const now = clock.now();
    const { moved, state } = await heed.tasks.away.set(
      'user:alice',
      { until: now + 3 * DAY, delegate: 'user:bob' },
      'user:alice',
    );
    expect(moved).toBe(1);
    expect(state).toMatchObject({ active: true, delegateNow: 'user:bob' });
    expect((await heed.tasks.get(first.id))?.assignees).toEqual([
      { principal: 'user:bob', level: 0, for: { principal: 'user:alice', until: now + 3 * DAY } },
      { principal: 'user:dave', level: 0 },
    ]);
    // Bob asked for the second: it stays with Alice (four-eyes); the group's task is not hers to move.
    expect((await heed.tasks.get(own.id))?.assignees).toEqual([{ principal: 'user:alice', level: 0 }]);
    expect((await heed.tasks.get(group.id))?.assignees).toEqual([{ principal: 'group:ops', level: 0 }]);
    expect((await heed.tasks.audit(first.id)).find((e) => e.action === 'reassigned')).toMatchObject({
      actor: 'system',
      via: 'away',
      detail: {
        from: ['user:alice', 'user:dave'],
        to: ['user:bob', 'user:dave'],
        reason: `away until ${new Date(now + 3 * DAY).toISOString()}`,
      },
    });
    await heed.idle();
    await expect
      .poll(() => slack.log.filter((l) => l.startsWith('reassigned')))
      .toEqual(['reassigned:user:bob,user:dave']);

    // Dave goes away next Monday (a timer): his task moves then, not before.
    await heed.tasks.away.set(
      'user:dave',
      { from: now + 2 * DAY, until: now + 9 * DAY, delegate: 'user:erin' },
      'user:admin',
    );
    await heed.idle();
    expect((await heed.tasks.get(first.id))?.assignees.map((a) => a.principal)).toEqual(['user:bob', 'user:dave']);
    expect((await heed.tasks.away.get('user:dave')).active).toBe(false);
    await clock.advance(2 * DAY);
    await heed.idle();
    await expect
      .poll(async () => (await heed.tasks.get(first.id))?.assignees)
      .toEqual([
        { principal: 'user:bob', level: 0, for: { principal: 'user:alice', until: now + 3 * DAY } },
        { principal: 'user:erin', level: 0, for: { principal: 'user:dave', until: now + 9 * DAY } },
      ]);
    expect((await heed.tasks.verifyAudit(first.id)).ok).toBe(true);
    // Alice's absence started at once; its timer checked a minute later that nothing was left
    // behind (a crash in the middle of the move), and said the four-eyes refusal only once.
    const run = await store.getRun(`away:user:alice:${state.away?.setAt}`);
    expect(run).toMatchObject({ status: 'succeeded', output: '0' });
    expect((await heed.tasks.audit(own.id)).filter((e) => e.action === 'not-delegated')).toHaveLength(1);
  });

  it('a timer of an absence cleared (or replaced) before it starts moves nothing', async () => {
    const { heed, clock } = testEngine();
    await heed.start();
    const task = await heed.tasks.create({ type: 'approval', title: 'x', assignees: ['user:alice'] });
    const now = clock.now();
    await heed.tasks.away.set(
      'user:alice',
      { from: now + DAY, until: now + 2 * DAY, delegate: 'user:bob' },
      'user:alice',
    );
    await heed.tasks.away.clear('user:alice', 'user:alice');
    await clock.advance(DAY + 1);
    await heed.idle();
    expect((await heed.tasks.get(task.id))?.assignees).toEqual([{ principal: 'user:alice', level: 0 }]);
  });

  it('escalation and reassignment reach the delegate of someone away', async () => {
    const slack = new RecordingNotifier('slack');
    const { heed, clock } = testEngine({ notifiers: [slack] });
    await heed.start();
    const now = clock.now();
    await heed.tasks.away.set('user:boss', { until: now + 7 * DAY, delegate: 'user:deputy' }, 'user:boss');
    const task = await heed.tasks.create({
      type: 'approval',
      title: 'Wire $9,000?',
      assignees: ['user:alice'],
      escalate: [{ after: '1h', to: ['user:boss'] }],
    });
    await heed.idle();
    await clock.advance('1h');
    await heed.idle();
    await expect.poll(() => slack.log).toEqual(['created:user:alice', 'escalated:user:deputy']);
    expect((await heed.tasks.get(task.id))?.assignees).toEqual([
      { principal: 'user:alice', level: 0 },
      { principal: 'user:deputy', level: 1, for: { principal: 'user:boss', until: now + 7 * DAY } },
    ]);
    const moved = await heed.tasks.reassign(
      task.id,
      { to: ['user:boss'], reason: 'Boss decides' },
      { principal: 'user:alice' },
    );
    expect(moved.assignees).toEqual([
      { principal: 'user:deputy', level: 1, for: { principal: 'user:boss', until: now + 7 * DAY } },
    ]);
    const audit = await heed.tasks.audit(task.id);
    expect(audit.find((e) => e.action === 'escalated')?.detail).toEqual({ level: 1, added: ['user:deputy'] });
    expect(audit.find((e) => e.action === 'reassigned')?.detail).toMatchObject({ to: ['user:deputy'] });
    expect(audit.filter((e) => e.action === 'delegated')).toHaveLength(2);
  });
});
