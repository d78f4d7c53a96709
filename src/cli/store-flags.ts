import { PostgresStore } from '../store/postgres/postgres-store.ts';
import { SqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';

/** The store the `--db PATH` (SQLite, the default) or `--postgres URL` flags name. */
export function storeFromFlags(flags: { db?: string | undefined; postgres?: string | undefined }): {
  store: Store;
  label: string;
} {
  if (flags.postgres && flags.db) throw new Error('Give either --db PATH or --postgres URL, not both');
  const postgres = flags.postgres ?? (flags.db ? undefined : process.env.HEED_POSTGRES_URL);
  if (postgres) {
    const store = new PostgresStore(postgres);
    return { store, label: store.redactedUrl };
  }
  const db = flags.db ?? '.heed/heed.db';
  return { store: new SqliteStore(db), label: db };
}
