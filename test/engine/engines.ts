/**
 * Engines on both stores, for engine tests parameterised with `describe.each(STORES)`: a Heed on a
 * fresh SQLite file or a fresh PostgreSQL schema, with a virtual clock. A small local stand-in for
 * `testEngine` (test/helpers.ts), which makes SQLite engines only. Everything made here is stopped
 * after each test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { Heed, type HeedOptions, type Store } from '../../src/index.ts';
import type { PostgresStoreOptions } from '../../src/postgres.ts';
import { SqliteStore } from '../../src/sqlite.ts';
import { VirtualClock } from '../../src/time/virtual-clock.ts';
import { freshPostgresStore } from '../postgres/databases.ts';

export const STORES = ['SQLite', 'PostgreSQL'] as const;
export type StoreKind = (typeof STORES)[number];

export interface EngineOnStore {
  heed: Heed;
  /** The store `heed` was given (or the one `wrap` wrapped). */
  store: Store;
  clock: VirtualClock;
  /** Background errors reported through `onError`; tests that expect none say so. */
  errors: unknown[];
}

const heeds: Heed[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(heeds.splice(0).map((heed) => heed.stop({ grace: 0 }).catch(() => {})));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh, initialized store of that kind. */
export async function storeOf(kind: StoreKind, postgres: PostgresStoreOptions = {}): Promise<Store> {
  if (kind === 'PostgreSQL') return freshPostgresStore(postgres);
  const dir = mkdtempSync(join(tmpdir(), 'heed-engine-'));
  dirs.push(dir);
  const store = new SqliteStore(join(dir, 'heed.db'));
  await store.init();
  return store;
}

/**
 * A Heed (not started) on a fresh store of that kind, with a virtual clock. `wrap` may put a
 * fault-injecting layer between the engine and the store.
 */
export async function engineOn(
  kind: StoreKind,
  options: Partial<HeedOptions> & { wrap?: (store: Store) => Store } = {},
): Promise<EngineOnStore> {
  const { wrap, ...rest } = options;
  const real = await storeOf(kind);
  const store = wrap ? wrap(real) : real;
  const clock = new VirtualClock();
  const errors: unknown[] = [];
  const heed = new Heed({ store, clock, onError: (error) => errors.push(error), ...rest });
  heeds.push(heed);
  return { heed, store, clock, errors };
}

/**
 * `store` with some methods replaced. The replacements get the real store to call through; every
 * other member is the store's own (methods bound to it, so private fields keep working).
 */
export function withOverrides(store: Store, overrides: (real: Store) => Partial<Store>): Store {
  const replaced = overrides(store);
  return new Proxy(store, {
    get(target, key) {
      if (key in replaced) return replaced[key as keyof Store];
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
