/**
 * The storage contract, continued: who is away (`AwayStore`) and assignees who stand in for them
 * (`AssigneeRecord.for`, at creation and when added). Run by `describeStoreContract` for every store.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.ts';
import { createdEntry } from './contract-tasks.ts';

const T0 = 3_000_000;
const DAY = 86_400_000;

export function describeAwayContract(current: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  describe('away', () => {
    it('sets, replaces, reads and clears an absence, logging every change newest first', async () => {
      expect(await store.getAway('user:alice')).toBeUndefined();
      const first = {
        principal: 'user:alice',
        delegate: 'user:bob',
        from: T0,
        until: T0 + 7 * DAY,
        setBy: 'user:alice',
        setAt: T0,
      };
      await store.putAway(first);
      expect(await store.getAway('user:alice')).toEqual(first);
      const second = { ...first, delegate: 'user:carol', from: T0 + DAY, setBy: 'user:admin', setAt: T0 + 1 };
      await store.putAway(second);
      expect(await store.getAway('user:alice')).toEqual(second);
      expect(await store.getAway('user:bob')).toBeUndefined();
      expect(await store.clearAway('user:alice', 'user:alice', T0 + 2)).toEqual(second);
      expect(await store.getAway('user:alice')).toBeUndefined();
      expect(await store.clearAway('user:alice', 'user:alice', T0 + 3)).toBeUndefined();
      const log = await store.awayLog('user:alice', 10);
      expect(log.map((e) => [e.action, e.actor, e.at])).toEqual([
        ['cleared', 'user:alice', T0 + 2],
        ['set', 'user:admin', T0 + 1],
        ['set', 'user:alice', T0],
      ]);
      expect(log[0]?.detail).toEqual(second);
      expect(await store.awayLog('user:alice', 1)).toHaveLength(1);
      expect(await store.awayLog('user:bob', 10)).toEqual([]);
    });

    it('keeps whom an assignee stands in for, at creation and when added; others carry nothing', async () => {
      const stands = { principal: 'user:alice', until: T0 + DAY };
      const { task } = await store.createTask(
        {
          id: 'd1',
          type: 'approval',
          title: 'Delegated',
          spec: '{"title":"x"}',
          requester: null,
          idempotencyKey: null,
          runId: 'task:d1',
          askedBy: null,
          deadline: null,
          assignees: ['user:bob', 'user:dave'],
          assigneesFor: { 'user:bob': stands },
        },
        { id: 'task:d1', workflow: 'heed.task', input: null },
        [createdEntry('d1', T0)],
        T0,
      );
      const expected = [
        { principal: 'user:bob', level: 0, for: stands },
        { principal: 'user:dave', level: 0 },
      ];
      expect(task.assignees).toEqual(expected);
      expect((await store.getTask('d1'))?.assignees).toEqual(expected);
      const later = { principal: 'user:erin', until: T0 + 2 * DAY };
      expect(
        await store.applyTaskUpdate(
          'd1',
          1,
          { removeAssignees: ['user:dave'], addAssignees: [{ principal: 'user:carol', level: 1, for: later }] },
          T0 + 1,
        ),
      ).toBe(true);
      const read = await store.getTask('d1');
      expect(read?.assignees).toEqual([
        { principal: 'user:bob', level: 0, for: stands },
        { principal: 'user:carol', level: 1, for: later },
      ]);
      expect(JSON.parse(JSON.stringify(read?.assignees))).toEqual(read?.assignees);
      expect((await store.inbox(['user:carol'], {})).items[0]?.assignees).toEqual(read?.assignees);
    });
  });
}
