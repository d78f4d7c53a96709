/**
 * Every relative link of the documentation resolves: a file that exists, and an anchor that is a
 * heading of the page it points to (GitHub's anchors); and every file of the repository named in
 * inline code (`test/examples/examples.test.ts`) exists. Used by `npm run check:readme` and
 * `test/unit/doc-links.test.ts`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** The markdown a reader follows: the README, docs/ and examples/ (paths relative to `root`). */
export function documentationFiles(root: string): string[] {
  const found = ['README.md'];
  for (const folder of ['docs', 'examples']) {
    for (const entry of readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })) {
      if (entry.endsWith('.md') && !entry.includes('node_modules')) found.push(join(folder, entry));
    }
  }
  return found.sort();
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a markdown page's headings (outside code blocks), with GitHub's `-1` for repeats. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let inCode = false;
  for (const line of markdown.split('\n')) {
    if (/^```/.test(line)) inCode = !inCode;
    const heading = inCode ? null : /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = anchorOf(heading[1] ?? '');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** The relative links of a page: markdown links and images, and `src`/`href` attributes. */
export function links(markdown: string): string[] {
  const text = markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  const found: string[] = [];
  for (const m of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) found.push(m[1] ?? '');
  for (const m of text.matchAll(/\b(?:src|href)="([^"]+)"/g)) found.push(m[1] ?? '');
  return found.filter((link) => !/^[a-z][a-z0-9+.-]*:/i.test(link));
}

/** The repository files a page names in inline code: `src/…`, `test/…`, `scripts/…` with an extension. */
export function namedFiles(markdown: string): string[] {
  const text = markdown.replace(/^```[\s\S]*?^```/gm, '');
  const found: string[] = [];
  for (const m of text.matchAll(/`((?:src|test|scripts|examples|docs|bench|demo)\/[\w./-]+\.[a-z]+)`/g))
    found.push(m[1] ?? '');
  return found;
}

/** Each broken link of `files` (relative to `root`), as `file: link (why)`. */
export function brokenLinks(files: string[], root: string): string[] {
  const broken: string[] = [];
  for (const file of files) {
    const markdown = readFileSync(join(root, file), 'utf8');
    for (const named of namedFiles(markdown)) {
      if (!existsSync(join(root, named))) broken.push(`${file}: \`${named}\` (no such file in the repository)`);
    }
    for (const link of links(markdown)) {
      const [path = '', anchor] = link.split('#', 2);
      const target = path ? join(root, dirname(file), decodeURIComponent(path)) : join(root, file);
      if (!existsSync(target)) {
        broken.push(`${file}: ${link} (no such file: ${relative(root, target)})`);
        continue;
      }
      if (anchor === undefined) continue;
      if (statSync(target).isDirectory() || !target.endsWith('.md')) {
        broken.push(`${file}: ${link} (an anchor into a file that is not a markdown page)`);
        continue;
      }
      if (!anchors(readFileSync(target, 'utf8')).has(anchor)) {
        broken.push(`${file}: ${link} (no heading with the anchor #${anchor} in ${relative(root, target)})`);
      }
    }
  }
  return broken;
}
