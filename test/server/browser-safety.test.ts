// biome-ignore-all lint/suspicious/noExplicitAny: HTTP bodies are arbitrary JSON checked by the assertions
/**
 * Browser and input safety (DESIGN.md "Identity and authority"): cross-site requests, the Host
 * header, security headers, linear-time patterns, callback URLs, who can be an assignee, strict
 * Last-Event-ID. Real HTTP requests; `node:http` where a test must set `Host` itself.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { checkLiteralCallbackHost } from '../../src/server/callback-url.ts';
import { testServer } from './helpers.ts';

/** A raw request, so that Host, Origin and Sec-Fetch-Site are exactly what a browser (or an attacker) sends. */
function raw(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers ?? {},
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

async function pendingTask(s: Awaited<ReturnType<typeof testServer>>) {
  return (
    await s.call('POST', '/v1/tasks', {
      as: 'user:alice',
      body: { type: 'approval', title: 'X', assignees: ['user:bob'] },
    })
  ).body;
}

/** Internal apps ask the people they name (the operator's policy for these tests). */
const APPS = { heed: { policies: [{ name: 'apps', callerAssigns: true }] } };

describe('cross-site requests, in development mode too', () => {
  it('refuse a bodiless cross-site form POST, any non-JSON content type, and a foreign Host', async () => {
    const s = await testServer(APPS);
    const task = await pendingTask(s);
    const host = new URL(s.url).host;
    const cancel = (headers: Record<string, string>) =>
      raw(s.url, { method: 'POST', path: `/v1/tasks/${task.id}/cancel`, headers: { host, ...headers } });

    // What a cross-site <form method=post> sends: no principal header (so `system`), no body.
    const forged = await cancel({
      origin: 'http://evil.example',
      'sec-fetch-site': 'cross-site',
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': '0',
    });
    expect(forged.status).toBe(403);
    expect((await cancel({ origin: 'http://evil.example' })).status).toBe(403);
    expect((await cancel({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await cancel({ 'content-type': 'text/plain', 'content-length': '0' })).status).toBe(415);
    expect((await cancel({ 'content-type': 'multipart/form-data; boundary=x', 'content-length': '0' })).status).toBe(
      415,
    );
    expect((await cancel({ origin: 'null' })).status).toBe(403);
    // DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends Host: evil.example.
    expect((await raw(s.url, { path: '/v1/tasks', headers: { host: 'evil.example:80' } })).status).toBe(403);
    expect((await raw(s.url, { path: '/', headers: { host: 'evil.example' } })).status).toBe(403);
    expect((await s.heed.tasks.get(task.id))?.status).toBe('pending');

    // Our own origin, loopback Host names and programs (no Origin) pass.
    expect(
      (await raw(s.url, { path: '/v1/health', headers: { host: `localhost:${new URL(s.url).port}` } })).status,
    ).toBe(200);
    expect((await cancel({ origin: s.url, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
  });

  it('apply with API keys as well (a cookie-less key does not make a foreign origin safe)', async () => {
    const s = await testServer({ auth: { keys: new Map([['k', 'user:alice']]), admins: new Set() } });
    const created = await raw(s.url, {
      method: 'POST',
      path: '/v1/tasks',
      headers: {
        host: new URL(s.url).host,
        origin: 'https://evil.example',
        authorization: 'Bearer k',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ type: 'approval', title: 'X' }),
    });
    expect(created.status).toBe(403);
    // With keys, any Host is fine (the server may sit behind a proxy with its own name).
    const health = await raw(s.url, { path: '/v1/health', headers: { host: 'heed.example.com' } });
    expect(health.status).toBe(200);
  });
});

describe('security headers', () => {
  it('are on every page; link pages are also never cached nor referred', async () => {
    const s = await testServer(APPS);
    const task = await pendingTask(s);
    const link = (
      await s.call('POST', `/v1/tasks/${task.id}/links`, { body: { principal: 'user:bob', outcome: 'approve' } })
    ).body.url as string;
    for (const path of ['/', '/v1/docs', '/v1/health', new URL(link).pathname, '/t/forged.token']) {
      const response = await fetch(`${s.url}${path}`);
      await response.text();
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("script-src 'self'");
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      if (path.startsWith('/t/')) {
        expect(response.headers.get('referrer-policy'), path).toBe('no-referrer');
        expect(response.headers.get('cache-control'), path).toBe('no-store');
      }
    }
  });
});

describe('user-supplied input', () => {
  it('runs form patterns in a linear-time engine: ^(a+)+$ against a long answer returns (422), the server stays up', async () => {
    const s = await testServer(APPS);
    const task = (
      await s.call('POST', '/v1/tasks', {
        as: 'user:alice',
        body: {
          type: 'form',
          title: 'Code?',
          assignees: ['user:bob'],
          form: { type: 'object', properties: { code: { type: 'string', pattern: '^(a+)+$' } }, required: ['code'] },
        },
      })
    ).body;
    const answer = await s.call('POST', `/v1/tasks/${task.id}/responses`, {
      as: 'user:bob',
      body: { outcome: 'submit', data: { code: `${'a'.repeat(5000)}!` } },
    });
    expect(answer).toMatchObject({ status: 422, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect((await s.call('GET', '/v1/health')).status).toBe(200);
    const good = await s.call('POST', `/v1/tasks/${task.id}/responses`, {
      as: 'user:bob',
      body: { outcome: 'submit', data: { code: 'aaaa' } },
    });
    expect(good.status).toBe(200);
  });

  it('refuses at creation (422) a pattern the linear-time engine cannot run (backreferences)', async () => {
    const s = await testServer(APPS);
    const created = await s.call('POST', '/v1/tasks', {
      as: 'user:alice',
      body: {
        type: 'form',
        title: 'Twice?',
        form: { type: 'object', properties: { x: { type: 'string', pattern: '^(a+)\\1$' } } },
      },
    });
    expect(created).toMatchObject({ status: 422, body: { error: { code: 'INVALID_TASK' } } });
    expect(created.body.error.issues[0].path).toBe('form');
  });

  it('takes callbackUrl only over http(s) and not to loopback or private addresses, unless configured', async () => {
    const s = await testServer(APPS);
    const create = (callbackUrl: string) =>
      s.call('POST', '/v1/tasks', {
        as: 'user:alice',
        body: { type: 'approval', title: 'X', assignees: ['user:bob'], callbackUrl },
      });
    for (const url of [
      'javascript:alert(1)',
      'file:///etc/passwd',
      'ftp://example.com/x',
      'http://127.0.0.1:4000/hook',
      'http://localhost/hook',
      'http://[::1]/hook',
      'http://10.1.2.3/hook',
      'http://192.168.0.9/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::ffff:127.0.0.1]/hook',
      'http://[::ffff:7f00:1]/hook',
      'http://[::127.0.0.1]/hook',
      'http://[::a9fe:a9fe]/hook',
      'http://[64:ff9b::7f00:1]/hook',
      'http://[64:ff9b::169.254.169.254]/hook',
      'http://[64:ff9b:1::a00:1]/hook',
      'http://[fec0::1]/hook',
      'http://[feff::1]/hook',
      'http://user:pw@93.184.216.34/hook',
    ]) {
      const refused = await create(url);
      expect(refused.status, url).toBe(422);
      expect(
        refused.body.error.issues.map((i: any) => i.path),
        url,
      ).toContain('callbackUrl');
    }
    expect((await create('https://93.184.216.34/hook')).status).toBe(201);
    // Public addresses stay allowed, however spelled: IPv6, and IPv4-mapped in hex.
    expect((await create('https://[2606:2800:220:1:248:1893:25c8:1946]/hook')).status).toBe(201);
    expect((await create('https://[::ffff:5db8:d822]/hook')).status).toBe(201);

    const open = await testServer({ allowPrivateCallbacks: true, ...APPS });
    const local = await open.call('POST', '/v1/tasks', {
      as: 'user:alice',
      body: { type: 'approval', title: 'X', assignees: ['user:bob'], callbackUrl: 'http://127.0.0.1:9/hook' },
    });
    expect(local.status).toBe(201);
    const script = await open.call('POST', '/v1/tasks', {
      as: 'user:alice',
      body: { type: 'approval', title: 'X', assignees: ['user:bob'], callbackUrl: 'javascript:alert(1)' },
    });
    expect(script.status).toBe(422);
  });

  it('refuses callbackUrls in multicast, reserved, 6to4, Teredo, IPv4-mapped and IPv4-translated ranges', async () => {
    const s = await testServer(APPS);
    const create = (callbackUrl: string) =>
      s.call('POST', '/v1/tasks', {
        as: 'user:alice',
        body: { type: 'approval', title: 'X', assignees: ['user:bob'], callbackUrl },
      });
    const refused = {
      'multicast 224.0.0.0/4': ['http://224.0.0.1/hook', 'http://239.255.255.250/hook'],
      'reserved 240.0.0.0/4': ['http://240.0.0.1/hook', 'http://255.255.255.255/hook'],
      '6to4 2002::/16': [
        'http://[2002:7f00:1::1]/hook',
        'http://[2002:a9fe:a9fe::]/hook',
        'http://[2002:5db8:d822::1]/hook',
      ],
      'Teredo 2001::/32': ['http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook', 'http://[2001::1]/hook'],
      'IPv4-mapped ::ffff:0:0/96': ['http://[::ffff:224.0.0.1]/hook', 'http://[0:0:0:0:0:ffff:a00:1]/hook'],
      'IPv4-translated ::ffff:0:0:0/96': [
        'http://[::ffff:0:127.0.0.1]/hook',
        'http://[::ffff:0:7f00:1]/hook',
        'http://[0:0:0:0:ffff:0:a9fe:a9fe]/hook',
        'http://[::ffff:0:0:0]/hook',
      ],
      'IPv6 multicast ff00::/8': ['http://[ff02::1]/hook'],
    };
    for (const [range, urls] of Object.entries(refused)) {
      for (const url of urls) {
        const answer = await create(url);
        expect(answer.status, `${range}: ${url}`).toBe(422);
        expect(
          answer.body.error.issues.map((i: any) => i.path),
          url,
        ).toContain('callbackUrl');
        // The same check again at delivery, for tasks created in-process.
        expect(() => checkLiteralCallbackHost(new URL(url)), url).toThrow(/loopback or private/);
      }
    }
    // Public addresses next to those ranges stay allowed.
    for (const url of [
      'https://223.255.255.1/hook',
      'https://[2001:4860:4860::8888]/hook',
      'https://[2003::1]/hook',
      'https://[::ffff:0:5db8:d822]/hook',
    ]) {
      expect((await create(url)).status, url).toBe(201);
    }
  });

  it('refuses assignees and escalation targets that cannot answer (system, agents)', async () => {
    const s = await testServer(APPS);
    for (const body of [
      { type: 'approval', title: 'X', assignees: ['system'] },
      { type: 'approval', title: 'X', assignees: ['agent:banking'] },
      { type: 'approval', title: 'X', assignees: ['user:bob'], escalate: [{ after: '1h', to: ['system'] }] },
    ]) {
      const refused = await s.call('POST', '/v1/tasks', { as: 'user:alice', body });
      expect(refused.status, JSON.stringify(body)).toBe(422);
    }
  });

  it('reads Last-Event-ID strictly: a whole event id or nothing', async () => {
    const s = await testServer({ setup: (heed) => heed.workflow('w', async (ctx) => ctx.recv('go')) });
    await s.call('POST', '/v1/runs', { body: { workflow: 'w', id: 'w1' } });
    for (const id of ['1e308', '12abc', '-1', '+3', '0x10', '1.5', '9'.repeat(20)]) {
      const response = await fetch(`${s.url}/v1/runs/w1/events`, { headers: { 'last-event-id': id } });
      expect(response.status, id).toBe(400);
      expect(((await response.json()) as any).error.code).toBe('BAD_REQUEST');
    }
    const controller = new AbortController();
    const ok = await fetch(`${s.url}/v1/runs/w1/events`, {
      headers: { 'last-event-id': '0' },
      signal: controller.signal,
    });
    expect(ok.status).toBe(200);
    controller.abort();
  });
});
