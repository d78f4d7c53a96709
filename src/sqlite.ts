/** `heed/sqlite`: the embedded store on a SQLite file, through Node's built-in `node:sqlite`. */
import './node-check.ts';
import type * as Sqlite from './store/sqlite/sqlite-store.ts';

// Loaded after the Node check: a static import would fail before any check ran, on a Node
// without `node:sqlite`, with "No such built-in module: node:sqlite".
const sqlite: typeof Sqlite = await import('./store/sqlite/sqlite-store.ts');

/** The embedded store on a SQLite file (see `store/sqlite/sqlite-store.ts`). */
export const SqliteStore = sqlite.SqliteStore;
export type SqliteStore = Sqlite.SqliteStore;
export type { SqliteStoreOptions } from './store/sqlite/sqlite-store.ts';
export type { IntegrityCheckMode } from './store/sqlite/integrity-check.ts';
export type { IntegrityReport } from './store/engine-store.ts';
