import { describe, expect, it } from 'vitest';
import { testServer } from '../server/helpers.ts';

describe('POST /v1/tasks idempotencyKey', () => {
  it('does not hand another principal a task it may not see', async () => {
    const s = await testServer({
      heed: { policies: [{ name: 'apps', callerAssigns: true }] },
      auth: {
        keys: new Map([
          ['k-alice', 'user:alice'],
          ['k-eve', 'user:eve'],
        ]),
        admins: new Set(),
      },
    });
    const created = await s.call('POST', '/v1/tasks', {
      key: 'k-alice',
      body: {
        type: 'approval',
        title: 'Wire $1M to ACME',
        payload: { iban: 'DE-SECRET-IBAN' },
        assignees: ['user:bob'],
        requester: 'user:alice',
        idempotencyKey: 'wire-2026-01',
      },
    });
    expect(created.status).toBe(201);
    expect((await s.call('GET', `/v1/tasks/${created.body.id}`, { key: 'k-eve' })).status).toBe(404);

    // Eve guesses (or reuses) the key: routes/tasks.ts returns the stored task without maySee.
    const replay = await s.call('POST', '/v1/tasks', {
      key: 'k-eve',
      body: { type: 'approval', title: 'anything', idempotencyKey: 'wire-2026-01' },
    });
    // Actual: 200 with Alice's task, payload included.
    expect(JSON.stringify(replay.body)).not.toContain('DE-SECRET-IBAN');
    expect(replay.body?.id).not.toBe(created.body.id);
  });
});
