import { readFileSync } from 'node:fs';

/**
 * The PL/pgSQL of the PostgreSQL store, one function a file in `sql/` (shipped with the package:
 * the build copies `sql/` next to this module in `dist/`, and `src/` ships too), read relative to
 * this module, so it works from `src` (tests, `node src/…`) and from `dist` alike.
 *
 * The hot paths, each one round trip:
 * - `heed_claim` claims runs and resolves the claimed runs' waits that hold already
 *   (`heed_wait_result`, the rule of `wait-rules.ts`);
 * - `heed_apply` applies a batch of writes of `writes.ts` (`BatchedWriteKind`), one function per
 *   operation: `heed_create_runs`, `heed_record_operations`, `heed_await_waits`,
 *   `heed_suspend_runs`, `heed_complete_runs`, `heed_release_runs`, `heed_send_messages`.
 *
 * In creation order: a `LANGUAGE sql` function is checked against what exists when it is created
 * (PL/pgSQL ones only when they run), so those come after what they use.
 */
export const FUNCTION_FILES = [
  'heed_run_json',
  'heed_write_run',
  'heed_wake',
  'heed_fire_child_waits',
  'heed_wait_result',
  'heed_claim',
  'heed_create_runs',
  'heed_record_operations',
  'heed_await_waits',
  'heed_suspend_runs',
  'heed_complete_runs',
  'heed_release_runs',
  'heed_send_messages',
  'heed_apply',
] as const;

/** The text of `sql/<name>.sql`. */
export function functionSql(name: (typeof FUNCTION_FILES)[number]): string {
  return readFileSync(new URL(`./sql/${name}.sql`, import.meta.url), 'utf8');
}

/**
 * Every function, `CREATE OR REPLACE`d from its file: run by a migration, it brings an existing
 * database's functions to this version's and gives a fresh one the same.
 */
export function installFunctions(): string {
  return FUNCTION_FILES.map(functionSql).join('\n');
}
