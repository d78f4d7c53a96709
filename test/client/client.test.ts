import { describe, expect, it } from 'vitest';
import { createHeedClient, HeedApiError, type Task, unwrap } from '../../src/client/index.ts';
import { testServer } from '../server/helpers.ts';

describe('heed/client, the typed client generated from the OpenAPI document', () => {
  it('creates, answers and reads tasks with typed paths, bodies and results', async () => {
    const s = await testServer({ heed: { policies: [{ name: 'apps', callerAssigns: true }] } });
    const bob = createHeedClient({ url: s.url, principal: 'user:bob' });
    const ann = createHeedClient({ url: s.url, principal: 'user:ann', via: 'cli' });
    const created: Task = unwrap(
      await bob.POST('/v1/tasks', {
        body: { type: 'approval', title: 'Ship 2.0?', assignees: ['user:ann'], requireComment: ['reject'] },
      }),
    );
    expect(created.status).toBe('pending');

    const refused = await ann.POST('/v1/tasks/{id}/responses', {
      params: { path: { id: created.id } },
      body: { outcome: 'reject' },
    });
    expect(refused.response.status).toBe(422);
    expect(refused.error?.error.code).toBe('COMMENT_REQUIRED');
    expect(() => unwrap(refused)).toThrow(HeedApiError);

    const answered = unwrap(
      await ann.POST('/v1/tasks/{id}/responses', {
        params: { path: { id: created.id } },
        body: { outcome: 'approve' },
      }),
    );
    expect(answered.result).toMatchObject({ outcome: 'approve', by: 'user:ann', via: 'cli' });
    const audit = unwrap(await ann.GET('/v1/tasks/{id}/audit', { params: { path: { id: created.id } } }));
    expect(audit.verification.ok).toBe(true);
    const page = unwrap(await ann.GET('/v1/tasks', { params: { query: { status: 'resolved' } } }));
    expect(page.items.map((t) => t.id)).toEqual([created.id]);

    // The types follow the document: an unknown path or a wrong body does not compile.
    // @ts-expect-error no such route
    await ann.GET('/v1/nothing-here');
    // @ts-expect-error `outcome` is required
    await ann.POST('/v1/tasks/{id}/responses', { params: { path: { id: created.id } }, body: { comment: 'x' } });
  });

  it('is published as heed/client', async () => {
    // `npm test` builds dist/ first; this is what a user's import resolves to.
    const published = await import('heed/client');
    expect(typeof published.createHeedClient).toBe('function');
    expect(typeof published.unwrap).toBe('function');
  });
});
