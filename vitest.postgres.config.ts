import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

/**
 * The suites again, on PostgreSQL (`npm run test:postgres`): every Heed the tests make
 * (`testEngine`, `testServer`, the channel harness) gets its own schema on the run's PostgreSQL
 * server instead of a SQLite file. Left out: what is about one store by nature (the store
 * contract suites run each store themselves; SQLite files, crash tests that SIGKILL a process on
 * a SQLite file, the PostgreSQL-only tests), and what does not touch the store's behaviour (the
 * browser pages and their files, the package, the OpenAPI document, the README check).
 */
export default defineConfig({
  test: {
    ...base.test,
    include: [
      'test/engine/**/*.test.ts',
      'test/human/**/*.test.ts',
      'test/server/**/*.test.ts',
      'test/chat/**/*.test.ts',
      'test/ag-ui/**/*.test.ts',
      'test/channels/**/*.test.ts',
      'test/mcp/**/*.test.ts',
      'test/a2a/**/*.test.ts',
      'test/regressions/**/*.test.ts',
      'test/agent/**/*.test.ts',
      'test/openai-agents/**/*.test.ts',
      'test/langgraph/**/*.test.ts',
      'test/mastra/**/*.test.ts',
      'test/client/**/*.test.ts',
      'test/observability/**/*.test.ts',
      'test/demo.test.ts',
    ],
    exclude: ['**/*.browser.test.ts', 'test/server/openapi.test.ts', 'test/server/inbox-files.test.ts'],
    env: { HEED_TEST_STORE: 'postgres' },
  },
});
