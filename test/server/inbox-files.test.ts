import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testServer } from './helpers.ts';

const root = join(import.meta.dirname, '..', '..');

/** The relative modules a browser module imports (static and dynamic; not the JSDoc type imports). */
function importsOf(source: string): string[] {
  return [...source.matchAll(/(?:from\s+|import\()\s*'(\.\/[^']+)'/g)]
    .map((m) => m[1] as string)
    .filter((spec) => !spec.endsWith('.d.ts'));
}

describe('the inbox files', () => {
  it('are served as files with an ETag, revalidated (304), under the CSP, every module the page reaches included', async () => {
    const s = await testServer();
    const page = await fetch(`${s.url}/`);
    const html = await page.text();
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/); // no inline script
    const entry = /<script type="module" src="([^"]+)"/.exec(html)?.[1];
    expect(entry).toBe('/inbox/app.js');
    expect(/<link rel="stylesheet" href="([^"]+)"/.exec(html)?.[1]).toBe('/inbox/inbox.css');

    // Walk the module graph from the page's script, as the browser does.
    const seen = new Set<string>();
    const queue = [entry as string, '/inbox/outbox.js', '/inbox/chat.css', '/inbox/inbox.css'];
    while (queue.length > 0) {
      const path = queue.shift() as string;
      if (seen.has(path)) continue;
      seen.add(path);
      const response = await fetch(`${s.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toMatch(path.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
      expect(response.headers.get('cache-control')).toBe('no-cache');
      const etag = response.headers.get('etag') as string;
      expect(etag).toMatch(/^"[\w-]{22}"$/);
      const body = await response.text();
      if (path !== '/inbox/marked.js' && path.endsWith('.js')) {
        expect(body.startsWith('// @ts-check'), `${path} is checked`).toBe(true);
        for (const spec of importsOf(body)) queue.push(new URL(spec, `http://x${path}`).pathname);
      }
      const again = await fetch(`${s.url}${path}`, { headers: { 'if-none-match': etag } });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe('');
    }
    expect([...seen].sort()).toEqual([
      '/inbox/app.js',
      '/inbox/away.js',
      '/inbox/batch.js',
      '/inbox/chat.css',
      '/inbox/chat.js',
      '/inbox/inbox.css',
      '/inbox/insights.js',
      '/inbox/list.js',
      '/inbox/markdown.js',
      '/inbox/marked.js',
      '/inbox/outbox.js',
      '/inbox/reassign.js',
      '/inbox/schema-form.js',
      '/inbox/session.js',
      '/inbox/standing.js',
      '/inbox/task.js',
      '/inbox/words.js',
    ]);
    // The type declarations beside the modules are not served.
    expect((await fetch(`${s.url}/inbox/types.d.ts`)).status).toBe(404);
    expect((await fetch(`${s.url}/inbox/tsconfig.json`)).status).toBe(404);
  });

  it('have one copy of each helper: esc, ago and the API call live in one module each', () => {
    const folder = join(root, 'src', 'server', 'inbox', 'public');
    const modules = [
      'app.js',
      'chat.js',
      'list.js',
      'task.js',
      'outbox.js',
      'markdown.js',
      'session.js',
      'words.js',
      'schema-form.js',
      'insights.js',
      'reassign.js',
      'away.js',
    ];
    for (const [helper, home] of [
      ['esc', 'words.js'],
      ['ago', 'words.js'],
      ['until', 'words.js'],
      ['api', 'session.js'],
      ['authHeaders', 'session.js'],
    ] as const) {
      const defining = modules.filter((m) =>
        new RegExp(`function ${helper}\\b|const ${helper}\\s*=`).test(readFileSync(join(folder, m), 'utf8')),
      );
      expect(defining, helper).toEqual([home]);
    }
  });

  it('are in the package and served from dist/ after the build', () => {
    // `npm test` builds dist/ before running the tests; the package ships dist/.
    const script = `
      const { Heed } = await import('heed');
      const { SqliteStore } = await import('heed/sqlite');
      const { startServer } = await import('heed/server');
      const heed = new Heed({ store: new SqliteStore(':memory:') });
      const server = await startServer(heed, { port: 0 });
      const out = [];
      for (const path of ['/inbox/app.js', '/inbox/words.js', '/inbox/chat.css', '/inbox/marked.js']) {
        const response = await fetch(server.url + path);
        out.push([path, response.status, (await response.text()).length > 0]);
      }
      await server.close();
      console.log(JSON.stringify(out));
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(JSON.parse(output.trim().split('\n').at(-1) as string)).toEqual([
      ['/inbox/app.js', 200, true],
      ['/inbox/words.js', 200, true],
      ['/inbox/chat.css', 200, true],
      ['/inbox/marked.js', 200, true],
    ]);
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }),
    ) as {
      files: { path: string }[];
    }[];
    const files = (packed[0]?.files ?? []).map((f) => f.path);
    for (const name of ['app.js', 'chat.js', 'list.js', 'task.js', 'words.js', 'session.js', 'inbox.css']) {
      expect(files).toContain(`dist/server/inbox/public/${name}`);
    }
  });
});
