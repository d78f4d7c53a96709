import { ClosedError, InvalidArgumentError, LeaseLostError, RunNotFoundError, RunStateError } from '../../errors.ts';
import { type Changes, LocalChanges } from '../changes.ts';
import type { ResumeOptions } from '../engine-store.ts';
import type { DeliveryRecord, DeliveryWrite, OutboxRecord } from '../delivery-store.ts';
import { pageLimit } from '../page-cursor.ts';
import { toRun } from '../rows.ts';
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
  StoreWakeListener,
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
import { recordMismatch, waitMismatch } from '../wait-rules.ts';
import { type BatchAnswer, type BatchedWrite, WriteBatcher } from './batch.ts';
import * as deliveries from './deliveries.ts';
import { attachEvent, insertEvent, keysForEvent, lockEventName, runsMatching } from './events.ts';
import * as feeds from './feeds.ts';
import { returnMessagesFrom } from './mailbox.ts';
import { migrate } from './migrations.ts';
import { Notifications } from './notifications.ts';
import type { PruneBatch, PruneRequest } from '../retention-store.ts';
import { type PendingTaskCount, type RunCount, pendingTasksSql, UNFINISHED_RUNS_SQL } from '../stats-store.ts';
import type { AwayLogEntry, AwayRecord } from '../away-store.ts';
import * as away from './away.ts';
import { redactUrl } from './redact-url.ts';
import * as retention from './retention.ts';
import * as standing from './standing.ts';
import type { StandingApprovalQuery, StandingApprovalRecord } from '../standing-store.ts';
import { deleteOperationsFrom, insertOperation, selectHistory } from './operations.ts';
import * as runs from './runs.ts';
import { Database, type Sql } from './sql.ts';
import { writeNewTask, writeTaskUpdate } from './task-writes.ts';
import * as tasks from './tasks.ts';
import * as waits from './waits.ts';

export interface PostgresStoreOptions {
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /**
   * Whose clock leases run on. `database` (default): the server's, so workers on machines whose
   * clocks disagree never take each other's runs early. `engine`: the `now` the engine passes
   * (tests with a virtual clock).
   */
  leaseClock?: 'database' | 'engine';
  /** How long calls keep retrying while the server is unreachable (default 30 s). */
  unavailableTimeoutMs?: number;
  /** Push wake-ups with LISTEN/NOTIFY (default true). */
  listen?: boolean;
  /**
   * How often the LISTEN connection is checked with a cheap query, and how long a check may take
   * (default 30 s). A connection that fails its check, or died silently (TCP keepalive also
   * watches it), is replaced and LISTENs again; until then other processes' changes arrive by
   * the engine's fallback poll only.
   */
  listenCheckMs?: number;
  /**
   * The schema for Heed's tables (created if missing; default `public`). Several Heed
   * deployments can share one database in different schemas. Letters, digits and `_` only.
   */
  schema?: string;
}

/**
 * The networked store: PostgreSQL through `pg`, for many workers in many processes and
 * machines sharing one database. Each method is one transaction; the hot paths are one statement:
 * claims (`heed_claim`), and the writes of many runs made at once (the hot kinds of `writes.ts`),
 * group-committed in one statement and one commit (`heed_apply`, see `batch.ts` and
 * `sql/heed_apply.sql`), each fenced on its own. The other writes of `writes.ts` are applied here,
 * each in a transaction of its own. Concurrency contract, under READ COMMITTED:
 *
 * - Every write about a run takes that run's row lock first (`SELECT … FOR UPDATE`, or an
 *   `UPDATE` of the row), so a message, an event, a timer or a child's end can never slip between
 *   a run's check of its wait and its suspension. Locks are taken in one order: event name, then
 *   children before parents, then runs (sorted by id) before their wait rows. Starting a child
 *   locks its parent first, so a run's set of children cannot change while its row is held; a
 *   cancel locks the whole tree deepest first and starts over if the tree grew meanwhile (see
 *   `cancelRun`). (A group-commit batch locks the runs it writes about by id alone: a parent sorts
 *   before its `parent:seq` children; a deadlock this rare mix can cause is retried.)
 * - `ord` comes from a counter on the locked run row; audit sequence numbers from the locked task row.
 * - Leases are on the database's clock and fenced by a token; claims use `FOR UPDATE SKIP LOCKED`.
 * - Feeds never skip a late commit: run events get their feed position only once committed (a
 *   sequencer under a lock), statuses are numbered under a lock held until commit.
 * - Runnable runs, new timers and feed entries are announced with NOTIFY on commit.
 */
export class PostgresStore implements Store, TaskStore {
  /** The connection URL, password included: private, never printed (see {@link redactedUrl}). */
  readonly #url: string;
  /**
   * Committed run events and task changes: this process's writes at once, after they commit;
   * every other process's through LISTEN/NOTIFY (from the first subscription on). Hints only: a
   * change may be heard twice.
   */
  readonly changes: Changes;
  readonly #localChanges = new LocalChanges();
  #changesListening = false;
  readonly #options: Required<PostgresStoreOptions>;
  #db: Database | undefined;
  #ready: Promise<void> | undefined;
  #notifications: Notifications | undefined;
  #closed = false;
  readonly #batcher = new WriteBatcher(() => this.#open());

  constructor(url: string, options: PostgresStoreOptions = {}) {
    this.#url = url;
    this.#options = {
      poolSize: options.poolSize ?? 10,
      leaseClock: options.leaseClock ?? 'database',
      unavailableTimeoutMs: options.unavailableTimeoutMs ?? 30_000,
      listen: options.listen ?? true,
      listenCheckMs: options.listenCheckMs ?? 30_000,
      schema: options.schema ?? 'public',
    };
    this.changes = {
      publish: (change) => this.#localChanges.publish(change),
      subscribe: (listener) => {
        this.#listenForChanges();
        return this.#localChanges.subscribe(listener);
      },
    };
    if (!Number.isFinite(this.#options.listenCheckMs) || this.#options.listenCheckMs < 1) {
      throw new InvalidArgumentError(`listenCheckMs must be a positive number, got ${this.#options.listenCheckMs}`);
    }
    if (!/^[a-z_][a-z0-9_]*$/.test(this.#options.schema)) {
      throw new InvalidArgumentError(`schema must be lowercase letters, digits and _, got "${this.#options.schema}"`);
    }
  }

  /**
   * What this store sent to PostgreSQL since it opened: statements (round trips), transactions
   * (commits), and the batches of writes with how many writes they carried. For profiles and
   * tests; counters only grow.
   */
  stats(): { statements: number; transactions: number; batches: number; batchedWrites: number } {
    const db = this.#db?.stats ?? { statements: 0, transactions: 0 };
    const batches = this.#batcher.stats;
    return { ...db, batches: batches.batches, batchedWrites: batches.writes };
  }

  /** The connection URL with its password masked (`postgres://heed:***@host/db`), for messages. */
  get redactedUrl(): string {
    return redactUrl(this.#url);
  }

  /** The schema holding Heed's tables. */
  get schema(): string {
    return this.#options.schema;
  }

  /**
   * Connects and applies pending migrations. Idempotent.
   * @throws StoreVersionError, StoreUnavailableError
   */
  init(): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('The PostgreSQL store is closed'));
    this.#ready ??= (async () => {
      const db = new Database(this.#url, {
        poolSize: this.#options.poolSize,
        unavailableTimeoutMs: this.#options.unavailableTimeoutMs,
        schema: this.#options.schema,
        // This process's own writes are announced at once; other processes' through LISTEN.
        onCommit: (changes) => {
          for (const change of changes) this.#localChanges.publish(change);
        },
      });
      try {
        await migrate(db, this.#options.schema);
      } catch (error) {
        await db.close();
        this.#ready = undefined;
        throw error;
      }
      this.#db = db;
      if (this.#options.listen) {
        this.#notifications = new Notifications(this.#url, this.#options.schema, this.#options.listenCheckMs);
      }
    })();
    return this.#ready;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#ready?.catch(() => {});
    await this.#notifications?.close();
    await this.#db?.close();
  }

  /**
   * Calls `listener` when another process (or this one) made a run runnable (`run`), registered
   * a timer (`timer`), or appended to a feed (`feed`, with the run id). Pushed by LISTEN/NOTIFY on
   * a dedicated connection that reconnects by itself; `reconnected` tells that announcements may
   * have been missed meanwhile (poll once).
   */
  onWake(listener: StoreWakeListener): () => void {
    if (!this.#notifications) return () => {};
    return this.#notifications.subscribe(listener);
  }

  /** Relays feed notifications to `changes` subscribers (once, from the first subscription on). */
  #listenForChanges(): void {
    if (this.#changesListening) return;
    this.#changesListening = true;
    void this.init()
      .then(() =>
        this.onWake((wake) => {
          if (wake.kind === 'feed') this.#localChanges.publish({ kind: 'run-event', runId: wake.runId });
          if (wake.kind === 'task') this.#localChanges.publish({ kind: 'task', taskId: wake.taskId });
        }),
      )
      .catch(() => {
        this.#changesListening = false;
      });
  }

  // ── runs ────────────────────────────────────────────────────────────────────────────────────

  async createRun(run: NewRun, now: number): Promise<{ run: Run; created: boolean }> {
    const answer = await this.#apply({ kind: 'createRun', run, now });
    return { run: toRun(answer.run), created: answer.created };
  }

  async getRun(id: string): Promise<Run | undefined> {
    const row = await this.#auto((sql) => runs.selectRun(sql, id));
    return row && runs.toRun(row);
  }

  async listRuns(query: RunQuery): Promise<Page<Run>> {
    const limit = pageLimit(query.limit);
    return this.#auto((sql) => runs.listRuns(sql, query, limit));
  }

  async loadHistory(runId: string): Promise<Operation[]> {
    return this.#auto((sql) => selectHistory(sql, runId));
  }

  async listWaits(runId: string): Promise<Wait[]> {
    return this.#auto((sql) => waits.selectWaits(sql, runId));
  }

  async claimRuns(request: ClaimRequest): Promise<Claim[]> {
    // One statement: fails runs out of recoveries, claims, resolves the claimed runs' waits that
    // hold already, and returns each claimed run with its history.
    const { claims, failed } = await this.#auto((sql) => runs.claimRuns(sql, request, this.#leaseNow(request.now)));
    for (const runId of failed) this.#localChanges.publish({ kind: 'run-event', runId });
    return claims;
  }

  async renewLeases(leases: readonly Lease[], now: number, leaseMs: number): Promise<void> {
    if (leases.length === 0) return;
    await this.#auto((sql) => runs.renewLeases(sql, leases, this.#leaseNow(now), leaseMs));
  }

  async heartbeat(owner: string, leases: readonly Lease[], now: number, leaseMs: number): Promise<void> {
    const leaseNow = this.#leaseNow(now);
    await this.#auto(async (sql) => {
      await runs.beat(sql, owner, leaseNow);
      if (leases.length > 0) await runs.renewLeases(sql, leases, leaseNow, leaseMs);
    });
  }

  async reapDeadWorkers(staleMs: number, now: number): Promise<number> {
    return this.#tx((sql) => runs.reapDeadWorkers(sql, staleMs, this.#leaseNow(now)));
  }

  async retireWorker(owner: string): Promise<void> {
    await this.#auto((sql) => sql.run('DELETE FROM workers WHERE id = $1', [owner]));
  }

  async leaseOwners(): Promise<string[]> {
    return this.#auto((sql) => runs.leaseOwners(sql));
  }

  async expireLeases(owner: string, now: number): Promise<number> {
    return this.#auto((sql) => runs.expireLeases(sql, owner, this.#leaseNow(now)));
  }

  async releaseRun(lease: Lease, now: number): Promise<void> {
    const released = await this.#apply({ kind: 'releaseRun', lease, now });
    if (released === null) throw new LeaseLostError(lease.runId);
  }

  // ── executing a run (fenced) ──────────────────────────────────────────────────────────────

  async recordOperation(lease: Lease, operation: Omit<Operation, 'createdAt' | 'ord'>, now: number): Promise<void> {
    // Batched with other runs' writes: the run's row is updated only under the lease, which
    // numbers the record from its counter; a record already at `seq` means another execution
    // got there first.
    const ord = await this.#apply({ kind: 'recordOperation', lease, operation, now });
    if (ord === null) throw new LeaseLostError(lease.runId);
  }

  async publishStatus(lease: Lease, seq: number, key: string, value: JsonText, now: number): Promise<StatusEntry> {
    return this.#txOfRun(lease, async (sql) => {
      await feeds.lockStatusFeed(sql);
      await runs.lockLease(sql, lease);
      await insertOperation(sql, lease, { seq, kind: 'status', name: key, output: null, error: null }, now);
      await feeds.appendRunEvent(
        sql,
        lease.runId,
        'status',
        { key, value: value === null ? null : JSON.parse(value) },
        now,
      );
      return feeds.insertStatus(sql, lease.runId, key, value, now);
    });
  }

  async startChild(lease: Lease, seq: number, name: string, child: NewRun, now: number): Promise<Run> {
    return this.#txOfRun(lease, async (sql) => {
      await runs.lockLease(sql, lease);
      if (!(await runs.insertRun(sql, { ...child, parentId: lease.runId }, now))) {
        const existing = (await runs.selectRun(sql, child.id)) as runs.RunRow;
        if (existing.workflow !== child.workflow || existing.parent_id !== lease.runId) {
          throw new RunStateError(
            `Cannot start child "${child.id}" of workflow "${child.workflow}": that id belongs to a run of workflow "${existing.workflow}"${existing.parent_id === lease.runId ? '' : ' that is not a child of this run'}`,
          );
        }
      }
      await insertOperation(
        sql,
        lease,
        { seq, kind: 'start', name, output: JSON.stringify(child.id), error: null },
        now,
      );
      return runs.toRun((await runs.selectRun(sql, child.id)) as runs.RunRow);
    });
  }

  async awaitWait(lease: Lease, request: WaitRequest, now: number): Promise<WaitOutcome> {
    if (request.kind === 'recv' || request.kind === 'sleep') return this.#awaitBatched(lease, request, now);
    return this.#txOfRun(lease, async (sql) => {
      // Lock order: the event name, the child (before its parent), then this run.
      if (request.kind === 'event') await lockEventName(sql, request.eventName, 'wait');
      if (request.kind === 'child') await sql.run('SELECT 1 FROM runs WHERE id = $1 FOR SHARE', [request.childId]);
      await runs.lockLease(sql, lease);
      return waits.resolveOrRegister(sql, lease, request, now);
    });
  }

  /**
   * A `recv` or `sleep` wait, resolved or registered in one batched write (`heed_await_waits`:
   * the run's row lock and the lease check are the batch's); event and child waits take other
   * locks first and keep their own transaction.
   */
  async #awaitBatched(
    lease: Lease,
    request: Extract<WaitRequest, { kind: 'recv' | 'sleep' }>,
    now: number,
  ): Promise<WaitOutcome> {
    const answer = await this.#apply({ kind: 'awaitWait', lease, request, now });
    if (answer === null) throw new LeaseLostError(lease.runId);
    if (answer.state === 'waiting') return { state: 'waiting', deadline: answer.deadline };
    if (answer.state === 'mismatch') {
      const error =
        'recorded' in answer
          ? recordMismatch(lease.runId, request, answer.recorded)
          : waitMismatch(lease.runId, request, answer.registered);
      throw (
        error ?? new RunStateError(`Run "${lease.runId}": the wait at position ${request.seq} could not be matched`)
      );
    }
    return {
      state: 'ready',
      operation: {
        seq: request.seq,
        ord: answer.ord,
        kind: request.kind,
        name: request.name,
        output: answer.output,
        error: null,
        createdAt: answer.at,
      },
    };
  }

  async suspendRun(lease: Lease, now: number): Promise<'waiting' | 'pending'> {
    const status = await this.#apply({ kind: 'suspendRun', lease, now });
    if (status === null) throw new LeaseLostError(lease.runId);
    return status;
  }

  async completeRun(lease: Lease, completion: Completion, now: number): Promise<void> {
    const done = await this.#apply({ kind: 'completeRun', lease, completion, now });
    if (done === null) throw new LeaseLostError(lease.runId);
    this.#localChanges.publish({ kind: 'run-event', runId: lease.runId });
  }

  // ── from outside ──────────────────────────────────────────────────────────────────────────

  async sendMessage(message: NewMessage, now: number): Promise<{ duplicate: boolean; woke: boolean }> {
    const answer = await this.#apply({ kind: 'sendMessage', message, now });
    if ('missing' in answer) throw new RunNotFoundError(message.runId);
    return { duplicate: answer.duplicate, woke: answer.woke };
  }

  async emitEvent(name: string, data: JsonText, now: number): Promise<{ eventId: number; woken: number }> {
    return this.#tx(async (sql) => {
      await lockEventName(sql, name, 'emit');
      const eventId = await insertEvent(sql, name, data, now);
      const keys = await keysForEvent(sql, name, data === null ? undefined : JSON.parse(data));
      const matched = await runsMatching(sql, name, keys);
      if (matched.length === 0) return { eventId, woken: 0 };
      await waits.lockRuns(sql, matched);
      const attached = await attachEvent(sql, eventId, name, keys);
      const woken = await runs.wakeRuns(sql, attached, now);
      return { eventId, woken };
    });
  }

  async fireDueTimers(now: number, limit: number): Promise<number> {
    return this.#tx((sql) => waits.fireDue(sql, now, limit));
  }

  async nextTimerDue(): Promise<number | null> {
    return this.#auto((sql) => waits.nextDeadline(sql));
  }

  /**
   * Locks the whole tree, children before parents (see `runs.lockLiveTree`), then cancels what is
   * live. A child started while the tree was being locked makes it start over in a new
   * transaction, so no lock is ever waited for out of order and no child is left running under a
   * cancelled parent. (Each start over is caused by a child start that committed: it ends unless
   * the tree keeps growing as fast as it is read.)
   */
  async cancelRun(id: string, now: number): Promise<string[]> {
    for (;;) {
      const cancelled = await this.#cancelTree(id, now);
      if (cancelled !== 'grew') return cancelled;
    }
  }

  #cancelTree(id: string, now: number): Promise<string[] | 'grew'> {
    return this.#tx(async (sql) => {
      const ids = await runs.lockLiveTree(sql, id);
      if (ids === 'not-found') throw new RunNotFoundError(id);
      if (ids === 'grew' || ids.length === 0) return ids;
      await runs.markCancelled(sql, ids, now);
      for (const runId of ids) await feeds.appendRunEvent(sql, runId, 'run.cancelled', null, now);
      await waits.deleteWaits(sql, ids);
      for (const runId of ids) await waits.fireChildWaits(sql, runId, now);
      await tasks.cancelTasksOfRuns(sql, ids, now);
      return ids;
    });
  }

  async blockRun(lease: Lease, error: string, now: number): Promise<void> {
    await this.#tx(async (sql) => {
      if (!(await runs.blockRun(sql, lease, error, now))) throw new LeaseLostError(lease.runId);
      await feeds.appendRunEvent(sql, lease.runId, 'run.blocked', { error: JSON.parse(error) }, now);
    });
  }

  async resumeRun(id: string, now: number, options: ResumeOptions = {}): Promise<Run> {
    return this.#tx(async (sql) => {
      const run = await runs.lockRun(sql, id);
      if (!run) throw new RunNotFoundError(id);
      if (run.status !== 'failed' && run.status !== 'cancelled' && run.status !== 'blocked') {
        throw new RunStateError(`Run "${id}" is ${run.status}; only failed, cancelled or blocked runs can be resumed`);
      }
      if (options.workflow !== undefined) await runs.setWorkflow(sql, id, options.workflow);
      await feeds.appendRunEvent(
        sql,
        id,
        'run.resumed',
        { by: options.by ?? null, from: run.status, workflow: options.workflow ?? run.workflow },
        now,
      );
      if (run.failed_seq !== null) {
        await deleteOperationsFrom(sql, id, run.failed_seq);
        await returnMessagesFrom(sql, id, run.failed_seq);
      }
      await runs.markResumed(sql, id, now);
      return runs.toRun((await runs.selectRun(sql, id)) as runs.RunRow);
    });
  }

  // ── status and feeds ──────────────────────────────────────────────────────────────────────

  async getStatus(runId: string, key: string): Promise<StatusEntry | undefined> {
    return this.#auto((sql) => feeds.latestStatus(sql, runId, key));
  }

  async statusHistory(runId: string, key?: string): Promise<StatusEntry[]> {
    return this.#auto((sql) => feeds.statusHistory(sql, runId, key));
  }

  async statusChanges(after: number, limit: number, runId?: string): Promise<StatusEntry[]> {
    return this.#auto((sql) => feeds.statusChanges(sql, after, limit, runId));
  }

  async getSetting(key: string): Promise<string | undefined> {
    const row = await this.#auto((sql) =>
      sql.one<{ value: string }>('SELECT value FROM settings WHERE key = $1', [key]),
    );
    return row?.value;
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.#auto((sql) =>
      sql.run(
        'INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
        [key, value],
      ),
    );
  }

  async setSettingOnce(key: string, value: string): Promise<string> {
    // Two statements, not one: a single statement reads under the snapshot taken when it began,
    // which cannot see the row of a concurrent insert that made this one's ON CONFLICT give way.
    // The SELECT after it is a new statement (READ COMMITTED): it sees the row that was kept.
    const kept = await this.#auto(async (sql) => {
      await sql.run('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, value]);
      return sql.one<{ value: string }>('SELECT value FROM settings WHERE key = $1', [key]);
    });
    if (!kept) throw new Error(`The setting "${key}" was kept but cannot be read back`);
    return kept.value;
  }

  async lastRunEventId(): Promise<number> {
    await this.#tx((sql) => feeds.sequenceRunEvents(sql));
    return this.#auto((sql) => feeds.lastRunEventPos(sql));
  }

  async runEvents(after: number, limit: number, runId?: string): Promise<RunEvent[]> {
    await this.#tx((sql) => feeds.sequenceRunEvents(sql));
    return this.#auto((sql) => feeds.selectRunEvents(sql, after, limit, runId));
  }

  async appendProgress(lease: Lease, data: JsonText, now: number): Promise<boolean> {
    return this.#tx(async (sql) => {
      const held = await sql.one(
        `SELECT 1 AS held FROM runs WHERE id = $1 AND lease_token = $2 AND status = 'running' FOR UPDATE`,
        [lease.runId, lease.token],
      );
      if (!held) return false;
      await feeds.appendRunEvent(sql, lease.runId, 'progress', data === null ? null : JSON.parse(data), now);
      return true;
    });
  }

  // ── human tasks ───────────────────────────────────────────────────────────────────────────

  async createTask(
    task: NewTask,
    run: NewRun,
    audit: readonly AuditEntry[],
    now: number,
  ): Promise<{ task: TaskRecord; created: boolean }> {
    return this.#tx((sql) => writeNewTask(sql, task, run, audit, now));
  }

  async askTask(lease: Lease, ask: TaskAsk, now: number): Promise<WaitOutcome> {
    // In its turn among the run's writes (see `#txOfRun`): two asks in flight keep their order.
    return this.#txOfRun(lease, async (sql) => {
      // Lock order as a child start: the asking run (the parent) first; the lifecycle run (the
      // child) is new in this transaction, so no one else can hold it.
      await runs.lockLease(sql, lease);
      const [first, ...rest] = ask.records;
      if (first) await insertOperation(sql, lease, first, now);
      const { created } = await writeNewTask(sql, ask.task, { ...ask.run, parentId: lease.runId }, ask.audit, now);
      if (!created) throw new RunStateError(`Cannot ask: the id of task "${ask.task.id}" is taken`);
      for (const record of rest) await insertOperation(sql, lease, record, now);
      return waits.resolveOrRegister(sql, lease, ask.wait, now);
    });
  }

  async getTask(id: string): Promise<TaskRecord | undefined> {
    return this.#auto((sql) => tasks.selectTask(sql, id));
  }

  async listTasks(query: TaskQuery): Promise<Page<TaskRecord>> {
    const limit = pageLimit(query.limit);
    return this.#auto((sql) => tasks.listTasks(sql, query, limit));
  }

  async inbox(principals: readonly string[], query: InboxFilter): Promise<Page<TaskRecord>> {
    const limit = pageLimit(query.limit);
    return this.#auto((sql) => tasks.inbox(sql, principals, query, limit));
  }

  async applyTaskUpdate(id: string, expectedVersion: number, update: TaskUpdate, now: number): Promise<boolean> {
    return this.#tx((sql) => writeTaskUpdate(sql, id, expectedVersion, update, now));
  }

  async tasksOfRuns(runIds: readonly string[]): Promise<TaskRecord[]> {
    return this.#auto((sql) => tasks.selectTasksOfRuns(sql, runIds));
  }

  async unsettledCancelledTasks(limit: number, after = ''): Promise<TaskRecord[]> {
    return this.#auto((sql) => tasks.selectUnsettledCancelled(sql, limit, after));
  }

  async taskAudit(id: string): Promise<AuditEntry[]> {
    return this.#auto((sql) => tasks.selectAudit(sql, id));
  }

  async tasksVersion(): Promise<string> {
    const row = await this.#auto((sql) =>
      // The sum of the counters bumped by every task write (migration 5): 32 rows, however many tasks.
      sql.one<{ v: string }>('SELECT sum(n)::text AS v FROM task_changes'),
    );
    return row?.v ?? '0';
  }

  async useLink(nonce: string, taskId: string, now: number): Promise<boolean> {
    const changed = await this.#auto((sql) =>
      sql.run('INSERT INTO used_links (nonce, task_id, used_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
        nonce,
        taskId,
        now,
      ]),
    );
    return changed === 1;
  }

  async linkUsed(nonce: string): Promise<boolean> {
    return (
      (await this.#auto((sql) => sql.one('SELECT 1 AS used FROM used_links WHERE nonce = $1', [nonce]))) !== undefined
    );
  }

  async hasDelivery(key: string): Promise<boolean> {
    return this.#auto((sql) => deliveries.hasDelivery(sql, key));
  }

  async putDelivery(delivery: DeliveryWrite, now: number): Promise<void> {
    await this.#auto((sql) => deliveries.upsertDelivery(sql, delivery, now));
  }

  async getDelivery(key: string): Promise<DeliveryRecord | undefined> {
    return this.#auto((sql) => deliveries.selectDelivery(sql, key));
  }

  async taskDeliveries(taskId: string): Promise<DeliveryRecord[]> {
    return this.#auto((sql) => deliveries.selectTaskDeliveries(sql, taskId));
  }

  async putOutbox(message: Omit<OutboxRecord, 'createdAt' | 'updatedAt'>, now: number): Promise<void> {
    await this.#auto((sql) => deliveries.upsertOutbox(sql, message, now));
  }

  async getOutbox(id: string): Promise<OutboxRecord | undefined> {
    return this.#auto((sql) => deliveries.selectOutbox(sql, id));
  }

  async listOutbox(limit: number): Promise<OutboxRecord[]> {
    return this.#auto((sql) => deliveries.listOutbox(sql, limit));
  }

  // ── counts for metrics (see stats-store.ts) ─────────────────────────────────────────────────

  // ── away and delegates (see away.ts) ─────────────────────────────────────────────────────────

  async putAway(record: AwayRecord): Promise<void> {
    await this.#tx((sql) => away.putAway(sql, record));
  }

  async getAway(principal: string): Promise<AwayRecord | undefined> {
    return this.#auto((sql) => away.getAway(sql, principal));
  }

  async clearAway(principal: string, actor: string, now: number): Promise<AwayRecord | undefined> {
    return this.#tx((sql) => away.clearAway(sql, principal, actor, now));
  }

  async awayLog(principal: string, limit: number): Promise<AwayLogEntry[]> {
    return this.#auto((sql) => away.awayLog(sql, principal, limit));
  }

  async unfinishedRuns(): Promise<RunCount[]> {
    const rows = await this.#auto((sql) => sql.rows<RunCount>(UNFINISHED_RUNS_SQL));
    return rows.map((row) => ({ ...row, count: Number(row.count) }));
  }

  async pendingTasks(now: number): Promise<PendingTaskCount[]> {
    const rows = await this.#auto((sql) => sql.rows<PendingTaskCount>(pendingTasksSql('$1'), [now]));
    return rows.map((row) => ({ type: row.type, pending: Number(row.pending), overdue: Number(row.overdue) }));
  }

  // ── standing approvals (see standing.ts) ───────────────────────────────────────────────────

  async insertStandingApproval(record: StandingApprovalRecord): Promise<void> {
    return this.#auto((sql) => standing.insert(sql, record));
  }

  async getStandingApproval(id: string): Promise<StandingApprovalRecord | undefined> {
    return this.#auto((sql) => standing.get(sql, id));
  }

  async listStandingApprovals(query: StandingApprovalQuery): Promise<StandingApprovalRecord[]> {
    return this.#auto((sql) => standing.list(sql, query));
  }

  async revokeStandingApproval(id: string, by: string, at: number): Promise<boolean> {
    return this.#auto((sql) => standing.revoke(sql, id, by, at));
  }

  // ── retention (see retention.ts: one short transaction per batch, SKIP LOCKED) ────────────

  async pruneRuns(request: PruneRequest): Promise<PruneBatch> {
    return this.#tx((sql) => retention.pruneRuns(sql, request));
  }

  async pruneProgress(request: PruneRequest): Promise<PruneBatch> {
    return this.#tx((sql) => retention.pruneProgress(sql, request));
  }

  async pruneDeliveries(request: PruneRequest): Promise<PruneBatch> {
    return this.#tx((sql) => retention.pruneDeliveries(sql, request));
  }

  async pruneTasks(request: PruneRequest): Promise<PruneBatch> {
    return this.#tx((sql) => retention.pruneTasks(sql, request));
  }

  // ── plumbing ──────────────────────────────────────────────────────────────────────────────

  #leaseNow(now: number): number | null {
    return this.#options.leaseClock === 'engine' ? now : null;
  }

  #open(): Database {
    if (this.#closed || !this.#db) {
      throw new ClosedError(
        this.#closed ? 'The PostgreSQL store is closed' : 'The store is not initialized: call init() first',
      );
    }
    return this.#db;
  }

  #auto<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    try {
      return this.#open().auto(fn);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * One write of `writes.ts` applied in SQL, through the batcher (see `batch.ts`): answered once
   * its batch committed.
   */
  #apply<W extends BatchedWrite>(write: W): Promise<BatchAnswer<W>> {
    try {
      this.#open();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#batcher.apply(write);
  }

  /**
   * A fenced write of the leased run in a transaction of its own that may record an operation:
   * made in its turn among the run's writes, one in flight at a time (see `WriteBatcher`), so
   * that the records' `ord` follows the order in which the engine hears of them.
   */
  #txOfRun<T>(lease: Lease, fn: (sql: Sql) => Promise<T>): Promise<T> {
    try {
      this.#open();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#batcher.exclusive(lease.runId, () => this.#tx(fn));
  }

  #tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    try {
      return this.#open().transaction(fn);
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
