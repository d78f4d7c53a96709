import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeProblem } from '../src/node-support.ts';
import { tempDir } from './helpers.ts';

const root = join(import.meta.dirname, '..');

/**
 * A preload that makes this Node look like Node 20 to Heed: `process.versions.node` says 20.18.0
 * and `node:sqlite` does not resolve, with Node 20's error ("No such built-in module").
 */
function oldNodePreload(): string {
  const file = join(tempDir('heed-old-node-'), 'old-node.mjs');
  writeFileSync(
    file,
    `import { registerHooks } from 'node:module';
Object.defineProperty(process.versions, 'node', { value: '20.18.0' });
registerHooks({
  resolve(specifier, context, next) {
    if (specifier === 'node:sqlite') {
      throw Object.assign(new Error('No such built-in module: node:sqlite'), { code: 'ERR_UNKNOWN_BUILTIN_MODULE' });
    }
    return next(specifier, context);
  },
});
`,
  );
  return file;
}

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

  it('says "Heed needs Node ≥ 22.13" on an older Node, from the package and from the heed command, instead of failing on node:sqlite', () => {
    expect(nodeProblem('20.18.0')).toMatch(/^Heed needs Node ≥ 22\.13 \(this is Node 20\.18\.0\)/);
    expect(nodeProblem('22.12.0')).toBeDefined();
    expect(nodeProblem('23.3.0')).toBeDefined();
    for (const ok of ['22.13.0', '23.4.0', '24.0.0', '25.1.0']) expect(nodeProblem(ok)).toBeUndefined();

    const preload = oldNodePreload();
    // A user's program outside the repository, with heed installed, importing both entries as the README shows.
    const project = tempDir('heed-old-node-app-');
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(root, join(project, 'node_modules', 'heed'));
    writeFileSync(
      join(project, 'app.mjs'),
      "import { Heed } from 'heed';\nimport { SqliteStore } from 'heed/sqlite';\nconsole.log(typeof Heed, typeof SqliteStore);\n",
    );
    const app = spawnSync(process.execPath, ['--import', preload, 'app.mjs'], { cwd: project, encoding: 'utf8' });
    expect(app.status).not.toBe(0);
    expect(app.stderr).toContain('Heed needs Node ≥ 22.13 (this is Node 20.18.0)');
    expect(app.stderr).not.toContain('node:sqlite');

    for (const args of [['serve', '--port', '0'], ['help']]) {
      const cli = spawnSync(process.execPath, ['--import', preload, join(root, 'dist', 'cli', 'main.js'), ...args], {
        encoding: 'utf8',
      });
      expect(cli.status).toBe(2);
      expect(cli.stderr.trim()).toMatch(
        /^heed: Heed needs Node ≥ 22\.13 \(this is Node 20\.18\.0\): install Node 24 LTS/,
      );
    }
  });
});
