import { describe, expect, it } from 'vitest';
import { testServer } from '../server/helpers.ts';
import { heed } from './run-cli.ts';

describe('heed away', { timeout: 120_000 }, () => {
  it('sets you away with a delegate, shows it, and brings you back; --for is for admins', async () => {
    const server = await testServer();
    const { heed: engine, clock } = server;
    await engine.start();
    const pending = await engine.tasks.create({ type: 'approval', title: 'Ship it?', assignees: ['user:alice'] });
    const env = { HEED_PRINCIPAL: 'user:alice' };
    const until = new Date(clock.now() + 3 * 86_400_000).toISOString().slice(0, 10);

    const none = await heed(['away'], { url: server.url, env });
    expect(none.err).toBe('');
    expect(none.out).toContain('user:alice is not away');

    const set = await heed(['away', '--until', until, '--delegate', 'user:bob'], { url: server.url, env });
    expect(set.err).toBe('');
    expect(set.code).toBe(0);
    expect(set.out).toContain(`user:alice is away until ${until} 00:00 UTC: tasks go to user:bob`);
    expect(set.out).toContain('1 pending task moved to the delegate');
    expect((await engine.tasks.get(pending.id))?.assignees.map((a) => a.principal)).toEqual(['user:bob']);

    const shown = await heed(['away'], { url: server.url, env });
    expect(shown.out).toContain(`user:alice is away until ${until} 00:00 UTC: tasks go to user:bob`);

    const loop = await heed(['away', '--until', until, '--delegate', 'user:alice'], {
      url: server.url,
      env: { HEED_PRINCIPAL: 'user:bob' },
    });
    expect(loop.code).not.toBe(0);
    expect(loop.err).toContain('lead back to user:bob');

    const off = await heed(['away', '--off'], { url: server.url, env });
    expect(off.code).toBe(0);
    expect(off.out).toContain('user:alice is not away');

    const usage = await heed(['away', '--delegate', 'user:bob'], { url: server.url, env });
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('needs --until');

    // Development mode on loopback: the principal is the header's, not an admin, so --for is refused.
    const other = await heed(['away', '--for', 'user:carol'], { url: server.url, env });
    expect(other.code).not.toBe(0);
    expect(other.err).toContain('Only user:carol or an admin');
  });
});
