import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/serve.ts';
import { testEngine } from '../helpers.ts';
import { type Body, type TestServer, testServer } from './helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Routes that are files, not API: the inbox's scripts, stylesheets and icons, and Swagger UI's
 * assets for /v1/docs. Everything else the app serves must be in the document.
 */
const isAsset = (route: string) => /^GET \S+\.(js|css|svg|ico|png)$/.test(route);

type Operation = { operationId?: string; responses: Record<string, unknown> };
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
  webhooks: Record<string, unknown>;
};

const document = async (s: TestServer) => (await s.call('GET', '/v1/openapi.json')).body as Document;

/** `/v1/tasks/:id` → `/v1/tasks/{id}` */
const openApiPath = (path: string) => path.replace(/:([^/]+)/g, '{$1}');

describe('the OpenAPI document', () => {
  it('lists every route the server serves, and only those, each with an operationId', async () => {
    const heed = testEngine().heed;
    const server = await startServer(heed, { port: 0 });
    try {
      const doc = (await (await fetch(`${server.url}/v1/openapi.json`)).json()) as Document;
      const served = new Set(
        server.routes
          .filter((r) => r.method !== 'ALL')
          .map((r) => `${r.method} ${openApiPath(r.path)}`)
          .filter((r) => !isAsset(r)),
      );
      const documented = new Set(
        Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`)),
      );
      expect([...served].filter((r) => !documented.has(r)).sort()).toEqual([]);
      const anyMethodPaths = new Set(
        server.routes.filter((r) => r.method === 'ALL' && !r.path.includes('*')).map((r) => openApiPath(r.path)),
      );
      // `app.all(path)` (any method, e.g. /mcp) must be documented under at least one method;
      // `app.use` middleware (paths with `*`) is not a route.
      expect([...anyMethodPaths].filter((path) => !doc.paths[path])).toEqual([]);
      expect(
        [...documented].filter((r) => !served.has(r) && !anyMethodPaths.has(r.split(' ')[1] ?? '')).sort(),
      ).toEqual([]);
      const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
      expect(ids.filter((id) => !id)).toEqual([]);
      expect(new Set(ids).size).toBe(ids.length);
      expect(Object.keys(doc.webhooks)).toEqual(
        expect.arrayContaining(['task.created', 'task.ended', 'run.succeeded']),
      );
    } finally {
      await server.close();
    }
  });

  it('documents the status of every answer, as the server really gives it', async () => {
    const s = await testServer({ maxBodyBytes: 4096, heed: { policies: [{ name: 'apps', callerAssigns: true }] } });
    const doc = await document(s);
    const task = await s.heed.tasks.create({ type: 'approval', title: 'Ship it?', assignees: ['user:ann'] });
    const secret = await s.call('POST', '/v1/tasks', {
      as: 'user:bob',
      body: { type: 'approval', title: "Bob's", assignees: ['user:bob'], idempotencyKey: 'k-1' },
    });
    const cases: [string, string, number, () => Promise<{ status: number; body: Body }>][] = [
      ['POST', '/v1/tasks', 201, () => s.call('POST', '/v1/tasks', { body: { type: 'form', title: 'Name?' } })],
      [
        'POST',
        '/v1/tasks',
        200,
        () =>
          s.call('POST', '/v1/tasks', {
            as: 'user:bob',
            body: { type: 'approval', title: "Bob's", assignees: ['user:bob'], idempotencyKey: 'k-1' },
          }),
      ],
      [
        'POST',
        '/v1/tasks',
        409,
        () =>
          s.call('POST', '/v1/tasks', {
            as: 'user:eve',
            body: { type: 'approval', title: 'x', assignees: ['user:eve'], idempotencyKey: 'k-1' },
          }),
      ],
      [
        'POST',
        '/v1/tasks',
        403,
        () =>
          s.call('POST', '/v1/tasks', {
            as: 'user:eve',
            body: { type: 'approval', title: 'x', requester: 'user:ann' },
          }),
      ],
      [
        'POST',
        '/v1/tasks',
        415,
        () => s.call('POST', '/v1/tasks', { body: 'title=x', headers: { 'content-type': 'text/plain' } }),
      ],
      [
        'POST',
        '/v1/tasks',
        413,
        () => s.call('POST', '/v1/tasks', { body: { type: 'form', title: 'x'.repeat(5000) } }),
      ],
      ['POST', '/v1/tasks', 422, () => s.call('POST', '/v1/tasks', { body: { type: 'nonsense', title: 'x' } })],
      ['POST', '/v1/tasks', 400, () => s.call('POST', '/v1/tasks', { body: '{"type":' })],
      ['GET', '/v1/tasks', 403, () => s.call('GET', '/v1/tasks?assignee=user:bob', { as: 'user:ann' })],
      ['GET', '/v1/tasks', 422, () => s.call('GET', '/v1/tasks?limit=0')],
      ['GET', '/v1/tasks', 400, () => s.call('GET', '/v1/tasks', { as: 'not a principal' })],
      ['GET', '/v1/tasks/{id}', 404, () => s.call('GET', `/v1/tasks/${secret.body.id}`, { as: 'user:ann' })],
      [
        'POST',
        '/v1/tasks/{id}/responses',
        422,
        () => s.call('POST', `/v1/tasks/${task.id}/responses`, { as: 'user:ann', body: { outcome: 'reject' } }),
      ],
      [
        'POST',
        '/v1/tasks/{id}/responses',
        415,
        () =>
          s.call('POST', `/v1/tasks/${task.id}/responses`, { body: 'x', headers: { 'content-type': 'text/plain' } }),
      ],
      ['POST', '/v1/tasks/{id}/cancel', 403, () => s.call('POST', `/v1/tasks/${task.id}/cancel`, { as: 'user:ann' })],
      [
        'POST',
        '/v1/tasks/{id}/responses',
        200,
        () => s.call('POST', `/v1/tasks/${task.id}/responses`, { as: 'user:ann', body: { outcome: 'approve' } }),
      ],
      [
        'POST',
        '/v1/tasks/{id}/responses',
        409,
        () => s.call('POST', `/v1/tasks/${task.id}/responses`, { as: 'user:ann', body: { outcome: 'approve' } }),
      ],
      ['GET', '/v1/tasks/{id}/result', 422, () => s.call('GET', `/v1/tasks/${task.id}/result?wait=9999`)],
      ['GET', '/v1/tasks/{id}/audit', 200, () => s.call('GET', `/v1/tasks/${task.id}/audit`)],
      [
        'POST',
        '/v1/tasks/{id}/links',
        403,
        () =>
          s.call('POST', `/v1/tasks/${task.id}/links`, {
            as: 'user:ann',
            body: { principal: 'user:ann', outcome: 'approve' },
          }),
      ],
      ['POST', '/v1/runs', 404, () => s.call('POST', '/v1/runs', { body: { workflow: 'no-such-workflow' } })],
      // A principal lists its own runs (200); emitting events needs the `events` permission (403).
      ['GET', '/v1/runs', 200, () => s.call('GET', '/v1/runs', { as: 'user:ann' })],
      ['POST', '/v1/events', 403, () => s.call('POST', '/v1/events', { as: 'user:ann', body: { name: 'x' } })],
      ['GET', '/v1/runs/{id}', 404, () => s.call('GET', '/v1/runs/nope')],
      ['GET', '/v1/runs/{id}/events', 404, () => s.call('GET', '/v1/runs/nope/events')],
      ['POST', '/v1/events', 422, () => s.call('POST', '/v1/events', { body: { data: 1 } })],
      ['GET', '/v1/webhooks/deliveries', 403, () => s.call('GET', '/v1/webhooks/deliveries', { as: 'user:ann' })],
      ['GET', '/t/{token}', 400, () => s.call('GET', '/t/forged')],
      ['POST', '/t/{token}', 400, () => s.call('POST', '/t/forged')],
    ];
    const keyed = await testServer({ auth: { keys: new Map([['k', 'user:ann']]) } });
    cases.push(['GET', '/v1/tasks', 401, () => keyed.call('GET', '/v1/tasks')]);
    cases.push(['POST', '/v1/events', 401, () => keyed.call('POST', '/v1/events', { body: { name: 'x' } })]);

    const undocumented: string[] = [];
    for (const [method, path, expected, request] of cases) {
      const { status } = await request();
      expect(`${method} ${path} → ${status}`).toBe(`${method} ${path} → ${expected}`);
      if (!doc.paths[path]?.[method.toLowerCase()]?.responses[String(status)]) {
        undocumented.push(`${method} ${path} ${status}`);
      }
    }
    expect(undocumented).toEqual([]);
  });

  it('describes every field the server returns for tasks, runs, audits (no undocumented property)', async () => {
    const s = await testServer({
      setup: (heed) => {
        heed.workflow('asks', async (ctx) => {
          await ctx.step('prepare', () => 1);
          return ctx.ask({
            type: 'approval',
            title: 'Pay?',
            assignees: ['user:ann'],
            action: { tool: 'pay', args: { cents: 500 } },
            allowEdit: true,
            deadline: '8h',
          });
        });
      },
    });
    const doc = await document(s);
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema({ $id: 'heed', components: { schemas: closed(doc.components.schemas) } });
    const check = (schema: string, value: unknown) => {
      const validate = ajv.getSchema(`heed#/components/schemas/${schema}`);
      if (!validate) throw new Error(`no schema ${schema}`);
      validate(value);
      expect({ schema, errors: validate.errors ?? [] }).toEqual({ schema, errors: [] });
    };
    const run = (await s.call('POST', '/v1/runs', { body: { workflow: 'asks', id: 'r-1' } })).body;
    check('RunDetail', run);
    let task: Body;
    for (let i = 0; i < 200 && !task; i++) {
      task = (await s.call('GET', '/v1/tasks?status=pending', { as: 'user:ann' })).body.items[0];
      if (!task) await new Promise((r) => setTimeout(r, 10));
    }
    check('Task', task);
    check('RunDetail', (await s.call('GET', '/v1/runs/r-1')).body);
    const answered = await s.call('POST', `/v1/tasks/${task.id}/responses`, {
      as: 'user:ann',
      body: { outcome: 'approve', args: { cents: 400 }, comment: 'less' },
    });
    check('Task', answered.body);
    check('TaskResult', (await s.call('GET', `/v1/tasks/${task.id}/result`)).body);
    check('Audit', (await s.call('GET', `/v1/tasks/${task.id}/audit`)).body);
    check('TaskPage', (await s.call('GET', '/v1/tasks')).body);
    check('RunPage', (await s.call('GET', '/v1/runs')).body);
    expect(answered.body.result.edit.changes).toEqual([{ path: 'cents', from: 500, to: 400 }]);
  });

  it('is committed as docs/openapi.json and src/client/schema.ts, generated from the live document', async () => {
    const s = await testServer();
    const live = await document(s);
    const file = join(mkdtempSync(join(tmpdir(), 'heed-openapi-')), 'openapi.json');
    writeFileSync(file, JSON.stringify(live));
    expect(
      JSON.parse(readFileSync(join(ROOT, 'docs', 'openapi.json'), 'utf8')),
      'run `npm run generate:client`',
    ).toEqual(live);
    const check = await promisify(execFile)(process.execPath, [
      join(ROOT, 'scripts', 'openapi.ts'),
      'check',
      '--document',
      file,
    ]).catch((error: { stderr: string; code: number }) => ({ stdout: '', stderr: error.stderr, code: error.code }));
    expect(check.stderr).toBe('');
    expect(check.stdout).toContain('match the live document');
  });
});

/** A copy of the schemas where objects allow only the properties they declare. */
function closed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(closed);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = key === 'properties' ? mapValues(v, closed) : closed(v);
  if ('properties' in value && !('additionalProperties' in value)) out.additionalProperties = false;
  return out;
}

function mapValues(value: unknown, fn: (v: unknown) => unknown): unknown {
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, fn(v)]));
}
