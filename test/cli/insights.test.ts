import { describe, expect, it } from 'vitest';
import { duration } from '../../src/cli/insights-command.ts';
import { testServer } from '../server/helpers.ts';
import { heed } from './run-cli.ts';

describe('heed insights', { timeout: 120_000 }, () => {
  it('prints where decisions stall, and the tasks or their audit entries as CSV', async () => {
    const server = await testServer();
    const { heed: engine, clock } = server;
    await engine.start();
    const quick = await engine.tasks.create({ type: 'approval', title: 'Ship it?', assignees: ['user:ops'] });
    const slow = await engine.tasks.create({ type: 'review', title: 'Read this?', assignees: ['user:ops'] });
    await clock.advance('90s');
    await engine.tasks.respond(quick.id, { outcome: 'approve' }, { principal: 'user:ops', via: 'cli' });
    await clock.advance('2h');
    await engine.tasks.respond(slow.id, { outcome: 'approve' }, { principal: 'user:ops', via: 'slack' });
    const env = { HEED_PRINCIPAL: 'user:ops' };

    const shown = await heed(['insights', '--days', '7'], { url: server.url, env });
    expect(shown.err).toBe('');
    expect(shown.code).toBe(0);
    expect(shown.out).toContain('Decisions of user:ops, tasks created in the last 7 days');
    expect(shown.out).toContain('2 tasks: 2 decided, 0 decided by their deadline, 0 cancelled, 0 pending (0 overdue)');
    expect(shown.out).toContain('Time to decision: median 1m 30s, 90% within 2h 1m');
    expect(shown.out).toMatch(/By channel\n.*\n.*cli +1 +1m 30s +1m 30s/);

    const csv = await heed(['insights', '--csv'], { url: server.url, env });
    expect(csv.out.split('\r\n')[0]).toMatch(/^task_id,type,title,/);
    expect(csv.out).toContain(`${quick.id},approval,Ship it?,`);
    const audit = await heed(['insights', '--audit'], { url: server.url, env });
    expect(audit.out).toContain(`${slow.id},`);
    expect(audit.out).toContain(',responded,approve,');

    const bad = await heed(['insights', '--days', 'soon'], { url: server.url, env });
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--days is a whole number of days');
  });

  it('says durations as people read them', () => {
    expect([duration(null), duration(42), duration(95), duration(7_200), duration(90_061)]).toEqual([
      '–',
      '42s',
      '1m 35s',
      '2h',
      '1d 1h',
    ]);
  });
});
