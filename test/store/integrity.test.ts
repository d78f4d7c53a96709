/**
 * The SQLite store's integrity check (`PRAGMA quick_check`): at open for a small file (a damaged
 * one is refused, see faults.test.ts), in the background for a large one, so that the start does
 * not grow with the file. Damage found in the background is still reported: by `integrity()`,
 * the `onIntegrity` callback (stderr by default) and `GET /v1/health` (503).
 */
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { Heed } from '../../src/index.ts';
import { startServer } from '../../src/server/serve.ts';
import { type IntegrityReport, SqliteStore } from '../../src/sqlite.ts';
import { OPEN_CHECK_MAX_BYTES } from '../../src/store/sqlite/integrity-check.ts';
import { tempDir } from '../helpers.ts';

const PAGE = 4096;

/** A Heed database file larger than `bytes` (a filler table beside Heed's own). */
async function bigFile(bytes: number): Promise<string> {
  const path = join(tempDir(), 'heed.db');
  const heed = new Heed({ store: new SqliteStore(path) });
  await heed.tasks.create({ type: 'approval', title: 'kept' });
  await heed.stop({ grace: 0 });
  const db = new DatabaseSync(path);
  db.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, blob TEXT)');
  const insert = db.prepare('INSERT INTO filler (blob) VALUES (?)');
  db.exec('BEGIN');
  for (let i = 0; i * 3000 < bytes; i++) insert.run('x'.repeat(3000));
  db.exec('COMMIT');
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  db.close();
  return path;
}

/** Overwrites a page near the end of the file (the filler's b-tree) with garbage. */
function damage(path: string): void {
  const pages = Math.floor(statSync(path).size / PAGE);
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(PAGE, 0x5a), 0, PAGE, PAGE * (pages - 3));
  closeSync(fd);
}

describe('the integrity check at open', () => {
  it('checks a large file in the background, a second after open: the store serves at once, and the check finds it sound', async () => {
    const path = await bigFile(OPEN_CHECK_MAX_BYTES + 1024 * 1024);
    const store = new SqliteStore(path);
    await store.init();
    expect(store.integrity()).toMatchObject({ state: 'checking', mode: 'background' });
    // The store serves while the check runs.
    expect((await store.listRuns({ limit: 10 })).items.length).toBeGreaterThan(0);
    expect(await store.integrityChecked()).toEqual({ state: 'ok', problems: [], mode: 'background' });
    expect(store.integrity()?.state).toBe('ok');
    await store.close();
  });

  it('checks a small file at open', async () => {
    const path = join(tempDir(), 'heed.db');
    const store = new SqliteStore(path);
    await store.init();
    expect(store.integrity()).toEqual({ state: 'ok', problems: [], mode: 'open' });
    await store.close();
  });

  it('reports a large damaged file found in the background: integrity(), onIntegrity, and /v1/health (503)', async () => {
    const path = await bigFile(OPEN_CHECK_MAX_BYTES + 1024 * 1024);
    damage(path);
    const told: IntegrityReport[] = [];
    const heed = new Heed({
      store: new SqliteStore(path, { integrityCheckDelayMs: 0, onIntegrity: (report) => told.push(report) }),
    });
    const server = await startServer(heed, { port: 0 });
    try {
      await heed.ready();
      expect(heed.storeIntegrity()?.mode).toBe('background');
      // Wait for the background check to finish (it runs in a worker thread).
      for (let i = 0; i < 500 && heed.storeIntegrity()?.state === 'checking'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(heed.storeIntegrity()?.state).toBe('damaged');
      expect(heed.storeIntegrity()?.problems.length).toBeGreaterThan(0);
      expect(told).toHaveLength(1);
      expect(told[0]?.state).toBe('damaged');
      const health = await fetch(`${server.url}/v1/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ ok: false, integrity: { state: 'damaged', mode: 'background' } });
    } finally {
      await server.close();
    }
  });

  it('logs background damage to stderr by default, and `open` mode still refuses a large damaged file', async () => {
    const path = await bigFile(OPEN_CHECK_MAX_BYTES + 1024 * 1024);
    damage(path);
    const refused = new SqliteStore(path, { integrityCheck: 'open' });
    await expect(refused.init()).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
    await refused.close();

    const logged: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => logged.push(args.map(String).join(' '));
    try {
      const store = new SqliteStore(path, { integrityCheckDelayMs: 0 });
      await store.init();
      expect((await store.integrityChecked())?.state).toBe('damaged');
      await new Promise((resolve) => setImmediate(resolve));
      expect(logged.join('\n')).toContain('STORE_CORRUPT');
      await store.close();
    } finally {
      console.error = original;
    }
  });

  it('reports `ok` on /v1/health for a sound store', async () => {
    const heed = new Heed({ store: new SqliteStore(join(tempDir(), 'heed.db')) });
    const server = await startServer(heed, { port: 0 });
    try {
      const health = await fetch(`${server.url}/v1/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ ok: true, integrity: { state: 'ok', mode: 'open' } });
    } finally {
      await server.close();
    }
  });
});
