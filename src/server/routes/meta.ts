import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Heed } from '../../human/heed.ts';
import type { AuthEnv } from '../auth.ts';

/** `GET /v1/openapi.json`, `GET /v1/docs` (interactive reference) and `GET /v1/health`. */
export function metaRoutes(app: OpenAPIHono<AuthEnv>, heed: Heed): void {
  app.get('/v1/health', async (c) => {
    await heed.ready();
    return c.json({ ok: true, store: heed.store.constructor.name });
  });

  app.get('/v1/openapi.json', (c) => {
    const document = app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: { title: 'Heed', version: '0.1.0', description: 'Durable human-in-the-loop for AI agents.' },
    });
    document.components = {
      ...document.components,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    };
    document.security = [{ bearer: [] }];
    document.paths = {
      ...document.paths,
      '/v1/runs/{id}/events': {
        get: {
          tags: ['Runs'],
          summary: 'Server-sent events of the run: statuses, its end, its tasks. Resumes after Last-Event-ID.',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'text/event-stream' } },
        },
      },
    };
    return c.json(document);
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
  app.get('/v1/docs', (c) =>
    c.html(`<!doctype html><html><head><meta charset="utf-8"><title>Heed API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/v1/docs/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/v1/docs/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({ url: '/v1/openapi.json', dom_id: '#ui' });</script></body></html>`),
  );
}
