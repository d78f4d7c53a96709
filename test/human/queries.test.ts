import { describe, expect, it } from 'vitest';
import { testEngine } from '../helpers.ts';

describe('human tasks: queries', () => {
  it('lists a principal’s inbox through its groups and escalations, newest first, page by page', async () => {
    const { heed, clock } = testEngine({ groupsOf: (p) => (p === 'user:alice' ? ['group:finance'] : []) });
    await heed.start();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      await clock.advance('1s');
      const assignees = i % 2 ? ['group:finance'] : i % 3 ? ['user:alice'] : ['user:zed'];
      ids.push((await heed.tasks.create({ type: 'approval', title: `t${i}`, assignees })).id);
    }
    const mine = ['t5', 't4', 't3', 't2', 't1']; // t0 and t6 belong to zed
    const first = await heed.tasks.inbox('user:alice', { limit: 4 });
    const second = await heed.tasks.inbox('user:alice', { limit: 4, cursor: first.nextCursor ?? undefined });
    expect([...first.items, ...second.items].map((t) => t.title)).toEqual(mine);
    expect(second.nextCursor).toBeNull();
    expect((await heed.tasks.list({ assignee: 'user:zed' })).items.map((t) => t.title)).toEqual(['t6', 't0']);
    await heed.tasks.respond(ids[5] ?? '', { outcome: 'approve' }, { principal: 'user:alice' });
    expect((await heed.tasks.inbox('user:alice')).items.map((t) => t.title)).toEqual(mine.slice(1));
  });

  it('filters by status, type, requester, age and deadline', async () => {
    const { heed, clock } = testEngine();
    await heed.start();
    const t0 = clock.now();
    await heed.tasks.create({ type: 'approval', title: 'a', requester: 'user:r1', deadline: '1h' });
    await clock.advance('10m');
    await heed.tasks.create({
      type: 'form',
      title: 'b',
      requester: 'user:r2',
      deadline: '4h',
      form: { type: 'object' },
    });
    await clock.advance('10m');
    const c = await heed.tasks.create({ type: 'approval', title: 'c', requester: 'user:r1' });
    await heed.tasks.respond(c.id, { outcome: 'approve' }, { principal: 'user:x' });
    const titles = async (query: Parameters<typeof heed.tasks.list>[0]) =>
      (await heed.tasks.list(query)).items.map((t) => t.title);
    expect(await titles({ type: 'approval' })).toEqual(['c', 'a']);
    expect(await titles({ status: 'pending' })).toEqual(['b', 'a']);
    expect(await titles({ requester: 'user:r1', status: 'pending' })).toEqual(['a']);
    expect(await titles({ createdAfter: t0 + 5 * 60_000 })).toEqual(['c', 'b']);
    expect(await titles({ createdBefore: t0 + 5 * 60_000 })).toEqual(['a']);
    expect(await titles({ deadlineBefore: t0 + 2 * 3_600_000 })).toEqual(['a']);
    await expect(heed.tasks.list({ cursor: 'junk' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(heed.tasks.inbox('not-a-principal')).rejects.toMatchObject({ code: 'INVALID_PRINCIPAL' });
  });

  it('searches titles in an inbox and in lists, case-insensitively, with the other filters', async () => {
    const { heed, clock } = testEngine({ groupsOf: (p) => (p === 'user:alice' ? ['group:finance'] : []) });
    await heed.start();
    const make = async (title: string, assignees: string[], type: 'approval' | 'review' = 'approval') => {
      await clock.advance('1s');
      return heed.tasks.create({ type, title, assignees, requester: 'user:carol' });
    };
    await make('Export customers to the partner', ['user:alice']);
    await make('Refund order 42', ['group:finance']);
    const review = await make('Review the EXPORT script', ['group:finance'], 'review');
    await make('Export invoices', ['user:zed']);
    const inboxTitles = async (query: Parameters<typeof heed.tasks.inbox>[1]) =>
      (await heed.tasks.inbox('user:alice', query)).items.map((t) => t.title);
    expect(await inboxTitles({ search: 'export' })).toEqual([
      'Review the EXPORT script',
      'Export customers to the partner',
    ]);
    expect(await inboxTitles({ search: 'export', type: 'review' })).toEqual(['Review the EXPORT script']);
    expect(await inboxTitles({ search: 'nothing like this' })).toEqual([]);
    await heed.tasks.respond(review.id, { outcome: 'approve' }, { principal: 'user:alice' });
    expect(await inboxTitles({ search: 'export' })).toEqual(['Export customers to the partner']);
    expect(await inboxTitles({ search: 'export', status: 'resolved' })).toEqual(['Review the EXPORT script']);
    const listed = await heed.tasks.list({ requester: 'user:carol', search: 'EXPORT' });
    expect(listed.items.map((t) => t.title)).toEqual([
      'Export invoices',
      'Review the EXPORT script',
      'Export customers to the partner',
    ]);
  });
});
