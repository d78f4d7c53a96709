import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { type Body, testServer } from './helpers.ts';

/**
 * POSTs `bytes` of a JSON body with `node:http` (chunked, or with a Content-Length) the way a
 * client on a real network does: 64 KiB writes with a pause after each MiB (a second or so in
 * all), and reads the whole answer. Resolves once the body is sent and the answer read; `error`
 * is set when the connection failed first (a client that reads the answer only once it has sent
 * its body, as many do, would then have no answer at all).
 */
function streamBody(
  url: string,
  bytes: number,
  chunked: boolean,
): Promise<{ status?: number; body: string; error?: string }> {
  return new Promise((resolve) => {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const req = request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-heed-principal': 'user:alice',
        ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(bytes + 2) }),
      },
    });
    let body = '';
    let status: number | undefined;
    let pending = 2; // the body sent, the answer read
    const done = () => --pending === 0 && resolve({ status, body });
    req.on('finish', done);
    req.on('response', (res) => {
      status = res.statusCode;
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        body += text;
      });
      res.on('end', done);
      res.on('error', (error) => resolve({ status, body, error: error.message }));
    });
    req.on('error', (error) => resolve({ status, body, error: error.message }));
    req.on('close', () => {
      if (!req.writableFinished) resolve({ status, body, error: 'the connection closed before the body was sent' });
    });
    req.write('"');
    let sent = 0;
    const write = () => {
      while (sent < bytes) {
        sent += chunk.length;
        const more = req.write(chunk);
        if (sent % (1024 * 1024) === 0) return void setTimeout(write, 100);
        if (!more) return void req.once('drain', write);
      }
      req.end('"');
    };
    write();
  });
}

describe('HTTP: tasks', () => {
  it('creates, lists, answers and audits a task as DESIGN.md says', async () => {
    const s = await testServer();
    const created = await s.call('POST', '/v1/tasks', {
      body: { type: 'approval', title: 'Transfer $150 to Alice?', assignees: ['user:bob'], idempotencyKey: 'k1' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ type: 'approval', status: 'pending', outcomes: ['approve', 'reject'] });
    const again = await s.call('POST', '/v1/tasks', {
      body: { type: 'approval', title: 'Transfer $150 to Alice?', idempotencyKey: 'k1' },
    });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(created.body.id);

    const inbox = await s.call('GET', '/v1/tasks?status=pending', { as: 'user:bob' });
    expect(inbox.status).toBe(200);
    expect(inbox.body.items.map((t: { id: string }) => t.id)).toEqual([created.body.id]);
    expect((await s.call('GET', '/v1/tasks', { as: 'user:eve' })).body.items).toEqual([]);
    expect((await s.call('GET', `/v1/tasks/${created.body.id}`, { as: 'user:eve' })).status).toBe(404);

    const answer = await s.call('POST', `/v1/tasks/${created.body.id}/responses`, {
      as: 'user:bob',
      body: { outcome: 'approve' },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      status: 'resolved',
      result: { outcome: 'approve', by: 'user:bob', via: 'api' },
    });
    const late = await s.call('POST', `/v1/tasks/${created.body.id}/responses`, {
      as: 'user:bob',
      body: { outcome: 'reject', comment: 'no' },
    });
    expect(late).toMatchObject({ status: 409, body: { error: { code: 'TASK_ALREADY_RESOLVED' } } });

    const result = await s.call('GET', `/v1/tasks/${created.body.id}/result?wait=1`, { as: 'user:bob' });
    expect(result.body).toMatchObject({ status: 'resolved', outcome: 'approve' });
    const audit = await s.call('GET', `/v1/tasks/${created.body.id}/audit`);
    expect(audit.body.verification.ok).toBe(true);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toContain('responded');
  });

  it('long-polls a result until someone answers', async () => {
    const s = await testServer();
    const task = (await s.call('POST', '/v1/tasks', { body: { type: 'clarification', title: 'Which region?' } })).body;
    const poll = s.call('GET', `/v1/tasks/${task.id}/result?wait=10`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await s.call('POST', `/v1/tasks/${task.id}/responses`, {
      as: 'user:ann',
      body: { outcome: 'answer', comment: 'eu-west-1' },
    });
    expect((await poll).body).toMatchObject({ status: 'resolved', outcome: 'answer', comment: 'eu-west-1' });
    const pending = (await s.call('POST', '/v1/tasks', { body: { type: 'clarification', title: 'Again?' } })).body;
    expect((await s.call('GET', `/v1/tasks/${pending.id}/result?wait=0`)).body).toMatchObject({ status: 'pending' });
  });

  it('answers bad input with the documented status and error code, and keeps serving', async () => {
    const s = await testServer({ maxBodyBytes: 2048 });
    const task = (
      await s.call('POST', '/v1/tasks', {
        body: {
          type: 'form',
          title: 'Budget',
          assignees: ['user:pm'],
          form: { type: 'object', properties: { amount: { type: 'integer', minimum: 1 } }, required: ['amount'] },
        },
      })
    ).body;
    const cases: [string, Promise<{ status: number; body: Body }>, number, string][] = [
      [
        'malformed JSON',
        s.call('POST', '/v1/tasks', { body: '{"type":', headers: { 'content-type': 'application/json' } }),
        400,
        'BAD_REQUEST',
      ],
      [
        'wrong content type',
        s.call('POST', '/v1/tasks', { body: 'type=approval', headers: { 'content-type': 'text/plain' } }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'a body over the limit',
        s.call('POST', '/v1/tasks', { body: { type: 'review', title: 'x', payload: 'y'.repeat(5000) } }),
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      [
        'an unknown field',
        s.call('POST', '/v1/tasks', { body: { type: 'approval', title: 'x', asignees: [] } }),
        422,
        'INVALID_REQUEST',
      ],
      ['an empty title', s.call('POST', '/v1/tasks', { body: { type: 'approval', title: ' ' } }), 422, 'INVALID_TASK'],
      [
        'an invalid outcome',
        s.call('POST', `/v1/tasks/${task.id}/responses`, { as: 'user:pm', body: { outcome: 'maybe' } }),
        422,
        'OUTCOME_NOT_ALLOWED',
      ],
      [
        'form data failing the schema',
        s.call('POST', `/v1/tasks/${task.id}/responses`, {
          as: 'user:pm',
          body: { outcome: 'submit', data: { amount: 0 } },
        }),
        422,
        'VALIDATION_FAILED',
      ],
      [
        'a non-assignee',
        s.call('POST', `/v1/tasks/${task.id}/responses`, {
          as: 'user:eve',
          body: { outcome: 'submit', data: { amount: 1 } },
        }),
        404,
        'TASK_NOT_FOUND',
      ],
      [
        'no principal to answer as',
        s.call('POST', `/v1/tasks/${task.id}/responses`, { body: { outcome: 'submit', data: { amount: 1 } } }),
        401,
        'UNAUTHENTICATED',
      ],
      ['a malformed principal', s.call('GET', '/v1/tasks', { as: 'bob' }), 400, 'INVALID_PRINCIPAL'],
      ['an unknown task', s.call('GET', '/v1/tasks/nope'), 404, 'TASK_NOT_FOUND'],
      ['an unknown route', s.call('GET', '/v1/nope'), 404, 'NOT_FOUND'],
      ['an unknown workflow', s.call('POST', '/v1/runs', { body: { workflow: 'nope' } }), 404, 'UNKNOWN_WORKFLOW'],
    ];
    for (const [what, request, status, code] of cases) {
      const response = await request;
      expect({ what, status: response.status, code: response.body?.error?.code }).toEqual({ what, status, code });
      expect(typeof response.body.error.message).toBe('string');
    }
    const issues = (
      await s.call('POST', `/v1/tasks/${task.id}/responses`, { as: 'user:pm', body: { outcome: 'submit', data: {} } })
    ).body.error.issues;
    expect(issues).toEqual([{ path: 'amount', message: 'is required' }]);
    expect((await s.heed.tasks.get(task.id))?.status).toBe('pending');
    expect((await s.call('GET', '/v1/health')).body.ok).toBe(true);
  });

  it('answers a 10 MB body, chunked or not, with 413 PAYLOAD_TOO_LARGE, readable before the connection ends', async () => {
    const s = await testServer();
    for (const chunked of [true, false]) {
      const answer = await streamBody(`${s.url}/v1/tasks`, 10 * 1024 * 1024, chunked);
      expect(answer.error, `chunked: ${chunked}`).toBeUndefined();
      expect(answer.status, `chunked: ${chunked}`).toBe(413);
      expect(JSON.parse(answer.body).error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: expect.any(String) });
    }
    // Nothing was made, and the server goes on serving.
    expect((await s.call('GET', '/v1/tasks')).body.items).toEqual([]);
    expect((await s.call('GET', '/v1/health')).status).toBe(200);
  });

  it('requires API keys when configured and maps them to principals', async () => {
    const s = await testServer({
      auth: {
        keys: new Map([
          ['k-bob', 'user:bob'],
          ['k-admin', 'user:root'],
        ]),
        admins: new Set(['user:root']),
      },
    });
    expect((await s.call('GET', '/v1/tasks')).status).toBe(401);
    expect((await s.call('GET', '/v1/tasks', { key: 'wrong' })).body.error.code).toBe('UNAUTHENTICATED');
    const task = (
      await s.call('POST', '/v1/tasks', {
        key: 'k-admin',
        body: { type: 'approval', title: 'Go?', assignees: ['user:bob'] },
      })
    ).body;
    // The development header is ignored when keys are configured.
    expect(
      (
        await s.call('POST', `/v1/tasks/${task.id}/responses`, {
          key: 'k-admin',
          as: 'user:bob',
          body: { outcome: 'approve' },
        })
      ).status,
    ).toBe(403);
    const ok = await s.call('POST', `/v1/tasks/${task.id}/responses`, { key: 'k-bob', body: { outcome: 'approve' } });
    expect(ok.body.result.by).toBe('user:bob');
  });

  it('publishes an OpenAPI document with every route of the contract', async () => {
    const s = await testServer();
    const doc = (await s.call('GET', '/v1/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    for (const path of [
      '/v1/tasks',
      '/v1/tasks/{id}',
      '/v1/tasks/{id}/responses',
      '/v1/tasks/{id}/cancel',
      '/v1/tasks/{id}/result',
      '/v1/tasks/{id}/audit',
      '/v1/runs',
      '/v1/runs/{id}',
      '/v1/runs/{id}/cancel',
      '/v1/runs/{id}/messages',
      '/v1/runs/{id}/events',
      '/v1/events',
    ]) {
      expect(doc.paths).toHaveProperty([path]);
    }
    expect((await s.call('GET', '/v1/docs')).status).toBe(200);
    expect((await fetch(`${s.url}/v1/docs/swagger-ui-bundle.js`)).status).toBe(200);
  });
});
