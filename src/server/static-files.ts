import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Context } from 'hono';

/** A file served as it is, with its content type and a strong ETag (a hash of its content). */
export interface StaticFile {
  body: string;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** A file of `body`, typed by the extension of `name`. */
export function staticFile(name: string, body: string): StaticFile {
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 22);
  return { body, type: TYPES[extname(name)] ?? 'application/octet-stream', etag: `"${hash}"` };
}

/**
 * The `.js` and `.css` files of a folder, by name (read once; declaration files and configuration
 * are not served).
 */
export function folderFiles(folder: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(folder).sort()) {
    if (name.endsWith('.js') || name.endsWith('.css')) {
      files.set(name, staticFile(name, readFileSync(join(folder, name), 'utf8')));
    }
  }
  return files;
}

/**
 * The response for a static file: `Cache-Control: no-cache` with its ETag, so a browser keeps its
 * copy and asks again each time (a `304` with no body while the file is the same), and a new
 * version is picked up at once after an upgrade.
 */
export function serveFile(c: Context, file: StaticFile): Response {
  const headers = { etag: file.etag, 'cache-control': 'no-cache' };
  const asked = c.req.header('if-none-match');
  if (asked?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === file.etag)) {
    return c.body(null, 304, headers);
  }
  return c.body(file.body, 200, { ...headers, 'content-type': file.type });
}
