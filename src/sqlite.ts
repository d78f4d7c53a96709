/** `heed/sqlite`: the embedded store on a SQLite file, through Node's built-in `node:sqlite`. */
export { SqliteStore, type SqliteStoreOptions } from './store/sqlite/sqlite-store.ts';
