/**
 * The layers' ports: upper layers reach the store only through the narrow ports they are given
 * (`heed.tasks`, `heed.feeds`, `heed.deliveries`); the engine keeps its store private.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testEngine } from '../helpers.ts';

const SRC = join(import.meta.dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

describe('layers and their store ports', () => {
  it('keeps the engine store private: no layer above reads `.store` of an engine or Heed', () => {
    const offenders = sourceFiles(SRC)
      .map((file) => relative(SRC, file))
      .filter((file) => !file.startsWith('store/') && !file.startsWith('engine/'))
      .filter((file) =>
        /\b(heed|engine|this\.#heed|this\.#engine|this\.heed)\.store\b/.test(readFileSync(join(SRC, file), 'utf8')),
      );
    expect(offenders).toEqual([]);
  });

  it('hands each layer its port of the one store', async () => {
    const { heed, store } = testEngine();
    expect('store' in heed).toBe(false);
    expect(heed.feeds).toBe(store);
    expect(heed.deliveries).toBe(store);
    expect(heed.storeName).toBe('SqliteStore');
    await heed.ready();
    expect(await heed.tasks.useLink('n1', 't1')).toBe(true);
    expect(await heed.tasks.useLink('n1', 't1')).toBe(false);
    expect(await heed.tasks.linkUsed('n1')).toBe(true);
  });
});
