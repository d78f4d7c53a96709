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

  // An interactive reference: the OpenAPI document rendered with forms to try each route.
  app.get('/v1/docs', (c) =>
    c.html(`<!doctype html><html><head><meta charset="utf-8"><title>Heed API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="https://unpkg.com/swagger-ui-dist@5/swagger-ui.css"></head>
<body><div id="ui"></div><script src="https://unpkg.com/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({ url: '/v1/openapi.json', dom_id: '#ui' });</script></body></html>`),
  );
}
