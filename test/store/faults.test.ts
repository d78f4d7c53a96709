// biome-ignore-all lint/suspicious/noExplicitAny: HTTP bodies are arbitrary JSON checked by the assertions
/**
 * The store under faults: a full disk (a small tmpfs), a damaged page, a read-only folder.
 * Mounting a tmpfs needs root (CI runs as root); without it the disk-full and read-only-mount
 * tests say so and are skipped, and the read-only folder is made with chmod instead.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { Heed } from '../../src/index.ts';
import { startServer } from '../../src/server/serve.ts';
import { SqliteStore } from '../../src/sqlite.ts';
import { tempDir } from '../helpers.ts';

const ROOT = process.getuid?.() === 0;
const mounts: string[] = [];

/** A tmpfs of `size` at a new folder, or `undefined` when this process may not mount (not root, no capability). */
function mountTmpfs(size: string, readOnly = false): string | undefined {
  if (!ROOT) return undefined;
  const dir = tempDir('heed-tmpfs-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}${readOnly ? ',ro' : ''}`, 'tmpfs', dir], {
      stdio: 'pipe',
    });
  } catch {
    return undefined;
  }
  mounts.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of mounts.splice(0)) {
    try {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // left for the OS to clean
    }
  }
});

/** Writes zeros until the disk is full. Returns the file. */
function fill(dir: string): string {
  const file = join(dir, 'filler');
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(16 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
  } finally {
    closeSync(fd);
  }
  return file;
}

const canMount = mountTmpfs('1m') !== undefined;

describe('a full disk', () => {
  it.skipIf(!canMount)(
    'answers 507 STORE_FULL, writes nothing of the refused request, keeps serving, and recovers when space returns (needs root to mount a tmpfs)',
    async () => {
      const dir = mountTmpfs('6m') as string;
      const background: unknown[] = [];
      const heed = new Heed({
        store: new SqliteStore(join(dir, 'heed.db')),
        policies: [{ name: 'apps', callerAssigns: true }],
        onError: (e) => background.push(e),
      });
      const server = await startServer(heed, { port: 0 });
      try {
        const create = (key: string) =>
          fetch(`${server.url}/v1/tasks`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-heed-principal': 'user:alice' },
            body: JSON.stringify({
              type: 'approval',
              title: `Task ${key}`,
              assignees: ['user:bob'],
              payload: { blob: 'x'.repeat(60_000) },
              idempotencyKey: key,
            }),
          }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
        expect((await create('before')).status).toBe(201);
        await heed.idle();

        const filler = fill(dir);
        let refused: { key: string; body: any } | undefined;
        const created: string[] = ['before'];
        for (let i = 0; i < 200 && !refused; i++) {
          const key = `during-${i}`;
          const answer = await create(key);
          if (answer.status === 201) created.push(key);
          else {
            expect(answer.status).toBe(507);
            refused = { key, body: answer.body };
          }
        }
        expect(refused?.body.error.code).toBe('STORE_FULL');
        // Reads go on.
        const health = await fetch(`${server.url}/v1/health`);
        expect(health.status).toBe(200);
        await health.text();

        // Nothing half-written: the refused task is not there, nor its lifecycle run.
        const all = (await heed.tasks.list({ limit: 1000 })).items;
        expect(all.map((t) => t.title).sort()).toEqual(created.map((k) => `Task ${k}`).sort());

        // Space returns: the same request now succeeds, and the task works end to end.
        rmSync(filler);
        const again = await create(refused?.key as string);
        expect(again.status).toBe(201);
        const answered = await fetch(`${server.url}/v1/tasks/${again.body.id}/responses`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-heed-principal': 'user:bob' },
          body: JSON.stringify({ outcome: 'approve' }),
        });
        expect(answered.status).toBe(200);
        const result = await heed.tasks.result(again.body.id, { timeout: 10_000 });
        expect(result).toMatchObject({ outcome: 'approve', by: 'user:bob' });
        for (const task of (await heed.tasks.list({ limit: 1000 })).items) {
          expect((await heed.tasks.verifyAudit(task.id)).ok).toBe(true);
        }
        // Background writes that met the full disk were reported as STORE_FULL, not as crashes.
        for (const error of background) expect((error as { code?: string }).code).toBe('STORE_FULL');
      } finally {
        await server.close();
      }
    },
    60_000,
  );
});

describe('a damaged database file', () => {
  it('is refused at open with STORE_CORRUPT (PRAGMA quick_check), before any write', async () => {
    const dir = tempDir();
    const path = join(dir, 'heed.db');
    const heed = new Heed({ store: new SqliteStore(path) });
    for (let i = 0; i < 50; i++) {
      await heed.tasks.create({ type: 'approval', title: `t${i}`, payload: { blob: 'y'.repeat(2000) } });
    }
    await heed.stop({ grace: 0 });
    // Overwrite a page in the middle of the file (not the header): a b-tree page becomes garbage.
    const pageSize = 4096;
    const pages = Math.floor(statSync(path).size / pageSize);
    expect(pages).toBeGreaterThan(10);
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(pageSize, 0x5a), 0, pageSize, pageSize * Math.floor(pages / 2));
    closeSync(fd);

    const store = new SqliteStore(path);
    await expect(store.init()).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
    await store.close();

    const { code, stderr } = await serve(['--db', path]);
    expect(code).not.toBe(0);
    expect(stderr).toContain('STORE_CORRUPT');
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});

describe('a read-only store folder', () => {
  it('stops `heed serve` with a clear STORE_READ_ONLY error, no stack trace', async () => {
    const ro = mountTmpfs('1m', true);
    let dir = ro;
    if (!dir) {
      dir = tempDir();
      mkdirSync(join(dir, 'ro'));
      dir = join(dir, 'ro');
      chmodSync(dir, 0o555);
    }
    const { code, stderr } = await serve(['--db', join(dir, 'heed.db')]);
    expect(code).not.toBe(0);
    expect(stderr).toContain('STORE_READ_ONLY');
    expect(stderr).toContain('read-only');
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stderr).not.toContain('EACCES: permission denied, open');
  });
});

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

async function serve(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await promisify(execFile)(process.execPath, [CLI, 'serve', '--port', '0', '--no-demo', ...args], {
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 30_000,
    });
    return { code: 0, stderr: '' };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}
