import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { PostgresStore, type PostgresStoreOptions } from '../../src/postgres.ts';
import { createDatabase } from './embedded.ts';

const uniqueName = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 16)}`;

/** A new, empty database on the test server (see `global-setup.ts`); returns its URL. */
export function freshDatabase(prefix = 'heed_test'): Promise<string> {
  return createDatabase(inject('pgAdminUrl'), uniqueName(prefix));
}

let fileDatabase: Promise<string> | undefined;

/**
 * An initialized store in a new schema of this test file's own database (one CREATE DATABASE
 * per file, one CREATE SCHEMA per store: files run in parallel, cases never share state).
 */
export async function freshPostgresStore(options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  fileDatabase ??= freshDatabase();
  const store = new PostgresStore(await fileDatabase, { poolSize: 4, schema: uniqueName('s'), ...options });
  await store.init();
  return store;
}

/** The URL of the database {@link freshPostgresStore} makes its stores in (its password is kept private by the store). */
export function fileDatabaseUrl(): Promise<string> {
  fileDatabase ??= freshDatabase();
  return fileDatabase;
}
