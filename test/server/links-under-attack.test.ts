/**
 * One-click links stay usable under attack (DESIGN.md "Identity and authority"): refusals are
 * counted and limited per client, only refused attempts are limited (a valid, unused link always
 * works), the client is the socket's address unless `trustProxy` names the proxies whose
 * `X-Forwarded-For` counts, and a GET or HEAD of a link writes nothing at all.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { onlySqlite, tempDir } from '../helpers.ts';
import { type TestServer, testServer } from './helpers.ts';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** `heed serve --config FILE` with `config`: its URL once it listens, or its exit code and output. */
function serveWith(config: unknown): Promise<{ url: string } | { code: number | null; output: string }> {
  const dir = tempDir('heed-serve-');
  writeFileSync(join(dir, 'heed.json'), JSON.stringify(config));
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--db', join(dir, 'heed.db'), '--port', '0', '--config', join(dir, 'heed.json')],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  );
  children.push(child);
  let output = '';
  return new Promise((resolve) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /serving on (http:\/\/\S+)/.exec(output)?.[1];
      if (url) resolve({ url });
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => resolve({ code, output }));
  });
}

async function linkFor(s: TestServer, expiresIn?: number) {
  const task = await s.heed.tasks.create({ type: 'approval', title: 'Wire $900?', assignees: ['user:bob'] });
  const link = await s.call('POST', `/v1/tasks/${task.id}/links`, {
    body: { principal: 'user:bob', outcome: 'approve', ...(expiresIn ? { expiresIn } : {}) },
  });
  expect(link.status).toBe(201);
  return { task, url: link.body.url as string };
}

/** The same link with its signature changed: a forgery. */
function forgedOf(url: string, i: number): string {
  const [base, token] = url.split('/t/') as [string, string];
  return `${base}/t/${token.split('.')[0]}.${'A'.repeat(42)}${i % 10}`;
}

/** Every row of every table of the SQLite file, read through a second connection. */
function snapshot(path: string): Record<string, unknown[]> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[];
    return Object.fromEntries(tables.map(({ name }) => [name, db.prepare(`SELECT * FROM "${name}"`).all()]));
  } finally {
    db.close();
  }
}

async function statusOf(url: string, init: RequestInit = {}, headers: Record<string, string> = {}) {
  const response = await fetch(url, { ...init, headers });
  await response.text();
  return response.status;
}

describe('one-click links under attack', () => {
  it('limits only refused attempts, per client: after 50 forged attempts, a valid link from that address works', async () => {
    const s = await testServer();
    const { task, url } = await linkFor(s);
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++) statuses.push(await statusOf(forgedOf(url, i), { method: 'POST' }));
    expect(statuses.slice(0, 20).every((status) => status === 400)).toBe(true);
    expect(statuses.slice(20).every((status) => status === 429)).toBe(true);

    // The genuine, unused link still answers, from the very address that was limited.
    const answered = await fetch(url, { method: 'POST' });
    expect(answered.status).toBe(200);
    expect(await answered.text()).toContain('recorded');
    expect((await s.heed.tasks.get(task.id))?.result).toMatchObject({
      outcome: 'approve',
      by: 'user:bob',
      via: 'link',
    });
    // Forgeries never reach an audit chain; the limited ones are not even looked at twice.
    expect((await s.heed.tasks.audit(task.id)).filter((e) => e.action === 'refused')).toEqual([]);
    // Reusing it is a refused attempt: limited too (429), and not recorded while limited.
    expect(await statusOf(url, { method: 'POST' })).toBe(429);
    expect((await s.heed.tasks.audit(task.id)).filter((e) => e.action === 'refused')).toEqual([]);
    const health = (await s.call('GET', '/v1/health')).body;
    expect(health.linkRefusals).toEqual({ forged: 50, expired: 0, used: 1, limited: 31 });
  });

  it('counts per client through trusted proxies (right-most untrusted X-Forwarded-For), and ignores the header otherwise', async () => {
    const proxied = await testServer({ trustProxy: ['127.0.0.1', '10.0.0.0/8'] });
    const { url } = await linkFor(proxied);
    const from = (chain: string) => ({ 'x-forwarded-for': chain });
    for (let i = 0; i < 20; i++)
      expect(await statusOf(forgedOf(url, i), { method: 'POST' }, from('203.0.113.7'))).toBe(400);
    expect(await statusOf(forgedOf(url, 0), { method: 'POST' }, from('203.0.113.7'))).toBe(429);
    // A client cannot escape by prepending addresses: the proxies append the one they saw.
    expect(await statusOf(forgedOf(url, 1), { method: 'POST' }, from('198.51.100.1, 203.0.113.7, 10.1.2.3'))).toBe(429);
    // Another client behind the same proxy has its own count.
    expect(await statusOf(forgedOf(url, 2), { method: 'POST' }, from('203.0.113.8, 10.1.2.3'))).toBe(400);

    // Without trustProxy the header is anyone's to send: the socket's address is the client.
    const direct = await testServer();
    const other = await linkFor(direct);
    for (let i = 0; i < 20; i++) {
      expect(await statusOf(forgedOf(other.url, i), { method: 'POST' }, from(`203.0.113.${i}`))).toBe(400);
    }
    expect(await statusOf(forgedOf(other.url, 0), { method: 'POST' }, from('203.0.113.99'))).toBe(429);
    await expect(testServer({ trustProxy: ['10.0.0.0/33'] })).rejects.toThrow(/trustProxy/);
  });

  // SQLite only: it compares every table of the SQLite file before and after.
  it.skipIf(onlySqlite('compares the SQLite file'))(
    'GET and HEAD of a link write nothing, whatever its state, and an expired link fetched again is not counted',
    async () => {
      const s = await testServer();
      const { task, url } = await linkFor(s, 60);
      const decided = await linkFor(s);
      await s.heed.idle();
      const before = snapshot(s.path);
      for (const method of ['GET', 'HEAD']) {
        expect(await statusOf(url, { method })).toBe(200);
        expect(await statusOf(forgedOf(url, 0), { method })).toBe(400);
      }
      expect(snapshot(s.path)).toEqual(before);

      // A mail scanner fetching links after the decision (and after they expired) changes nothing.
      expect(await statusOf(decided.url, { method: 'POST' })).toBe(200);
      await s.clock.advance('61s');
      await s.heed.idle();
      const after = snapshot(s.path);
      for (const method of ['GET', 'HEAD']) {
        expect(await statusOf(decided.url, { method })).toBe(409);
        for (let i = 0; i < 25; i++) expect(await statusOf(url, { method })).toBe(400);
      }
      expect(snapshot(s.path)).toEqual(after);
      expect((await s.heed.tasks.audit(task.id)).filter((e) => e.action === 'refused')).toEqual([]);
      // Those fetches were not counted against the address: its next refusal is a plain 400.
      expect(await statusOf(forgedOf(url, 0), { method: 'POST' })).toBe(400);
      // A POST of the expired link is recorded, once.
      expect(await statusOf(url, { method: 'POST' })).toBe(400);
      expect(await statusOf(url, { method: 'POST' })).toBe(400);
      const refusals = (await s.heed.tasks.audit(task.id)).filter((e) => e.action === 'refused');
      expect(refusals.map((e) => [e.actor, (e.detail as { reason: string }).reason])).toEqual([
        ['user:bob', 'expired link'],
      ]);
    },
  );

  it('heed serve --config takes trustProxy, and stops on an entry that is not an address', {
    timeout: 120_000,
  }, async () => {
    const served = await serveWith({ trustProxy: ['127.0.0.1', '::1'] });
    if (!('url' in served)) throw new Error(`heed serve did not start: ${served.output}`);
    const forged = `${served.url}/t/${Buffer.from('[]').toString('base64url')}.${'A'.repeat(43)}`;
    const from = (client: string) => ({ 'x-forwarded-for': client });
    for (let i = 0; i < 20; i++) expect(await statusOf(forged, { method: 'POST' }, from('203.0.113.7'))).toBe(400);
    expect(await statusOf(forged, { method: 'POST' }, from('203.0.113.7'))).toBe(429);
    expect(await statusOf(forged, { method: 'POST' }, from('203.0.113.8'))).toBe(400);

    const refused = await serveWith({ trustProxy: ['10.0.0.0/8', 'proxy.internal'] });
    if ('url' in refused) throw new Error('heed serve started with a bad trustProxy');
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/trustProxy: "proxy.internal"/);
  });
});
