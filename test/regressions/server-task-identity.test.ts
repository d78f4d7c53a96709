import { describe, expect, it } from 'vitest';
import { testServer } from '../server/helpers.ts';

const auth = {
  keys: new Map([
    ['k-mallory', 'user:mallory'],
    ['k-bob', 'user:bob'],
  ]),
  admins: new Set<string>(),
};

describe('who the audit log says acted', () => {
  it("does not let a non-admin create a task in another principal's name", async () => {
    const s = await testServer({ auth });
    const res = await s.call('POST', '/v1/tasks', {
      key: 'k-mallory',
      body: { type: 'approval', title: 'Grant mallory admin', assignees: ['user:bob'], requester: 'user:ceo' },
    });
    if (res.status === 201) {
      const audit = await s.heed.tasks.audit(res.body.id);
      // Actual: the 'created' entry says user:ceo asked; mallory appears nowhere.
      expect(audit[0]?.actor).toBe('user:mallory');
    } else {
      expect(res.status).toBe(403);
    }
  });

  it('does not let an API caller claim the response came through a one-click link', async () => {
    const s = await testServer({ auth });
    const task = await s.heed.tasks.create({ type: 'approval', title: 'T', assignees: ['user:bob'] });
    const res = await s.call('POST', `/v1/tasks/${task.id}/responses`, {
      key: 'k-bob',
      headers: { 'x-heed-via': 'link' },
      body: { outcome: 'approve' },
    });
    expect(res.status).toBe(200);
    // Actual: via 'link' (routes/tasks.ts passes the X-Heed-Via header through unchecked).
    expect(res.body.result.via).not.toBe('link');
  });
});
