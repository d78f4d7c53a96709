/**
 * Helpers for the crash tests: a sandbox (temp dir, SQLite file, a client `Heed` that never
 * executes anything) and worker child processes driven through stdout lines and killed with
 * SIGKILL.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Heed, type RunDetail, type RunStatus } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite.ts';

/** How long any wait for a child's line or a store condition may take before the test fails. */
export const WAIT_MS = 20_000;

const FIXTURE = fileURLToPath(new URL('./fixture-worker.ts', import.meta.url));

/** How a child process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Every worker spawned and not yet known dead, for {@link killAllWorkers}. */
const live = new Set<WorkerProcess>();

/**
 * A running `fixture-worker.ts`. Collects its stdout lines; tests wait for lines with
 * {@link WorkerProcess.waitForLine} and kill it with {@link WorkerProcess.kill}.
 */
export class WorkerProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Every stdout line received so far. */
  readonly lines: string[] = [];
  /** Resolves when the process has exited (for any reason). */
  readonly exited: Promise<Exit>;
  #stderr = '';
  #partial = '';
  #exit: Exit | undefined;
  readonly #listeners = new Set<() => void>();

  /** Spawns the fixture (default `fixture-worker.ts`) on `dbPath`, with its side-effect log in `workDir`. */
  constructor(dbPath: string, workDir: string, flags: readonly string[] = [], fixture = FIXTURE) {
    this.child = spawn(process.execPath, [fixture, dbPath, workDir, ...flags], { stdio: 'pipe' });
    live.add(this);
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      const parts = (this.#partial + chunk).split('\n');
      this.#partial = parts.pop() ?? '';
      this.lines.push(...parts);
      this.#notify();
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => {
      this.#stderr += chunk;
    });
    this.exited = new Promise<Exit>((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.#exit = { code, signal };
        live.delete(this);
        resolve(this.#exit);
        this.#notify();
      });
    });
    // A write to the stdin of a process that died is expected here; do not crash the test runner.
    this.child.stdin.on('error', () => {});
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** What the process wrote on stderr (engine errors are reported there). */
  get stderr(): string {
    return this.#stderr;
  }

  /** Stdout lines matching `match` (a prefix or a pattern). */
  linesMatching(match: string | RegExp): string[] {
    return this.lines.filter((line) => matches(line, match));
  }

  /**
   * Resolves with the first line matching `match` (already received or to come). Rejects with a
   * description of the process's state if it exits first or after `timeoutMs`.
   */
  async waitForLine(match: string | RegExp, timeoutMs = WAIT_MS): Promise<string> {
    const [line] = await this.waitForLines(match, 1, timeoutMs);
    return line as string;
  }

  /** Resolves with the first `count` lines matching `match`; rejects like {@link waitForLine}. */
  waitForLines(match: string | RegExp, count: number, timeoutMs = WAIT_MS): Promise<string[]> {
    const what = `${count} line(s) matching ${String(match)}`;
    return new Promise<string[]>((resolve, reject) => {
      const check = () => {
        const found = this.linesMatching(match);
        if (found.length >= count) return done(() => resolve(found.slice(0, count)));
        const exit = this.#exit;
        if (exit) return done(() => reject(this.#failure(`exited (${describe(exit)}) before ${what}`)));
      };
      const timer = setTimeout(() => done(() => reject(this.#failure(`no ${what} after ${timeoutMs} ms`))), timeoutMs);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.#listeners.delete(check);
        settle();
      };
      this.#listeners.add(check);
      check();
    });
  }

  /** Asks the worker to start a run and waits until the run is durably created. */
  async startRun(workflow: string, runId: string, input?: unknown): Promise<void> {
    this.send(`start ${workflow} ${runId}${input === undefined ? '' : ` ${JSON.stringify(input)}`}`);
    await this.waitForLine(`STARTED ${runId}`);
  }

  /** Writes one command line to the worker's stdin. */
  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** SIGKILLs the process (if still alive) and resolves once it is gone. */
  async kill(): Promise<Exit> {
    if (!this.#exit) this.child.kill('SIGKILL');
    return this.exited;
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  #failure(what: string): Error {
    const tail = this.lines.slice(-20).join('\n  ');
    return new Error(
      `worker pid ${this.pid} ${what}\n last stdout lines:\n  ${tail}\n stderr:\n${this.#stderr || '  (empty)'}`,
    );
  }
}

function matches(line: string, match: string | RegExp): boolean {
  return typeof match === 'string' ? line.startsWith(match) : match.test(line);
}

function describe(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

/** SIGKILLs every worker still alive and waits for them to be gone (for `afterEach`). */
export async function killAllWorkers(): Promise<void> {
  await Promise.all([...live].map((worker) => worker.kill()));
}

/**
 * Polls `check` until it returns something other than `undefined`/`false`, and resolves with it.
 * Rejects with `description` after `timeoutMs`.
 */
export async function waitUntil<T>(
  description: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = WAIT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A temp dir with a SQLite file, and a client `Heed` on it that never calls `start()`. */
export class Sandbox {
  readonly dir = mkdtempSync(join(tmpdir(), 'heed-crash-'));
  readonly dbPath = join(this.dir, 'heed.db');
  /** Reads runs, sends messages and emits events; executes nothing. */
  readonly client = new Heed({ store: new SqliteStore(this.dbPath) });

  /** Spawns a worker on the sandbox's database and waits for its `READY` line. */
  async spawnWorker(flags: readonly string[] = []): Promise<WorkerProcess> {
    const worker = new WorkerProcess(this.dbPath, this.dir, flags);
    await worker.waitForLine('READY');
    return worker;
  }

  /** The run as the client sees it now; fails if it does not exist. */
  async run(runId: string): Promise<RunDetail> {
    const run = await this.client.runs.get(runId);
    if (!run) throw new Error(`run ${runId} does not exist`);
    return run;
  }

  /** Waits until the run has `status` (as read from the store by the client). */
  waitForStatus(runId: string, status: RunStatus): Promise<RunDetail> {
    return waitUntil(`run ${runId} to be ${status}`, async () => {
      const run = await this.client.runs.get(runId);
      return run?.status === status ? run : undefined;
    });
  }

  /** The names of the steps recorded in the run's history, in order. */
  async recordedSteps(runId: string): Promise<string[]> {
    return (await this.run(runId)).history.filter((h) => h.kind === 'step' && !h.failed).map((h) => h.name);
  }

  /** Waits for the run to end through a `RunHandle` of the client and returns its output. */
  result<O>(runId: string): Promise<O> {
    return this.client.handle<O>(runId).result({ timeout: WAIT_MS });
  }

  /** Kills remaining workers, closes the client and deletes the temp dir. */
  async dispose(): Promise<void> {
    await killAllWorkers();
    await this.client.stop({ grace: 0 });
    rmSync(this.dir, { recursive: true, force: true });
  }
}
