import { describe, expect, it } from 'vitest';
import { testServer } from '../server/helpers.ts';

describe('forged one-click links', () => {
  it("do not let an unauthenticated caller write an audit entry in any principal's name", async () => {
    const s = await testServer();
    const task = await s.heed.tasks.create({ type: 'approval', title: 'Wire $900?', assignees: ['user:bob'] });
    // No secret needed: any base64url JSON claims plus any "signature".
    const claims = Buffer.from(JSON.stringify([task.id, 'user:ceo', 'approve', 9e15, 'n'])).toString('base64url');
    const res = await fetch(`${s.url}/t/${claims}.AAAA`, { method: 'POST' });
    expect(res.status).toBe(400);
    const audit = await s.heed.tasks.audit(task.id);
    // Actual: a 'refused' entry with actor 'user:ceo', taken from the unverified claims
    // (routes/links.ts recordRefusal uses check.claims.principal for forged links too).
    expect(audit.some((e) => e.actor === 'user:ceo')).toBe(false);
  });
});
