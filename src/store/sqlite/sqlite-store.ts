import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ClosedError, StoreCorruptError, StoreReadOnlyError } from '../../errors.ts';
import { type Changes, LocalChanges } from '../changes.ts';
import type { ResumeOptions } from '../engine-store.ts';
import type { DeliveryRecord, DeliveryWrite, OutboxRecord } from '../delivery-store.ts';
import type {
  Claim,
  ClaimRequest,
  Completion,
  JsonText,
  Lease,
  NewMessage,
  NewRun,
  Operation,
  Page,
  Run,
  RunEvent,
  RunQuery,
  StatusEntry,
  Store,
  Wait,
  WaitOutcome,
  WaitRequest,
} from '../store.ts';
import type {
  AuditEntry,
  InboxFilter,
  NewTask,
  TaskAsk,
  TaskQuery,
  TaskRecord,
  TaskStore,
  TaskUpdate,
} from '../task-store.ts';
import { toClaims, toRun } from '../rows.ts';
import type { Write, WriteResult } from '../writes.ts';
import type { AwayLogEntry, AwayRecord } from '../away-store.ts';
import { applyWrite } from './apply-write.ts';
import * as away from './away.ts';
import { Database, type DatabaseOptions } from './database.ts';
import * as deliveries from './deliveries.ts';
import {
  type BackgroundCheck,
  fromProblems,
  type IntegrityCheckMode,
  type IntegrityReport,
  OPEN_CHECK_MAX_BYTES,
  startBackgroundCheck,
} from './integrity-check.ts';
import { migrate } from './migrations.ts';
import type { PruneBatch, PruneRequest } from '../retention-store.ts';
import { type PendingTaskCount, type RunCount, pendingTasksSql, UNFINISHED_RUNS_SQL } from '../stats-store.ts';
import * as retention from './retention.ts';
import * as standing from './standing.ts';
import type { StandingApprovalQuery, StandingApprovalRecord } from '../standing-store.ts';
import { selectHistory, selectHistoryRows } from './operations.ts';
import { appendRunEvent, selectRunEvents } from './run-events.ts';
import * as runs from './runs.ts';
import * as statuses from './statuses.ts';
import * as tasks from './tasks.ts';
import { deleteWaits, fireChildWaits, nextDeadline, resolveHeldWaits, selectWaits } from './waits.ts';

/**
 * `SqliteStore` options. `durability` defaults to `'full'`: a write is acknowledged (its promise
 * resolves, e.g. `heed.tasks.respond` returns) only once it is on disk and survives a power
 * failure; `'normal'` is the opt-in that trades the last commits on a power failure for cheaper
 * commits (see {@link DatabaseOptions.durability}). `busyTimeoutMs` defaults to 5 s.
 */
export interface SqliteStoreOptions extends Partial<Omit<DatabaseOptions, 'changes'>> {
  /** Where committed changes are announced (default: a new in-process {@link LocalChanges}). */
  changes?: Changes;
  /**
   * When the file is checked with `PRAGMA quick_check` (see {@link IntegrityCheckMode}): by
   * default at open up to 4 MiB, in the background beyond, so that the start does not grow with
   * the file. Damage found in the background is logged (`STORE_CORRUPT`, on stderr) and reported
   * by {@link SqliteStore.integrity} (and `GET /v1/health`); it is never silently skipped.
   */
  integrityCheck?: IntegrityCheckMode;
  /**
   * How long after open a background check starts (default 1 s): the first claims and resumes
   * of a restarted process come first. The store reports `checking` meanwhile.
   */
  integrityCheckDelayMs?: number;
  /** Where a background check's findings are told (default: `console.error` when damaged or failed). */
  onIntegrity?: (report: IntegrityReport) => void;
}

/**
 * The embedded store: one SQLite file through Node's built-in `node:sqlite`, in WAL mode, every
 * query prepared once. Each method is atomic (a savepoint); writes made in the same event-loop
 * turn share one commit (group commit) and each resolves only once that commit is durable: by
 * default (`durability: 'full'`) fsynced, so it survives a power failure; with `'normal'`, a
 * crash of the process only. The writes of `writes.ts` all go through one dispatch,
 * `applyWrite` (`apply-write.ts`).
 * Several processes may share the file (SQLite serializes writers); leases keep two workers off
 * the same run.
 *
 * `node:sqlite` is synchronous: each method does its work in one go on the calling thread, so
 * no two operations of this process ever interleave.
 */
export class SqliteStore implements Store, TaskStore {
  readonly path: string;
  /** In-process change notifications: this process's writes, announced after they commit. */
  readonly changes: Changes;
  readonly #options: DatabaseOptions;
  #db: Database | undefined;
  #closed = false;
  readonly #integrityMode: IntegrityCheckMode;
  readonly #integrityDelayMs: number;
  readonly #onIntegrity: (report: IntegrityReport) => void;
  #integrity: IntegrityReport | undefined;
  #check: BackgroundCheck | undefined;

  /** @param path the database file (created with its folder if missing), or `':memory:'`. */
  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.path = path;
    this.changes = options.changes ?? new LocalChanges();
    this.#options = {
      busyTimeoutMs: options.busyTimeoutMs ?? 5_000,
      // Full by default: an answer a person was told is recorded must survive a power failure
      // too. Group commit (one fsync per event-loop turn) keeps most of the throughput.
      durability: options.durability ?? 'full',
      changes: this.changes,
    };
    this.#integrityMode = options.integrityCheck ?? 'auto';
    this.#integrityDelayMs = options.integrityCheckDelayMs ?? 1_000;
    this.#onIntegrity = options.onIntegrity ?? reportIntegrity(path);
  }

  /**
   * What the file's integrity check found: `checking` while a background check runs, then `ok`,
   * `damaged` (with the problems) or `failed` (the check could not run); `undefined` before
   * `init`. See {@link SqliteStoreOptions.integrityCheck}.
   */
  integrity(): IntegrityReport | undefined {
    return this.#integrity;
  }

  /** Resolves with the integrity check's final report once it has finished (at once if it has). */
  async integrityChecked(): Promise<IntegrityReport | undefined> {
    return this.#check ? this.#check.done : this.#integrity;
  }

  /** When a commit is acknowledged: `full` (default, survives power loss) or `normal` (see {@link SqliteStoreOptions}). */
  get durability(): 'normal' | 'full' {
    return this.#options.durability;
  }

  /**
   * Opens the file and migrates it.
   * @throws StoreCorruptError (not a database, damaged: PRAGMA quick_check), StoreReadOnlyError, StoreLockedError,
   *   StoreVersionError
   */
  async init(): Promise<void> {
    if (this.#closed) throw new ClosedError(`The SQLite store ${this.path} is closed`);
    if (this.#db) return;
    if (this.path !== ':memory:' && !this.path.startsWith('file:')) {
      try {
        mkdirSync(dirname(this.path), { recursive: true });
      } catch (error) {
        throw new StoreReadOnlyError(
          `Cannot create the folder of ${this.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
          { cause: error },
        );
      }
    }
    const db = new Database(this.path, this.#options);
    try {
      this.#checkIntegrity(db);
      migrate(db);
    } catch (error) {
      db.close();
      this.#check?.stop();
      throw error;
    }
    this.#db = db;
  }

  /**
   * Checks the file at open (a damaged file is refused: STORE_CORRUPT) or starts the background
   * check, per {@link SqliteStoreOptions.integrityCheck}.
   * @throws StoreCorruptError when checked at open and damaged
   */
  #checkIntegrity(db: Database): void {
    const memory = this.path === ':memory:' || this.path.includes('mode=memory');
    const atOpen =
      memory ||
      this.#integrityMode === 'open' ||
      (this.#integrityMode === 'auto' && db.sizeBytes() <= OPEN_CHECK_MAX_BYTES);
    if (atOpen) {
      this.#integrity = fromProblems(db.quickCheck(), 'open');
      if (this.#integrity.state !== 'ok') {
        throw new StoreCorruptError(
          `${this.path} failed its integrity check (PRAGMA quick_check): ${this.#integrity.problems.join('; ')}. Restore it from a backup.`,
        );
      }
      return;
    }
    this.#integrity = { state: 'checking', problems: [], mode: 'background' };
    const check = startBackgroundCheck(this.path, this.#options.busyTimeoutMs, this.#integrityDelayMs);
    this.#check = check;
    void check.done.then((report) => {
      if (this.#closed) return;
      this.#integrity = report;
      this.#onIntegrity(report);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#check?.stop();
    this.#db?.close();
    this.#db = undefined;
  }

  async createRun(run: NewRun, now: number): Promise<{ run: Run; created: boolean }> {
    return this.#write({ kind: 'createRun', run, now });
  }

  async getRun(id: string): Promise<Run | undefined> {
    const db = this.#open();
    const row = db.read(() => runs.selectRun(db, id));
    return row && toRun(row);
  }

  async listRuns(query: RunQuery): Promise<Page<Run>> {
    const db = this.#open();
    return db.read(() => runs.listRuns(db, query));
  }

  async loadHistory(runId: string): Promise<Operation[]> {
    const db = this.#open();
    return db.read(() => selectHistory(db, runId));
  }

  async listWaits(runId: string): Promise<Wait[]> {
    const db = this.#open();
    return db.read(() => selectWaits(db, runId));
  }

  async claimRuns(request: ClaimRequest): Promise<Claim[]> {
    const db = this.#open();
    return db.write(() => {
      // Failed like any run end: its `run.failed` event ends its streams and reaches webhooks.
      for (const { id: runId, error } of runs.failExhaustedRecoveries(db, request)) {
        appendRunEvent(db, runId, 'run.failed', { error: JSON.parse(error) }, request.now);
        deleteWaits(db, runId);
        for (const parent of fireChildWaits(db, runId)) runs.wakeRun(db, parent, request.now);
      }
      // A woken run's waits that hold are resolved here, in the claim's commit (as PostgreSQL's
      // claim does): its replay finds them in its history, so the resume waits for no commit of
      // its own (`awaitWait`) before the workflow code goes on.
      return toClaims(
        runs.claimRuns(db, request).map((row) => {
          resolveHeldWaits(db, row.id, request.now);
          return {
            row,
            history: selectHistoryRows(db, row.id),
            lastWaitSeq:
              db.get<{ seq: number | null }>('SELECT max(seq) AS seq FROM waits WHERE run_id = ?', row.id)?.seq ?? null,
          };
        }),
      );
    });
  }

  async renewLeases(leases: readonly Lease[], now: number, leaseMs: number): Promise<void> {
    const db = this.#open();
    await db.write(() => runs.renewLeases(db, leases, now, leaseMs));
  }

  async leaseOwners(): Promise<string[]> {
    const db = this.#open();
    return db.read(() =>
      db
        .all<{ owner: string }>(
          "SELECT DISTINCT lease_owner AS owner FROM runs INDEXED BY runs_leased WHERE status = 'running' AND lease_owner IS NOT NULL",
        )
        .map((r) => r.owner),
    );
  }

  async expireLeases(owner: string, now: number): Promise<number> {
    const db = this.#open();
    return db.write(() =>
      db.run(
        "UPDATE runs SET lease_expires_at = ? WHERE lease_owner = ? AND status = 'running' AND lease_expires_at >= ?",
        now - 1,
        owner,
        now,
      ),
    );
  }

  async releaseRun(lease: Lease, now: number): Promise<void> {
    await this.#write({ kind: 'releaseRun', lease, now });
  }

  async recordOperation(lease: Lease, operation: Omit<Operation, 'createdAt' | 'ord'>, now: number): Promise<void> {
    await this.#write({ kind: 'recordOperation', lease, operation, now });
  }

  async publishStatus(lease: Lease, seq: number, key: string, value: JsonText, now: number): Promise<StatusEntry> {
    return this.#write({ kind: 'publishStatus', lease, seq, key, value, now });
  }

  async startChild(lease: Lease, seq: number, name: string, child: NewRun, now: number): Promise<Run> {
    return this.#write({ kind: 'startChild', lease, seq, name, child, now });
  }

  async awaitWait(lease: Lease, request: WaitRequest, now: number): Promise<WaitOutcome> {
    return this.#write({ kind: 'awaitWait', lease, request, now });
  }

  async suspendRun(lease: Lease, now: number): Promise<'waiting' | 'pending'> {
    return this.#write({ kind: 'suspendRun', lease, now });
  }

  async completeRun(lease: Lease, completion: Completion, now: number): Promise<void> {
    await this.#write({ kind: 'completeRun', lease, completion, now });
  }

  async sendMessage(message: NewMessage, now: number): Promise<{ duplicate: boolean; woke: boolean }> {
    return this.#write({ kind: 'sendMessage', message, now });
  }

  async emitEvent(name: string, data: JsonText, now: number): Promise<{ eventId: number; woken: number }> {
    return this.#write({ kind: 'emitEvent', name, data, now });
  }

  async fireDueTimers(now: number, limit: number): Promise<number> {
    return this.#write({ kind: 'fireDueTimers', now, limit });
  }

  async nextTimerDue(): Promise<number | null> {
    const db = this.#open();
    return db.read(() => nextDeadline(db));
  }

  async cancelRun(id: string, now: number): Promise<string[]> {
    return this.#write({ kind: 'cancelRun', runId: id, now });
  }

  async blockRun(lease: Lease, error: string, now: number): Promise<void> {
    return this.#write({ kind: 'blockRun', lease, error, now });
  }

  async resumeRun(id: string, now: number, options: ResumeOptions = {}): Promise<Run> {
    return this.#write({ kind: 'resumeRun', runId: id, now, ...options });
  }

  async getStatus(runId: string, key: string): Promise<StatusEntry | undefined> {
    const db = this.#open();
    return db.read(() => statuses.latestStatus(db, runId, key));
  }

  async statusHistory(runId: string, key?: string): Promise<StatusEntry[]> {
    const db = this.#open();
    return db.read(() => statuses.statusHistory(db, runId, key));
  }

  async getSetting(key: string): Promise<string | undefined> {
    const db = this.#open();
    return db.read(() => db.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', key)?.value);
  }

  async setSetting(key: string, value: string): Promise<void> {
    const db = this.#open();
    await db.write(() =>
      db.run(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
        key,
        value,
      ),
    );
  }

  async setSettingOnce(key: string, value: string): Promise<string> {
    const db = this.#open();
    // One write: the insert and the read back hold the file's write lock together.
    return db.write(() => {
      db.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', key, value);
      return (db.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', key) as { value: string }).value;
    });
  }

  async lastRunEventId(): Promise<number> {
    const db = this.#open();
    return db.read(() => db.get<{ id: number | null }>('SELECT MAX(id) AS id FROM run_events')?.id ?? 0);
  }

  async runEvents(after: number, limit: number, runId?: string): Promise<RunEvent[]> {
    const db = this.#open();
    return db.read(() => selectRunEvents(db, after, limit, runId));
  }

  async appendProgress(lease: Lease, data: JsonText, now: number): Promise<boolean> {
    return this.#write({ kind: 'appendProgress', lease, data, now });
  }

  async statusChanges(after: number, limit: number, runId?: string): Promise<StatusEntry[]> {
    const db = this.#open();
    return db.read(() => statuses.statusChanges(db, after, limit, runId));
  }

  // ── human tasks ───────────────────────────────────────────────────────────────────────────

  async createTask(
    task: NewTask,
    run: NewRun,
    audit: readonly AuditEntry[],
    now: number,
  ): Promise<{ task: TaskRecord; created: boolean }> {
    return this.#write({ kind: 'createTask', task, run, audit, now });
  }

  async askTask(lease: Lease, ask: TaskAsk, now: number): Promise<WaitOutcome> {
    return this.#write({ kind: 'askTask', lease, ...ask, now });
  }

  async getTask(id: string): Promise<TaskRecord | undefined> {
    const db = this.#open();
    return db.read(() => tasks.selectTask(db, id));
  }

  async listTasks(query: TaskQuery) {
    const db = this.#open();
    return db.read(() => tasks.listTasks(db, query));
  }

  async inbox(principals: readonly string[], query: InboxFilter) {
    const db = this.#open();
    return db.read(() => tasks.inbox(db, principals, query));
  }

  async applyTaskUpdate(id: string, expectedVersion: number, update: TaskUpdate, now: number): Promise<boolean> {
    return this.#write({ kind: 'updateTask', taskId: id, expectedVersion, update, now });
  }

  async tasksOfRuns(runIds: readonly string[]): Promise<TaskRecord[]> {
    const db = this.#open();
    return db.read(() => tasks.selectTasksOfRuns(db, runIds));
  }

  async unsettledCancelledTasks(limit: number, after = ''): Promise<TaskRecord[]> {
    const db = this.#open();
    return db.read(() => tasks.selectUnsettledCancelled(db, limit, after));
  }

  async taskAudit(id: string): Promise<AuditEntry[]> {
    const db = this.#open();
    return db.read(() => tasks.selectAudit(db, id));
  }

  async useLink(nonce: string, taskId: string, now: number): Promise<boolean> {
    const db = this.#open();
    return db.write(
      () =>
        db.run(
          'INSERT INTO used_links (nonce, task_id, used_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
          nonce,
          taskId,
          now,
        ) === 1,
    );
  }

  async tasksVersion(): Promise<string> {
    const db = this.#open();
    return db.read(() => {
      // A counter bumped by triggers in every task write's transaction (migration 7).
      const row = db.get<{ n: number }>('SELECT n FROM task_changes WHERE id = 1');
      return String(row?.n ?? 0);
    });
  }

  async linkUsed(nonce: string): Promise<boolean> {
    const db = this.#open();
    return db.read(() => !!db.get('SELECT 1 AS used FROM used_links WHERE nonce = ?', nonce));
  }

  async hasDelivery(key: string): Promise<boolean> {
    const db = this.#open();
    return db.read(() => deliveries.hasDelivery(db, key));
  }

  async putDelivery(delivery: DeliveryWrite, now: number): Promise<void> {
    const db = this.#open();
    await db.write(() => deliveries.upsertDelivery(db, delivery, now));
  }

  async getDelivery(key: string): Promise<DeliveryRecord | undefined> {
    const db = this.#open();
    return db.read(() => deliveries.selectDelivery(db, key));
  }

  async taskDeliveries(taskId: string): Promise<DeliveryRecord[]> {
    const db = this.#open();
    return db.read(() => deliveries.selectTaskDeliveries(db, taskId));
  }

  async putOutbox(message: Omit<OutboxRecord, 'createdAt' | 'updatedAt'>, now: number): Promise<void> {
    const db = this.#open();
    await db.write(() => deliveries.upsertOutbox(db, message, now));
  }

  async getOutbox(id: string): Promise<OutboxRecord | undefined> {
    const db = this.#open();
    return db.read(() => deliveries.selectOutbox(db, id));
  }

  async listOutbox(limit: number): Promise<OutboxRecord[]> {
    const db = this.#open();
    return db.read(() => deliveries.listOutbox(db, Math.max(1, Math.min(limit, 500))));
  }

  // ── counts for metrics (see stats-store.ts) ─────────────────────────────────────────────────

  // ── away and delegates (see away.ts) ─────────────────────────────────────────────────────────

  async putAway(record: AwayRecord): Promise<void> {
    const db = this.#open();
    await db.write(() => away.putAway(db, record));
  }

  async getAway(principal: string): Promise<AwayRecord | undefined> {
    const db = this.#open();
    return db.read(() => away.getAway(db, principal));
  }

  async clearAway(principal: string, actor: string, now: number): Promise<AwayRecord | undefined> {
    const db = this.#open();
    return db.write(() => away.clearAway(db, principal, actor, now));
  }

  async awayLog(principal: string, limit: number): Promise<AwayLogEntry[]> {
    const db = this.#open();
    return db.read(() => away.awayLog(db, principal, limit));
  }

  async unfinishedRuns(): Promise<RunCount[]> {
    const db = this.#open();
    return db.read(() => db.all<RunCount>(UNFINISHED_RUNS_SQL));
  }

  async pendingTasks(now: number): Promise<PendingTaskCount[]> {
    const db = this.#open();
    return db.read(() => db.all<PendingTaskCount>(pendingTasksSql('?'), now));
  }

  // ── standing approvals (see standing.ts) ───────────────────────────────────────────────────

  async insertStandingApproval(record: StandingApprovalRecord): Promise<void> {
    const db = this.#open();
    return db.write(() => standing.insert(db, record));
  }

  async getStandingApproval(id: string): Promise<StandingApprovalRecord | undefined> {
    const db = this.#open();
    return db.read(() => standing.get(db, id));
  }

  async listStandingApprovals(query: StandingApprovalQuery): Promise<StandingApprovalRecord[]> {
    const db = this.#open();
    return db.read(() => standing.list(db, query));
  }

  async revokeStandingApproval(id: string, by: string, at: number): Promise<boolean> {
    const db = this.#open();
    return db.write(() => standing.revoke(db, id, by, at));
  }

  // ── retention (see retention.ts: one small write per batch) ────────────────────────────────

  async pruneRuns(request: PruneRequest): Promise<PruneBatch> {
    const db = this.#open();
    return db.write(() => retention.pruneRuns(db, request));
  }

  async pruneProgress(request: PruneRequest): Promise<PruneBatch> {
    const db = this.#open();
    return db.write(() => retention.pruneProgress(db, request));
  }

  async pruneDeliveries(request: PruneRequest): Promise<PruneBatch> {
    const db = this.#open();
    return db.write(() => retention.pruneDeliveries(db, request));
  }

  async pruneTasks(request: PruneRequest): Promise<PruneBatch> {
    const db = this.#open();
    return db.write(() => retention.pruneTasks(db, request));
  }

  /**
   * One write of `writes.ts`, applied by `applyWrite` in a savepoint of the open group commit:
   * resolves once that commit is durable (see `Database.write`).
   */
  #write<W extends Write>(write: W): Promise<WriteResult<W>> {
    const db = this.#open();
    return db.write(() => applyWrite(db, write));
  }

  #open(): Database {
    if (!this.#db) {
      throw new ClosedError(
        this.#closed ? `The SQLite store ${this.path} is closed` : 'The store is not initialized: call init() first',
      );
    }
    return this.#db;
  }
}

/** The default {@link SqliteStoreOptions.onIntegrity}: damage and failures go to stderr. */
function reportIntegrity(path: string): (report: IntegrityReport) => void {
  return (report) => {
    if (report.state === 'damaged') {
      console.error(
        `[heed] STORE_CORRUPT: ${path} failed its integrity check (PRAGMA quick_check, in the background): ${report.problems.join('; ')}. Restore it from a backup.`,
      );
    } else if (report.state === 'failed') {
      console.error(`[heed] the integrity check of ${path} could not run: ${report.problems.join('; ')}`);
    }
  };
}
