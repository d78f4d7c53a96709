import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { linkSecretOf } from '../../src/cli/process-setup.ts';
import type { Store } from '../../src/index.ts';
import { PostgresStore } from '../../src/postgres.ts';
import { SqliteStore } from '../../src/sqlite.ts';
import { fileDatabaseUrl, freshPostgresStore } from '../postgres/databases.ts';

const open: Store[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** `count` stores on one new database, as `count` processes starting together would open it, not yet initialized. */
async function storesOnOneNewDatabase(
  kind: 'SQLite' | 'PostgreSQL',
  count: number,
): Promise<{ stores: Store[]; db: string | undefined }> {
  if (kind === 'SQLite') {
    const dir = mkdtempSync(join(tmpdir(), 'heed-secret-'));
    dirs.push(dir);
    const db = join(dir, 'heed.db');
    const stores = Array.from({ length: count }, () => new SqliteStore(db));
    open.push(...stores);
    return { stores, db };
  }
  const first = await freshPostgresStore({ poolSize: 2 });
  const url = await fileDatabaseUrl();
  const others = Array.from({ length: count - 1 }, () => new PostgresStore(url, { poolSize: 2, schema: first.schema }));
  const stores = [first, ...others];
  open.push(...stores);
  return { stores, db: undefined };
}

describe.each(['SQLite', 'PostgreSQL'] as const)('the link secret on %s', (kind) => {
  const saved = process.env.HEED_LINK_SECRET;
  afterEach(() => {
    if (saved === undefined) delete process.env.HEED_LINK_SECRET;
    else process.env.HEED_LINK_SECRET = saved;
  });

  it('is made once: many processes starting together on a new store all keep the same one', async () => {
    delete process.env.HEED_LINK_SECRET;
    const { stores, db } = await storesOnOneNewDatabase(kind, 4);
    // Each "process" asks several times at once (serve's and the channels' setup racing too).
    const secrets = await Promise.all(stores.flatMap((store) => [1, 2, 3].map(() => linkSecretOf({}, db, store))));
    expect(new Set(secrets).size).toBe(1);
    expect(secrets[0]).toMatch(/^[0-9a-f]{64}$/);
    // And it stays: a restart reads the same secret.
    expect(await linkSecretOf({}, db, stores[0] as Store)).toBe(secrets[0]);
  });

  it('is the first process’s even when another read the store before it wrote and writes after it finished', async () => {
    delete process.env.HEED_LINK_SECRET;
    const { stores, db } = await storesOnOneNewDatabase(kind, 2);
    const [fast, slow] = stores as [Store, Store];
    await slow.init();
    let fastDone: (secret: string) => void = () => {};
    const fastFinished = new Promise<string>((resolve) => {
      fastDone = resolve;
    });
    // The slow process reads at once, but every write it makes waits until the fast one is done.
    const slowWrites = new Proxy(slow, {
      get(target, key) {
        const value = Reflect.get(target, key, target);
        if (typeof value !== 'function') return value;
        if (key === 'setSetting' || key === 'setSettingOnce') {
          return async (...args: unknown[]) => {
            await fastFinished;
            return value.apply(target, args);
          };
        }
        return value.bind(target);
      },
    });
    const slowSecret = linkSecretOf({}, db, slowWrites);
    const fastSecret = await linkSecretOf({}, db, fast);
    fastDone(fastSecret);
    expect(await slowSecret).toBe(fastSecret);
    expect(await linkSecretOf({}, db, fast)).toBe(fastSecret);
  });

  it('is the configured one when there is one, and a secret kept beside a SQLite file by an earlier version stays in use', async () => {
    process.env.HEED_LINK_SECRET = 'from-the-environment';
    const { stores, db } = await storesOnOneNewDatabase(kind, 1);
    const store = stores[0] as Store;
    expect(await linkSecretOf({ linkSecret: 'from-the-config' }, db, store)).toBe('from-the-environment');
    delete process.env.HEED_LINK_SECRET;
    expect(await linkSecretOf({ linkSecret: 'from-the-config' }, db, store)).toBe('from-the-config');
    if (db !== undefined) {
      writeFileSync(`${db}.link-secret`, 'kept-beside-the-file\n');
      expect(await linkSecretOf({}, db, store)).toBe('kept-beside-the-file');
    }
  });
});
