import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { Heed } from '../../human/heed.ts';
import type { AuthEnv } from '../auth.ts';
import { escapeHtml } from '../html.ts';
import { FAVICON_SVG, INBOX_PAGE } from '../inbox/page.ts';
import { eventStream } from '../openapi.ts';
import { folderFiles, type StaticFile, serveFile, staticFile } from '../static-files.ts';

/**
 * The inbox's files under `/inbox/`: its browser modules and styles (`inbox/public/`, served as
 * they are, from `src/` or `dist/` alike) and `marked`'s browser build; and the icon. Read once.
 */
let files: Map<string, StaticFile> | undefined;
function inboxFiles(): Map<string, StaticFile> {
  if (!files) {
    files = new Map();
    for (const [name, file] of folderFiles(fileURLToPath(new URL('../inbox/public/', import.meta.url)))) {
      files.set(`/inbox/${name}`, file);
    }
    const markedBuild = readFileSync(fileURLToPath(import.meta.resolve('marked')), 'utf8');
    files.set('/inbox/marked.js', staticFile('marked.js', markedBuild));
    files.set('/favicon.svg', staticFile('favicon.svg', FAVICON_SVG));
  }
  return files;
}

/**
 * The web inbox at `/`: a page, its modules (`/inbox/app.js` and what it imports), and
 * `GET /v1/inbox/events`, a content-free "something changed" stream that tells open inboxes to
 * refresh (it carries no task data, so it needs no credentials; the refresh itself is authorized).
 */
export function inboxRoutes(
  app: OpenAPIHono<AuthEnv>,
  heed: Heed,
  options: { demoApprovers?: readonly string[] | undefined; pollMs?: number | undefined } = {},
): void {
  const pollMs = options.pollMs ?? 500;
  const listeners = new Set<() => void>();
  let version = '';
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  let announcing = false;
  const announce = () => {
    // A burst of task writes (one group commit) becomes one "changed" per turn of the event loop.
    if (announcing) return;
    announcing = true;
    setImmediate(() => {
      announcing = false;
      for (const notify of [...listeners]) notify();
    });
  };
  // The fallback for tasks written by other processes sharing the store.
  const poll = async () => {
    try {
      const next = await heed.feeds.tasksVersion();
      if (next !== version) {
        version = next;
        announce();
      }
    } catch {
      // store closing: the next tick tries again
    }
  };

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/',
    operationId: 'getInbox',
    tags: ['Inbox'],
    summary: 'The web inbox (an HTML page; it calls this API with your credentials)',
    security: [],
    responses: { 200: { description: 'The page', content: { 'text/html': { schema: z.string() } } } },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/inbox/events',
    operationId: 'streamInboxChanges',
    tags: ['Inbox'],
    summary: 'A content-free stream telling open inboxes to refresh (no task data, no credentials needed)',
    security: [],
    responses: {
      200: eventStream('Change notices', '`ready` `{}` once, then `changed` `{}` when any task changed'),
    },
  });
  // The page names who the demo agents ask to approve (escaped: it is configuration, not markup).
  const page = INBOX_PAGE.replace(
    '<body>',
    `<body data-approvers="${escapeHtml((options.demoApprovers ?? []).join(', '))}">`,
  );
  app.get('/', (c) => c.html(page));
  for (const [path, file] of inboxFiles()) app.get(path, (c) => serveFile(c, file));
  // Browsers ask for /favicon.ico whatever the page says.
  app.get('/favicon.ico', (c) => c.redirect('/favicon.svg', 301));
  app.get('/v1/inbox/events', (c) =>
    streamSSE(c, async (stream) => {
      if (!timer) {
        // This process's task writes are pushed at once; other processes' are polled.
        unsubscribe = heed.feeds.changes.subscribe((change) => {
          if (change.kind === 'task') announce();
        });
        timer = setInterval(() => void poll(), pollMs);
        timer.unref();
        version = await heed.feeds.tasksVersion();
      }
      let wake: (() => void) | undefined;
      const notify = () => wake?.();
      listeners.add(notify);
      stream.onAbort(() => {
        listeners.delete(notify);
        wake?.();
        if (listeners.size === 0) {
          clearInterval(timer);
          timer = undefined;
          unsubscribe?.();
          unsubscribe = undefined;
        }
      });
      await stream.writeSSE({ event: 'ready', data: '{}' });
      while (!stream.aborted) {
        const changed = await new Promise<boolean>((resolve) => {
          const t = setTimeout(() => resolve(false), 15_000);
          wake = () => {
            clearTimeout(t);
            resolve(true);
          };
        });
        if (stream.aborted) break;
        if (changed) await stream.writeSSE({ event: 'changed', data: '{}' });
        else await stream.write(': keep-alive\n\n');
      }
    }),
  );
}
