import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { People } from '../../channels/directory/people.ts';
import type { Heed } from '../../human/heed.ts';
import type { AuthEnv } from '../auth.ts';
import type { LinkGuard } from '../link-guard.ts';
import { type OpenApiDocument, openApiDocument } from '../openapi.ts';
import { errors, json } from '../schemas.ts';

/** What the store's integrity check found (see `IntegrityReport`). */
const IntegritySchema = z
  .object({
    state: z.enum(['checking', 'ok', 'damaged', 'failed']),
    problems: z.array(z.string()),
    mode: z.enum(['open', 'background']),
  })
  .openapi('StoreIntegrity');

const VERSION = (
  JSON.parse(readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')) as {
    version: string;
  }
).version;

/**
 * `GET /v1/me`, `GET /v1/people` (the directory's names), `GET /v1/openapi.json`, `GET /v1/docs`
 * (interactive reference) and `GET /v1/health`.
 */
export function metaRoutes(
  app: OpenAPIHono<AuthEnv>,
  heed: Heed,
  linkGuard?: LinkGuard,
  people?: Pick<People, 'names'>,
): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/me',
      operationId: 'getMe',
      tags: ['Meta'],
      summary: 'Who the credentials belong to',
      responses: {
        200: json(z.object({ principal: z.string(), admin: z.boolean(), groups: z.array(z.string()) }), 'The caller'),
        ...errors(401),
      },
    }),
    (c) => {
      const caller = c.get('caller');
      return c.json(
        {
          principal: caller.principal,
          admin: caller.admin,
          groups: caller.identities.filter((i) => i !== caller.principal),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/people',
      operationId: 'listPeople',
      tags: ['Meta'],
      summary: "The people directory's names (config `people`), so that every page names a principal the same way",
      description:
        'Only names: no email addresses or Slack ids. Empty without a directory; a principal it does not name is shown by a name made from the principal (`user:alice` → "Alice").',
      responses: {
        200: json(
          z.object({
            items: z.array(
              z.object({
                principal: z.string().openapi({ example: 'user:alice' }),
                name: z.string().openapi({ example: 'Alice Doe' }),
              }),
            ),
          }),
          'The names',
        ),
        ...errors(401),
      },
    }),
    (c) => c.json({ items: people?.names() ?? [] }, 200),
  );

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/health',
    operationId: 'getHealth',
    tags: ['Meta'],
    summary: 'Health: answers once the store is open',
    description:
      "`integrity` is what the store's integrity check found (SQLite: `PRAGMA quick_check`, at open for a small file, in the background for a large one): `checking`, `ok`, `damaged` (503, with the problems: restore from a backup) or `failed` (the check could not run); `null` for a store without one.",
    security: [],
    responses: {
      200: {
        description: 'Healthy',
        content: {
          'application/json': {
            schema: z.object({
              ok: z.literal(true),
              store: z.string(),
              integrity: IntegritySchema.nullable(),
              linkRefusals: z
                .object({ forged: z.number(), expired: z.number(), used: z.number(), limited: z.number() })
                .nullable()
                .openapi({ description: 'Refused one-click link attempts since the start, by reason' }),
            }),
          },
        },
      },
      503: {
        description: 'The store failed its integrity check (`integrity.state` is `damaged`)',
        content: {
          'application/json': {
            schema: z.object({ ok: z.literal(false), store: z.string(), integrity: IntegritySchema }).passthrough(),
          },
        },
      },
    },
  });
  app.get('/v1/health', async (c) => {
    await heed.ready();
    const integrity = heed.storeIntegrity() ?? null;
    const linkRefusals = linkGuard?.counts ?? null;
    if (integrity?.state === 'damaged') {
      return c.json({ ok: false, store: heed.storeName, integrity, linkRefusals }, 503);
    }
    return c.json({ ok: true, store: heed.storeName, integrity, linkRefusals }, 200);
  });

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/openapi.json',
    operationId: 'getOpenApiDocument',
    tags: ['Meta'],
    summary: 'This OpenAPI 3.1 document',
    security: [],
    responses: {
      200: {
        description: 'The document',
        content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
      },
    },
  });
  let document: OpenApiDocument | undefined;
  app.get('/v1/openapi.json', (c) => {
    document ??= openApiDocument(app, VERSION);
    return c.json(document);
  });

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/docs',
    operationId: 'getApiReference',
    tags: ['Meta'],
    summary: 'This document rendered by Swagger UI (served from the package, no CDN)',
    security: [],
    responses: { 200: { description: 'An HTML page', content: { 'text/html': { schema: z.string() } } } },
  });
  // An interactive reference: the OpenAPI document rendered by Swagger UI, served from the
  // installed package (no CDN), with forms to try each route.
  const assets = dirname(fileURLToPath(import.meta.resolve('swagger-ui-dist/package.json')));
  const asset = (name: string) => readFileSync(join(assets, name), 'utf8');
  const bundle = asset('swagger-ui-bundle.js');
  const css = asset('swagger-ui.css');
  app.get('/v1/docs/swagger-ui-bundle.js', (c) =>
    c.body(bundle, 200, { 'content-type': 'text/javascript; charset=utf-8' }),
  );
  app.get('/v1/docs/swagger-ui.css', (c) => c.body(css, 200, { 'content-type': 'text/css; charset=utf-8' }));
  // A file, not an inline script: the CSP allows this origin's scripts only.
  app.get('/v1/docs/init.js', (c) =>
    c.body("SwaggerUIBundle({ url: '/v1/openapi.json', dom_id: '#ui' });\n", 200, {
      'content-type': 'text/javascript; charset=utf-8',
    }),
  );
  app.get('/v1/docs', (c) =>
    c.html(`<!doctype html><html><head><meta charset="utf-8"><title>Heed API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/v1/docs/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/v1/docs/swagger-ui-bundle.js"></script>
<script src="/v1/docs/init.js"></script></body></html>`),
  );
}
