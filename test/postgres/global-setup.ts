/**
 * Vitest global setup: one PostgreSQL server for the whole test run. `HEED_TEST_PG_URL` points
 * the tests at another server instead (a URL whose user may CREATE DATABASE); otherwise an
 * embedded PostgreSQL is started here and stopped at the end. Test files make their own
 * databases on it (see `freshDatabase`), so files run in parallel without sharing state.
 */
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from './embedded.ts';

declare module 'vitest' {
  interface ProvidedContext {
    pgAdminUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.HEED_TEST_PG_URL;
  if (given) {
    project.provide('pgAdminUrl', given);
    return async () => {};
  }
  const server = await startEmbeddedPostgres({ durable: false });
  project.provide('pgAdminUrl', server.url);
  return () => server.stop();
}
