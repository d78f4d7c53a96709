/**
 * The storage contract, continued: standing approvals (`StandingStore`). Stored as given, listed
 * newest first by approver, tool and whether in force, revoked once. Run by `describeStoreContract`.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { StandingApprovalRecord } from '../../src/store/standing-store.ts';
import type { Store } from '../../src/store/store.ts';

const T0 = 5_000_000;
const DAY = 86_400_000;

function standing(id: string, fields: Partial<StandingApprovalRecord> = {}): StandingApprovalRecord {
  return {
    id,
    tool: 'refund',
    policyName: 'refunds',
    policyVersion: 'abc123def456',
    requester: 'agent:support',
    approver: 'user:ops',
    bounds: '{"equal":{"currency":"EUR"},"max":{"cents":20000}}',
    sourceTaskId: `task-${id}`,
    createdAt: T0,
    expiresAt: T0 + 7 * DAY,
    revokedAt: null,
    revokedBy: null,
    ...fields,
  };
}

export function describeStandingContract(current: () => Store): void {
  describe('standing approvals', () => {
    let store: Store;
    beforeEach(() => {
      store = current();
    });

    it('stores, reads back, lists by approver, tool and whether in force, newest first', async () => {
      await store.insertStandingApproval(standing('s1'));
      await store.insertStandingApproval(standing('s2', { createdAt: T0 + 1, approver: 'user:lead', requester: null }));
      await store.insertStandingApproval(standing('s3', { createdAt: T0 + 2, tool: 'wire', expiresAt: T0 + DAY }));
      expect(await store.getStandingApproval('s1')).toEqual(standing('s1'));
      expect(await store.getStandingApproval('nope')).toBeUndefined();
      const ids = async (q: Parameters<Store['listStandingApprovals']>[0]) =>
        (await store.listStandingApprovals(q)).map((s) => s.id);
      expect(await ids({ limit: 10 })).toEqual(['s3', 's2', 's1']);
      expect(await ids({ limit: 2 })).toEqual(['s3', 's2']);
      expect(await ids({ approver: 'user:ops', limit: 10 })).toEqual(['s3', 's1']);
      expect(await ids({ tool: 'refund', limit: 10 })).toEqual(['s2', 's1']);
      expect(await ids({ activeAt: T0 + 2 * DAY, limit: 10 })).toEqual(['s2', 's1']);
      expect(await ids({ activeAt: T0 + 8 * DAY, limit: 10 })).toEqual([]);
      expect((await store.getStandingApproval('s2'))?.requester).toBeNull();
    });

    it('revokes once: who and when are kept, and it is no longer in force', async () => {
      await store.insertStandingApproval(standing('r1'));
      expect(await store.revokeStandingApproval('r1', 'user:admin', T0 + 10)).toBe(true);
      expect(await store.revokeStandingApproval('r1', 'user:ops', T0 + 20)).toBe(false);
      expect(await store.revokeStandingApproval('missing', 'user:ops', T0 + 20)).toBe(false);
      expect(await store.getStandingApproval('r1')).toMatchObject({ revokedAt: T0 + 10, revokedBy: 'user:admin' });
      expect(await store.listStandingApprovals({ activeAt: T0 + 11, limit: 10 })).toEqual([]);
    });
  });
}
