import { describe, expect, it } from 'vitest';
import { parseBounds } from '../../src/cli/standing-command.ts';
import { testServer } from '../server/helpers.ts';
import { heed } from './run-cli.ts';

describe('heed standing', { timeout: 120_000 }, () => {
  it('grants with bounds, lists, and revokes a standing approval', async () => {
    const server = await testServer({
      heed: { policies: [{ name: 'pay', match: { tool: 'pay' }, approvers: ['user:ops'], standing: { maxDays: 7 } }] },
    });
    const { heed: engine } = server;
    await engine.start();
    const pay = (amount: number) =>
      engine.tasks.create({
        type: 'approval',
        title: 'Pay?',
        requester: 'user:dev',
        action: { tool: 'pay', args: { to: 'acme', amount } },
      });
    const first = await pay(50);
    await engine.tasks.respond(first.id, { outcome: 'approve' }, { principal: 'user:ops', via: 'cli' });
    const env = { HEED_PRINCIPAL: 'user:ops' };

    const granted = await heed(['standing', 'grant', first.id, '--days', '3', '--max', 'amount=100'], {
      url: server.url,
      env,
    });
    expect(granted.err).toBe('');
    expect(granted.out).toMatch(/✔ SA-\S+ stands until/);
    expect((await pay(90)).result).toMatchObject({ by: 'user:ops', via: 'standing' });

    const listed = await heed(['standing', 'list', '--active'], { url: server.url, env });
    expect(listed.out).toContain('pay amount<=100 to="acme"  for user:dev  by user:ops');
    expect(listed.out).toContain('in force');
    const id = /SA-\S+/.exec(listed.out)?.[0] as string;
    const revoked = await heed(['standing', 'revoke', id], { url: server.url, env });
    expect(revoked.out).toContain(`${id} revoked`);
    expect((await pay(90)).status).toBe('pending');
    expect((await heed(['standing', 'list', '--active'], { url: server.url, env })).out).toContain(
      'No standing approvals.',
    );

    const tooLong = await heed(['standing', 'grant', first.id, '--days', '30'], { url: server.url, env });
    expect(tooLong.code).toBe(1);
    expect(tooLong.err).toContain('from 1 to 7');
    expect((await heed(['standing', 'grant', first.id], { url: server.url, env })).code).toBe(2);
  });

  it('reads bounds as NAME=NUMBER pairs', () => {
    expect(parseBounds('amount=200, fee=2.5')).toEqual({ amount: 200, fee: 2.5 });
    expect(() => parseBounds('amount')).toThrow('NAME=NUMBER');
    expect(() => parseBounds('amount=lots')).toThrow('NAME=NUMBER');
  });
});
