import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // One PostgreSQL server for the run (embedded, or HEED_TEST_PG_URL); each file makes its own databases.
    globalSetup: ['test/postgres/global-setup.ts'],
  },
});
