import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

describe('the published package', () => {
  it('exposes heed and heed/sqlite from the build, as a user imports them', () => {
    // `npm test` builds dist/ before running the tests.
    expect(existsSync(join(root, 'dist', 'index.js'))).toBe(true);
    const script = `
      const { Heed, VirtualClock, HeedError, TerminalError } = await import('heed');
      const { SqliteStore } = await import('heed/sqlite');
      const heed = new Heed({ store: new SqliteStore(':memory:'), clock: new VirtualClock() });
      const wf = heed.workflow('hello', async (ctx, name) => ctx.step('greet', () => 'hello ' + name));
      await heed.start();
      const out = await (await wf.start('world')).result();
      await heed.stop();
      console.log(JSON.stringify([out, typeof HeedError, typeof TerminalError]));
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(JSON.parse(output.trim())).toEqual(['hello world', 'function', 'function']);
  });

  it('ships the PostgreSQL functions beside the build, read relative to the module that loads them', () => {
    const script = `
      const { FUNCTION_FILES, installFunctions } = await import('./dist/store/postgres/functions.js');
      const sql = installFunctions();
      console.log(JSON.stringify(FUNCTION_FILES.map((name) => sql.includes('FUNCTION ' + name + '('))));
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    const found = JSON.parse(output.trim()) as boolean[];
    expect(found.length).toBeGreaterThan(10);
    expect(found.every(Boolean)).toBe(true);
  });
});
