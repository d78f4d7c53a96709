import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.ts';

const PREPARE = join(import.meta.dirname, '..', '..', 'scripts', 'prepare.mjs');

/** A clone installed without its devDependencies (`npm ci --omit=dev`): no TypeScript to build with. */
function cloneWithoutDevDependencies(withDist: boolean): string {
  const dir = tempDir('heed-prepare-');
  mkdirSync(join(dir, 'scripts'));
  copyFileSync(PREPARE, join(dir, 'scripts', 'prepare.mjs'));
  if (withDist) {
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', 'index.js'), 'export {};\n');
  }
  return dir;
}

describe('the prepare script (npm install in a clone, or of a git dependency)', () => {
  it('keeps dist/ and says so when the devDependencies are not installed, instead of failing the install', () => {
    const dir = cloneWithoutDevDependencies(true);
    const run = spawnSync(process.execPath, ['scripts/prepare.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stderr).toContain('dist/ is not rebuilt: it is kept as it is');
    expect(existsSync(join(dir, 'dist', 'index.js'))).toBe(true);
  });

  it('says what to do when there is no dist/ and nothing to build it with', () => {
    const dir = cloneWithoutDevDependencies(false);
    const run = spawnSync(process.execPath, ['scripts/prepare.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stderr).toContain('dist/ is not built: that needs the devDependencies (TypeScript)');
  });
});
