import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A guard against hangs, not a measure: multi-step browser and multi-process tests run long on a busy 2-core CI.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // One PostgreSQL server for the run (embedded, or HEED_TEST_PG_URL); each file makes its own databases.
    globalSetup: ['test/postgres/global-setup.ts'],
  },
});
