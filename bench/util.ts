/** Small helpers shared by the benchmark scripts. Not part of the package. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/** `BENCH_SCALE` (default 1) shrinks or grows every workload size. */
export const SCALE = parseScale(process.env.BENCH_SCALE);

/**
 * `BENCH_DURABILITY` (`full` or `normal`) picks `SqliteStore`'s durability for the benches that
 * use SQLite (default: the store's own default, `full`), so the cost of each can be compared.
 */
export const DURABILITY = parseDurability(process.env.BENCH_DURABILITY);

function parseDurability(raw: string | undefined): 'full' | 'normal' {
  if (raw === undefined || raw === '' || raw === 'full') return 'full';
  if (raw === 'normal') return 'normal';
  throw new Error(`BENCH_DURABILITY must be "full" or "normal", got "${raw}"`);
}

function parseScale(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 1;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`BENCH_SCALE must be a positive number, got "${raw}"`);
  return value;
}

/** `n` scaled by {@link SCALE}, at least `min`. */
export function scaled(n: number, min = 1): number {
  return Math.max(min, Math.round(n * SCALE));
}

/** Milliseconds since an arbitrary origin, sub-microsecond resolution. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Times `fn`; returns its result and the elapsed milliseconds. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const start = nowMs();
  const value = await fn();
  return { value, ms: nowMs() - start };
}

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `heed-bench-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** The p-th percentile (0..100, nearest rank) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** Runs `task(i)` for i in [0, count) with at most `limit` in flight. */
export async function pool(count: number, limit: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
}

/**
 * Counts runs by status with a separate read-only connection (used after timing, to check that
 * the measured work really happened).
 */
export function countByStatus(dbPath: string): Record<string, number> {
  const db = new DatabaseSync(dbPath, { readOnly: true, timeout: 5_000 });
  try {
    const rows = db.prepare('SELECT status, count(*) AS n FROM runs GROUP BY status').all() as {
      status: string;
      n: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  } finally {
    db.close();
  }
}

/**
 * Forces a full, memory-reducing garbage collection when node runs with `--expose-gc`: what V8's
 * memory reducer does by itself once a process goes idle. Without the memory-reducing pass, RSS
 * after a burst of work still holds V8's young generation as the burst grew it (up to ~128 MiB of
 * empty semi-space), which says how busy the process just was, not what it keeps.
 */
export function gc(): void {
  const collect = (globalThis as { gc?: (options?: object) => void }).gc;
  if (collect) {
    collect();
    collect({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  }
}

// ── formatting ────────────────────────────────────────────────────────────────────────────────

export function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A number with enough significant digits for small and large values alike. */
export function sig(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  if (abs >= 100) return fmt(value, 0);
  if (abs >= 10) return fmt(value, 1);
  if (abs >= 1) return fmt(value, 2);
  if (abs >= 0.1) return fmt(value, 3);
  return fmt(value, 4);
}

export function bytes(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  if (abs >= 1024 * 1024) return `${sig(value / (1024 * 1024))} MiB`;
  if (abs >= 1024) return `${sig(value / 1024)} KiB`;
  return `${fmt(Math.round(value) || 0, 0)} B`;
}

/** A GitHub-flavoured markdown table. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(headers), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}
