import { describe, expect, it } from 'vitest';
import { testEngine } from '../helpers.ts';

describe('quorum counts people, not principal spellings', () => {
  it('does not let one person approve twice as user:… and as the email: address they act as', async () => {
    const { heed } = testEngine({
      groupsOf: (p) => (p === 'user:alice' ? ['email:alice@example.com', 'group:finance'] : []),
    });
    await heed.start();
    const task = await heed.tasks.create({
      type: 'approval',
      title: 'Wire $50k',
      assignees: ['group:finance', 'email:alice@example.com', 'user:bob'],
      quorum: 2,
    });
    // Alice clicks the emailed one-click link (acts as email:alice@example.com)…
    await heed.tasks.respond(task.id, { outcome: 'approve' }, { principal: 'email:alice@example.com', via: 'email' });
    // …then approves again in the web inbox as user:alice, whose identities include that address.
    // Actual: accepted, and the 2-person quorum is met by alice alone.
    await expect(
      heed.tasks.respond(task.id, { outcome: 'approve' }, { principal: 'user:alice', via: 'web' }),
    ).rejects.toMatchObject({ code: 'ALREADY_RESPONDED' });
    expect((await heed.tasks.get(task.id))?.status).toBe('pending');
  });
});
