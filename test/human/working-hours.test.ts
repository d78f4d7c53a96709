import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.ts';
import { PolicySet } from '../../src/human/policies/policy-set.ts';
import type { ApprovalPolicy } from '../../src/human/policies/policy.ts';
import { type WorkingHoursLookup, workingHoursOfPeople } from '../../src/human/working-hours.ts';
import { VirtualClock } from '../../src/time/virtual-clock.ts';
import { testEngine } from '../helpers.ts';
import { RecordingNotifier } from './helpers.ts';

const WEEK = { days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const, start: '09:00', end: '17:00' };
const people: WorkingHoursLookup = workingHoursOfPeople({
  'user:alice': { timeZone: 'Europe/Paris', workingHours: { ...WEEK, days: [...WEEK.days] } },
  'user:carol': { timeZone: 'America/New_York', workingHours: { ...WEEK, days: [...WEEK.days] } },
});
const OFFICE: ApprovalPolicy = {
  name: 'office',
  approvers: ['user:alice'],
  remind: { after: '2h' },
  escalate: [{ after: '4h', to: ['user:bob'] }],
  deadline: '3d',
  businessHours: true,
};
const iso = (ms: number) => new Date(ms).toISOString();

/** A Heed whose virtual clock starts at `start`, with the office policy and the people's hours. */
function office(start: string, policy: Partial<ApprovalPolicy> = {}, workingHours: WorkingHoursLookup = people) {
  const clock = new VirtualClock(Date.parse(start));
  const slack = new RecordingNotifier('slack');
  const engine = testEngine({ clock, notifiers: [slack], policies: [{ ...OFFICE, ...policy }], workingHours });
  return { ...engine, clock, slack };
}

/** When each timer action of a task happened (ISO instants). */
async function timeline(heed: ReturnType<typeof testEngine>['heed'], id: string): Promise<string[]> {
  const entries = await heed.tasks.audit(id);
  return entries
    .filter((e) => ['reminded', 'escalated', 'resolved', 'expired'].includes(e.action))
    .map((e) => `${e.action}@${iso(e.at)}`);
}

/** Advances the clock to `isoTime` and lets the lifecycle act. */
async function until(ctx: { clock: VirtualClock; heed: ReturnType<typeof testEngine>['heed'] }, isoTime: string) {
  await ctx.clock.advance(Date.parse(isoTime) - ctx.clock.now());
  await ctx.heed.idle();
}

describe('working hours: reminders and escalations of a businessHours policy count working time', () => {
  it('asked Friday 16:00 Paris time, "remind after 2h" fires Monday 10:00; the deadline stays absolute', async () => {
    const ctx = office('2026-12-04T15:00:00Z'); // Friday 16:00 in Paris
    await ctx.heed.start();
    const task = await ctx.heed.tasks.create({ type: 'approval', title: 'Pay the invoice?' });
    await ctx.heed.idle();
    expect(task.deadline).toBe(Date.parse('2026-12-07T15:00:00Z')); // 3 days, elapsed

    await until(ctx, '2026-12-07T08:59:00Z'); // Monday 09:59 Paris: the weekend did not count
    expect(await timeline(ctx.heed, task.id)).toEqual([]);
    expect(ctx.slack.log).toEqual(['created:user:alice']);

    await until(ctx, '2026-12-07T09:00:00Z'); // Monday 10:00 Paris: 1 h Friday + 1 h Monday
    expect(await timeline(ctx.heed, task.id)).toEqual(['reminded@2026-12-07T09:00:00.000Z']);
    expect(ctx.slack.log).toEqual(['created:user:alice', 'reminder:user:alice']);

    await until(ctx, '2026-12-07T11:00:00Z'); // 4 working hours: Monday 12:00 Paris
    expect(await timeline(ctx.heed, task.id)).toEqual([
      'reminded@2026-12-07T09:00:00.000Z',
      'escalated@2026-12-07T11:00:00.000Z',
    ]);
    expect(ctx.slack.log.at(-1)).toBe('escalated:user:bob');

    await until(ctx, '2026-12-07T15:00:00Z'); // the deadline: 72 elapsed hours after asking
    const ended = await ctx.heed.tasks.get(task.id);
    expect(ended?.status).toBe('resolved');
    expect((await timeline(ctx.heed, task.id)).at(-1)).toBe('expired@2026-12-07T15:00:00.000Z');
  });

  it('counts elapsed time when the policy does not say businessHours', async () => {
    const ctx = office('2026-12-04T15:00:00Z', { businessHours: false });
    await ctx.heed.start();
    const task = await ctx.heed.tasks.create({ type: 'approval', title: 'Pay the invoice?' });
    await until(ctx, '2026-12-04T17:00:00Z'); // Friday 18:00 Paris: 2 elapsed hours
    expect(await timeline(ctx.heed, task.id)).toEqual(['reminded@2026-12-04T17:00:00.000Z']);
  });

  it('is right across the spring-forward change in Paris (Monday 10:00 CEST is 08:00Z)', async () => {
    const ctx = office('2026-03-27T15:00:00Z'); // Friday 27 March 16:00 CET
    await ctx.heed.start();
    const task = await ctx.heed.tasks.create({ type: 'approval', title: 'Pay the invoice?' });
    await until(ctx, '2026-03-30T07:59:00Z');
    expect(await timeline(ctx.heed, task.id)).toEqual([]);
    await until(ctx, '2026-03-30T08:00:00Z');
    expect(await timeline(ctx.heed, task.id)).toEqual(['reminded@2026-03-30T08:00:00.000Z']);
  });

  it('is right across the fall-back change in New York, and takes the earliest of several assignees', async () => {
    // Friday 30 October 2026, 16:00 EDT (20:00Z): New York has not changed yet, Paris has (21:00 CET, closed).
    const ctx = office('2026-10-30T20:00:00Z', { approvers: ['user:carol', 'user:alice'] });
    await ctx.heed.start();
    const task = await ctx.heed.tasks.create({ type: 'approval', title: 'Pay the invoice?' });
    // Carol has 1 h left on Friday: her 2 h end Monday 10:00 EST (15:00Z). Alice's end Monday
    // 11:00 CET (10:00Z), earlier: the reminder goes then.
    await until(ctx, '2026-11-02T09:59:00Z');
    expect(await timeline(ctx.heed, task.id)).toEqual([]);
    await until(ctx, '2026-11-02T10:00:00Z');
    expect(await timeline(ctx.heed, task.id)).toEqual(['reminded@2026-11-02T10:00:00.000Z']);
  });

  it('counts New York hours alone across its DST change (Monday 10:00 EST is 15:00Z)', async () => {
    const ctx = office('2026-10-30T20:00:00Z', { approvers: ['user:carol'] });
    await ctx.heed.start();
    const task = await ctx.heed.tasks.create({ type: 'approval', title: 'Pay the invoice?' });
    await until(ctx, '2026-11-02T14:59:00Z'); // 09:59 EST; with the summer offset it would be 10:59
    expect(await timeline(ctx.heed, task.id)).toEqual([]);
    await until(ctx, '2026-11-02T15:00:00Z');
    expect(await timeline(ctx.heed, task.id)).toEqual(['reminded@2026-11-02T15:00:00.000Z']);
  });

  it('keeps a waiting lifecycle’s recorded plan when the hours change before a restart', async () => {
    const ctx = office('2026-12-04T15:00:00Z');
    await ctx.heed.start();
    const task = await ctx.heed.tasks.create({ type: 'approval', title: 'Pay the invoice?' });
    await ctx.heed.idle();
    await ctx.heed.stop({ grace: 0 });
    // Alice now works weekends from 08:00; the plan recorded on Friday still says Monday.
    const weekends = workingHoursOfPeople({
      'user:alice': { timeZone: 'Europe/Paris', workingHours: { days: ['sat', 'sun'], start: '08:00', end: '20:00' } },
    });
    const again = ctx.reopen({ workingHours: weekends });
    await again.start();
    await until({ clock: ctx.clock, heed: again }, '2026-12-06T12:00:00Z');
    expect(await timeline(again, task.id)).toEqual([]);
    await until({ clock: ctx.clock, heed: again }, '2026-12-07T09:00:00Z');
    expect(await timeline(again, task.id)).toEqual(['reminded@2026-12-07T09:00:00.000Z']);
  });

  it('refuses a task whose assignee has invalid working hours, creating nothing', async () => {
    const broken: WorkingHoursLookup = () => ({ timeZone: 'Mars/Olympus', ...WEEK, days: [...WEEK.days] });
    const ctx = office('2026-12-04T15:00:00Z', {}, broken);
    await ctx.heed.start();
    await expect(ctx.heed.tasks.create({ type: 'approval', title: 'Pay?' })).rejects.toThrow(InvalidArgumentError);
    expect((await ctx.heed.tasks.list({})).items).toEqual([]);
  });

  it('checks the policy field and records it with each governed task', () => {
    expect(() => new PolicySet([{ ...OFFICE, businessHours: 'yes' as unknown as boolean }])).toThrow(
      /policies\[0\] \("office"\): businessHours/,
    );
    const set = new PolicySet([OFFICE]);
    expect(set.resolve({ type: 'approval', title: 'Pay?' }, 'server')?.applied.businessHours).toBe(true);
    expect(
      new PolicySet([{ ...OFFICE, businessHours: false }]).resolve({ type: 'approval', title: 'Pay?' }, 'server')
        ?.applied,
    ).not.toHaveProperty('businessHours');
  });
});
