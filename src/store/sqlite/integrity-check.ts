import { Worker } from 'node:worker_threads';
import type { IntegrityReport } from '../engine-store.ts';

export type { IntegrityReport };

/**
 * When the SQLite store checks its file with `PRAGMA quick_check`:
 * - `auto` (default): at open when the file is at most {@link OPEN_CHECK_MAX_BYTES}, so a small
 *   damaged file is refused before any write (STORE_CORRUPT); a larger file is checked in the
 *   background, in a worker thread with its own read-only connection, so that the start (and the
 *   first claim) does not grow with the file;
 * - `open`: always at open (the start grows with the file);
 * - `background`: always in the background.
 */
export type IntegrityCheckMode = 'auto' | 'open' | 'background';

/** Up to this size (bytes), `auto` checks at open: a few milliseconds at most. */
export const OPEN_CHECK_MAX_BYTES = 4 * 1024 * 1024;

/** The worker's code: plain JavaScript, so it runs the same from `src/` and from `dist/`. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
let db;
try {
  db = new DatabaseSync(workerData.path, { readOnly: true, timeout: workerData.busyTimeoutMs });
  const problems = db.prepare('PRAGMA quick_check(5)').all().map((row) => String(Object.values(row)[0]));
  parentPort.postMessage({ problems });
} catch (error) {
  const message = String(error && error.message ? error.message : error);
  // SQLITE_CORRUPT (11) and SQLITE_NOTADB (26), primary codes: the check met the damage itself.
  const code = error && typeof error.errcode === 'number' ? error.errcode & 0xff : undefined;
  if (code === 11 || code === 26) parentPort.postMessage({ problems: [message] });
  else parentPort.postMessage({ error: message });
} finally {
  try { db && db.close(); } catch {}
}
`;

/** A check running in a worker thread; see {@link startBackgroundCheck}. */
export interface BackgroundCheck {
  /** Resolves with the final report (`ok`, `damaged` or `failed`); never rejects. */
  readonly done: Promise<IntegrityReport>;
  /** Stops the worker (the store closes); `done` resolves `failed` if it had not finished. */
  stop(): void;
}

/**
 * Runs `PRAGMA quick_check(5)` on `path` in a worker thread with its own read-only connection,
 * `delayMs` after the call: the calling thread's event loop is never blocked by the check, and
 * even the worker's start (an isolate: ~10-20 ms of this thread) comes after the store's first
 * claims. In WAL mode the check reads a snapshot while writers go on. Neither the delay nor the
 * worker keeps the process alive.
 */
export function startBackgroundCheck(path: string, busyTimeoutMs: number, delayMs = 0): BackgroundCheck {
  let settle: (report: IntegrityReport) => void = () => {};
  const done = new Promise<IntegrityReport>((resolve) => {
    let settled = false;
    settle = (report) => {
      if (settled) return;
      settled = true;
      resolve(report);
    };
  });
  let worker: Worker | undefined;
  const begin = () => {
    const started = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, busyTimeoutMs } });
    worker = started;
    started.unref();
    started.on('message', (message: { problems?: string[]; error?: string }) => {
      if (message.problems) settle(fromProblems(message.problems, 'background'));
      else settle({ state: 'failed', problems: [message.error ?? 'unknown error'], mode: 'background' });
    });
    started.on('error', (error) => settle({ state: 'failed', problems: [error.message], mode: 'background' }));
    started.on('exit', (code) =>
      settle({
        state: 'failed',
        problems: [`the check stopped before it finished (exit ${code})`],
        mode: 'background',
      }),
    );
  };
  const timer = setTimeout(begin, delayMs);
  timer.unref();
  return {
    done,
    stop: () => {
      clearTimeout(timer);
      settle({ state: 'failed', problems: ['the store closed before the check finished'], mode: 'background' });
      void worker?.terminate();
    },
  };
}

/** The report for what `PRAGMA quick_check` returned: `ok` alone, or the problems. */
export function fromProblems(problems: string[], mode: IntegrityReport['mode']): IntegrityReport {
  return problems.length === 1 && problems[0] === 'ok'
    ? { state: 'ok', problems: [], mode }
    : { state: 'damaged', problems, mode };
}
