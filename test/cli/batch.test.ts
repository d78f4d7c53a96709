import { describe, expect, it } from 'vitest';
import { testServer } from '../server/helpers.ts';
import { heed } from './run-cli.ts';

describe('heed batch', { timeout: 120_000 }, () => {
  it('answers named tasks and --all of a type, one line per task, exit 1 when one is refused', async () => {
    const server = await testServer();
    const { heed: engine } = server;
    await engine.start();
    const ask = (title: string, type: 'approval' | 'review' = 'approval') =>
      engine.tasks.create({ type, title, assignees: ['user:ops'], requester: 'user:dev' });
    const one = await ask('Refund order A-1?');
    const two = await ask('Refund order A-2?');
    const other = await engine.tasks.create({ type: 'approval', title: 'Not yours', assignees: ['user:bob'] });
    const env = { HEED_PRINCIPAL: 'user:ops' };

    const named = await heed(['batch', 'approve', `${one.id},${other.id}`], { url: server.url, env });
    expect(named.code).toBe(1);
    expect(named.out).toContain(`✔ ${one.id} Refund order A-1?: resolved`);
    expect(named.out).toContain(`✘ ${other.id}: TASK_NOT_FOUND`);
    expect(named.out).toContain('1 answered, 1 not');
    expect((await engine.tasks.get(one.id))?.result).toMatchObject({ outcome: 'approve', by: 'user:ops', via: 'cli' });
    expect((await engine.tasks.get(other.id))?.status).toBe('pending');

    const three = await ask('Refund order A-3?');
    const review = await ask('Refund policy text', 'review');
    const all = await heed(
      ['batch', 'reject', '--all', '--type', 'approval', '--search', 'Refund', '--comment', 'dupes'],
      {
        url: server.url,
        env,
      },
    );
    expect(all.err).toBe('');
    expect(all.code).toBe(0);
    expect(all.out).toContain('2 answered, 0 not');
    for (const id of [two.id, three.id]) {
      expect((await engine.tasks.get(id))?.result).toMatchObject({ outcome: 'reject', comment: 'dupes' });
    }
    expect((await engine.tasks.get(review.id))?.status).toBe('pending');

    expect((await heed(['batch', 'approve'], { url: server.url, env })).code).toBe(2);
    expect((await heed(['batch', 'approve', 'T-1', '--all'], { url: server.url, env })).err).toContain('not both');
  });
});
