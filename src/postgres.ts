/** `heed/postgres`: the store for many workers on many machines, on PostgreSQL through `pg`. */
export { PostgresStore, type PostgresStoreOptions } from './store/postgres/postgres-store.ts';
