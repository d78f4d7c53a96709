/**
 * Standing approvals in the human layer: a workflow's ask is approved by one at creation (and the
 * run goes on at once), bounds are exact, and a grant is checked before anything is stored.
 */
import { describe, expect, it } from 'vitest';
import { withinBounds } from '../../src/human/standing.ts';
import { testEngine } from '../helpers.ts';

const POLICY = { name: 'refunds', match: { tool: 'refund' }, approvers: ['user:ops'], standing: { maxDays: 3 } };

describe('standing approvals', () => {
  it('approve a workflow’s ask at creation: the run goes on with the approver’s decision via standing', async () => {
    const { heed } = testEngine({ policies: [POLICY] });
    const refund = heed.workflow('refund', async (ctx, input: { cents: number }) => {
      const decision = await ctx.ask({
        type: 'approval',
        title: `Refund ${input.cents}?`,
        action: { tool: 'refund', args: { order: 'A-1', cents: input.cents } },
      });
      return { outcome: decision.outcome, by: decision.by, via: decision.via };
    });
    await heed.start();
    const first = await refund.start({ cents: 500 }, { id: 'r1', initiator: 'user:dev' });
    await heed.idle();
    const [task] = (await heed.tasks.list({ status: 'pending' })).items;
    if (!task) throw new Error('no task');
    await heed.tasks.respond(task.id, { outcome: 'approve' }, { principal: 'user:ops', via: 'inbox' });
    expect(await first.result()).toEqual({ outcome: 'approve', by: 'user:ops', via: 'inbox' });
    const approved = await heed.tasks.get(task.id);
    if (!approved) throw new Error('gone');
    const standing = await heed.tasks.standing.grant(approved, { days: 3, max: { cents: 1000 } }, 'user:ops', 'api');

    const second = await refund.start({ cents: 900 }, { id: 'r2', initiator: 'user:dev' });
    expect(await second.result()).toEqual({ outcome: 'approve', by: 'user:ops', via: 'standing' });
    const third = await refund.start({ cents: 1001 }, { id: 'r3', initiator: 'user:dev' });
    await heed.idle();
    expect((await heed.tasks.list({ status: 'pending' })).items.map((t) => t.askedBy)).toEqual(['r3']);
    // The task r2 asked (all three were created at the same virtual instant: find it by its run).
    const [granted] = (await heed.tasks.list({ status: 'resolved', askedBy: 'r2' })).items;
    const audit = await heed.tasks.audit(granted?.id ?? '');
    expect(audit.find((e) => e.action === 'responded')?.detail).toMatchObject({ standingApprovalId: standing.id });
    await heed.tasks.cancel((await heed.tasks.list({ status: 'pending' })).items[0]?.id ?? '', { principal: 'system' });
    await third.result().catch(() => undefined);
  });

  it('bounds: the same argument names, equal ones equal (deeply), bounded ones numbers within', () => {
    const bounds = { equal: { to: 'acme', meta: { tag: 'x' } }, max: { amount: 200 } };
    expect(withinBounds({ to: 'acme', meta: { tag: 'x' }, amount: 200 }, bounds)).toBe(true);
    expect(withinBounds({ to: 'acme', meta: { tag: 'x' }, amount: -5 }, bounds)).toBe(true);
    expect(withinBounds({ to: 'acme', meta: { tag: 'x' }, amount: 200.01 }, bounds)).toBe(false);
    expect(withinBounds({ to: 'acme', meta: { tag: 'y' }, amount: 1 }, bounds)).toBe(false);
    expect(withinBounds({ to: 'acme', meta: { tag: 'x' }, amount: '1' }, bounds)).toBe(false);
    expect(withinBounds({ to: 'acme', meta: { tag: 'x' } }, bounds)).toBe(false);
    expect(withinBounds({ to: 'acme', meta: { tag: 'x' }, amount: 1, extra: 1 }, bounds)).toBe(false);
  });
});
