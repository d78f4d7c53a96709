import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { Heed, type HeedOptions, type Store } from '../src/index.ts';
import { SqliteStore } from '../src/sqlite.ts';
import { VirtualClock } from '../src/time/virtual-clock.ts';

/** A temp folder removed after the current test file. */
export function tempDir(prefix = 'heed-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TestEngine {
  heed: Heed;
  /** The store `heed` was given (tests may read and write it directly). */
  store: Store;
  clock: VirtualClock;
  path: string;
  /** A second Heed on the same file (a "new process" after a restart), not started. */
  reopen(options?: Partial<HeedOptions>): Heed;
}

const open: Heed[] = [];
const dirs: string[] = [];

/**
 * A Heed on a fresh SQLite file with a virtual clock. Everything made here is stopped and
 * deleted after each test.
 */
export function testEngine(options: Partial<HeedOptions> = {}): TestEngine {
  const dir = tempDir();
  dirs.push(dir);
  const path = join(dir, 'heed.db');
  const clock = new VirtualClock();
  const make = (extra: Partial<HeedOptions> = {}) => {
    const heed = new Heed({
      store: new SqliteStore(path),
      clock,
      onError: (e) => errors.push(e),
      ...options,
      ...extra,
    });
    open.push(heed);
    return heed;
  };
  const store = options.store ?? new SqliteStore(path);
  return { heed: make({ store }), store, clock, path, reopen: make };
}

/** Background errors reported through `onError` during the test; each test expects none unless it says so. */
export const errors: unknown[] = [];

afterEach(async () => {
  const heeds = open.splice(0);
  await Promise.all(heeds.map((h) => h.stop({ grace: 0 }).catch(() => {})));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  const reported = errors.splice(0);
  if (reported.length > 0) throw new Error(`Unexpected background errors: ${reported.map(String).join('; ')}`);
});
