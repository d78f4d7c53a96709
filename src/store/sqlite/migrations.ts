import { StoreVersionError } from '../../errors.ts';
import type { Database } from './database.ts';

/**
 * Numbered schema migrations. Each applies in its own transaction together with the bump of
 * `PRAGMA user_version`, so a crash mid-migration leaves the previous version intact. Append
 * only: never edit a migration that has shipped.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'engine',
    sql: `
      CREATE TABLE runs (
        id               TEXT PRIMARY KEY,
        workflow         TEXT NOT NULL,
        status           TEXT NOT NULL,
        input            TEXT,
        output           TEXT,
        error            TEXT,
        failed_seq       INTEGER,
        parent_id        TEXT,
        attempts         INTEGER NOT NULL DEFAULT 0,
        recoveries       INTEGER NOT NULL DEFAULT 0,
        available_at     INTEGER NOT NULL,
        lease_owner      TEXT,
        lease_token      INTEGER NOT NULL DEFAULT 0,
        lease_expires_at INTEGER,
        wake_requested   INTEGER NOT NULL DEFAULT 0,
        created_at       INTEGER NOT NULL,
        updated_at       INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX runs_pending ON runs (available_at) WHERE status = 'pending';
      CREATE INDEX runs_leased ON runs (lease_expires_at) WHERE status = 'running';
      CREATE INDEX runs_by_status ON runs (status, created_at, id);
      CREATE INDEX runs_by_workflow ON runs (workflow, created_at, id);
      CREATE INDEX runs_by_created ON runs (created_at, id);
      CREATE INDEX runs_by_parent ON runs (parent_id) WHERE parent_id IS NOT NULL;

      CREATE TABLE operations (
        run_id     TEXT NOT NULL,
        seq        INTEGER NOT NULL,
        ord        INTEGER NOT NULL,
        kind       TEXT NOT NULL,
        name       TEXT NOT NULL,
        output     TEXT,
        error      TEXT,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (run_id, seq)
      ) STRICT, WITHOUT ROWID;
      CREATE UNIQUE INDEX operations_by_ord ON operations (run_id, ord);

      CREATE TABLE waits (
        run_id     TEXT NOT NULL,
        seq        INTEGER NOT NULL,
        kind       TEXT NOT NULL,
        deadline   INTEGER,
        fired      INTEGER NOT NULL DEFAULT 0,
        topic      TEXT,
        event_name TEXT,
        match_key  TEXT,
        event_id   INTEGER,
        child_id   TEXT,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (run_id, seq)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX waits_due ON waits (deadline) WHERE deadline IS NOT NULL AND fired = 0;
      CREATE INDEX waits_event ON waits (event_name, match_key) WHERE kind = 'event' AND event_id IS NULL;
      CREATE INDEX waits_child ON waits (child_id) WHERE kind = 'child';
      CREATE INDEX waits_by_kind ON waits (kind, run_id);

      CREATE TABLE messages (
        id              INTEGER PRIMARY KEY,
        run_id          TEXT NOT NULL,
        topic           TEXT NOT NULL,
        body            TEXT,
        idempotency_key TEXT,
        consumed_seq    INTEGER,
        created_at      INTEGER NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX messages_by_key ON messages (run_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX messages_unread ON messages (run_id, topic, id) WHERE consumed_seq IS NULL;

      CREATE TABLE events (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        data       TEXT,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX events_by_name ON events (name, created_at);

      CREATE TABLE event_shapes (
        event_name TEXT NOT NULL,
        shape      TEXT NOT NULL,
        PRIMARY KEY (event_name, shape)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE statuses (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id     TEXT NOT NULL,
        key        TEXT NOT NULL,
        value      TEXT,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX statuses_by_run ON statuses (run_id, key, id);
      CREATE INDEX statuses_by_run_id ON statuses (run_id, id);
    `,
  },
  {
    version: 2,
    name: 'human tasks',
    sql: `
      CREATE TABLE tasks (
        id               TEXT PRIMARY KEY,
        type             TEXT NOT NULL,
        status           TEXT NOT NULL,
        title            TEXT NOT NULL,
        spec             TEXT NOT NULL,
        requester        TEXT,
        idempotency_key  TEXT,
        run_id           TEXT NOT NULL,
        asked_by         TEXT,
        escalation_level INTEGER NOT NULL DEFAULT 0,
        reminders_sent   INTEGER NOT NULL DEFAULT 0,
        deadline         INTEGER,
        result           TEXT,
        audit_count      INTEGER NOT NULL DEFAULT 0,
        audit_head       TEXT,
        created_at       INTEGER NOT NULL,
        updated_at       INTEGER NOT NULL,
        resolved_at      INTEGER
      ) STRICT;
      CREATE UNIQUE INDEX tasks_by_key ON tasks (idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX tasks_by_status ON tasks (status, created_at, id);
      CREATE INDEX tasks_by_type ON tasks (type, created_at, id);
      CREATE INDEX tasks_by_requester ON tasks (requester, created_at, id);
      CREATE INDEX tasks_by_deadline ON tasks (deadline) WHERE status = 'pending';
      CREATE INDEX tasks_by_run ON tasks (run_id);
      CREATE INDEX tasks_by_asker ON tasks (asked_by) WHERE asked_by IS NOT NULL;

      CREATE TABLE task_assignees (
        task_id    TEXT NOT NULL,
        principal  TEXT NOT NULL,
        level      INTEGER NOT NULL,
        status     TEXT NOT NULL,
        type       TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (task_id, principal)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX task_inbox ON task_assignees (principal, status, created_at, task_id);

      CREATE TABLE task_responses (
        task_id   TEXT NOT NULL,
        principal TEXT NOT NULL,
        outcome   TEXT NOT NULL,
        via       TEXT NOT NULL,
        comment   TEXT,
        data      TEXT,
        args      TEXT,
        at        INTEGER NOT NULL,
        PRIMARY KEY (task_id, principal)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE task_audit (
        task_id    TEXT NOT NULL,
        seq        INTEGER NOT NULL,
        at         INTEGER NOT NULL,
        actor      TEXT NOT NULL,
        via        TEXT NOT NULL,
        action     TEXT NOT NULL,
        outcome    TEXT,
        shown_hash TEXT,
        detail     TEXT,
        prev_hash  TEXT NOT NULL,
        hash       TEXT NOT NULL,
        PRIMARY KEY (task_id, seq)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE task_deliveries (
        key     TEXT PRIMARY KEY,
        task_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        at      INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name: 'run events and one-click links',
    sql: `
      CREATE TABLE run_events (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id     TEXT NOT NULL,
        type       TEXT NOT NULL,
        data       TEXT,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX run_events_by_run ON run_events (run_id, id);

      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE used_links (
        nonce   TEXT PRIMARY KEY,
        task_id TEXT NOT NULL,
        used_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    name: 'notification deliveries and the local outbox',
    sql: `
      CREATE TABLE deliveries (
        key        TEXT PRIMARY KEY,
        task_id    TEXT NOT NULL,
        channel    TEXT NOT NULL,
        recipient  TEXT NOT NULL,
        event      TEXT NOT NULL,
        status     TEXT NOT NULL,
        attempts   INTEGER NOT NULL,
        error      TEXT,
        ref        TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX deliveries_by_task ON deliveries (task_id, created_at);
      INSERT INTO deliveries (key, task_id, channel, recipient, event, status, attempts, created_at, updated_at)
        SELECT key, task_id, channel, '*', '', 'sent', 1, at, at FROM task_deliveries;
      DROP TABLE task_deliveries;

      CREATE TABLE outbox (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        id         TEXT NOT NULL UNIQUE,
        task_id    TEXT NOT NULL,
        channel    TEXT NOT NULL,
        recipient  TEXT NOT NULL,
        address    TEXT NOT NULL,
        message    TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 5,
    name: 'run initiators',
    sql: `
      ALTER TABLE runs ADD COLUMN initiator TEXT;
      CREATE INDEX runs_by_initiator ON runs (initiator, created_at, id) WHERE initiator IS NOT NULL;
    `,
  },
  {
    version: 6,
    name: 'task versions',
    // Every write to a task bumps it; the human layer writes by compare-and-set on it.
    sql: `
      ALTER TABLE tasks ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    `,
  },
  {
    version: 7,
    name: 'task change counter',
    // tasksVersion in O(1): one counter bumped in the same transaction as every task write (one
    // writer at a time in SQLite, so one row does not contend).
    sql: `
      CREATE TABLE task_changes (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL) STRICT;
      INSERT INTO task_changes (id, n) SELECT 1, count(*) FROM tasks;
      CREATE TRIGGER tasks_inserted AFTER INSERT ON tasks BEGIN UPDATE task_changes SET n = n + 1 WHERE id = 1; END;
      CREATE TRIGGER tasks_updated AFTER UPDATE ON tasks BEGIN UPDATE task_changes SET n = n + 1 WHERE id = 1; END;
    `,
  },
  {
    version: 8,
    name: 'unsettled cancelled tasks',
    // The tasks a run's cancellation ended whose result is not written yet (swept at start).
    sql: `
      CREATE INDEX tasks_unsettled ON tasks (id) WHERE status = 'cancelled' AND result IS NULL;
    `,
  },
  {
    version: 9,
    name: 'retention',
    // What retention finds things by (see retention.ts), so that a sweep with nothing to prune is
    // one index probe per kind: finished root runs and ended tasks by the time they ended (a
    // finished run's updated_at is its end: nothing updates a finished run but a resume),
    // deliveries by their last write; and the rows that go with a run or a task, by owner.
    sql: `
      CREATE INDEX runs_finished ON runs (updated_at, id)
        WHERE parent_id IS NULL AND status IN ('succeeded', 'failed', 'cancelled');
      CREATE INDEX messages_by_run ON messages (run_id);
      CREATE INDEX tasks_ended ON tasks (resolved_at, id) WHERE status <> 'pending';
      CREATE INDEX deliveries_by_updated ON deliveries (updated_at, key);
      CREATE INDEX outbox_by_task ON outbox (task_id);
      CREATE INDEX used_links_by_task ON used_links (task_id);
    `,
  },
  {
    version: 10,
    name: 'away and delegates',
    // Who is away, until when, and who their tasks go to (see human/away.ts); every change logged;
    // an assignee asked in place of someone away names them (JSON {principal, until}).
    sql: `
      CREATE TABLE away (
        principal TEXT PRIMARY KEY,
        delegate  TEXT NOT NULL,
        starts_at INTEGER NOT NULL,
        until     INTEGER NOT NULL,
        set_by    TEXT NOT NULL,
        set_at    INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE away_log (
        id        INTEGER PRIMARY KEY AUTOINCREMENT,
        principal TEXT NOT NULL,
        action    TEXT NOT NULL,
        actor     TEXT NOT NULL,
        at        INTEGER NOT NULL,
        detail    TEXT NOT NULL
      ) STRICT;
      CREATE INDEX away_log_by_principal ON away_log (principal, id);
      ALTER TABLE task_assignees ADD COLUMN delegated_for TEXT;
    `,
  },
  {
    version: 11,
    name: 'standing approvals',
    // An approver's "approve the same action within these bounds until then" (human/standing.ts).
    sql: `
      CREATE TABLE standing_approvals (
        id TEXT PRIMARY KEY,
        tool TEXT NOT NULL,
        policy_name TEXT NOT NULL,
        policy_version TEXT NOT NULL,
        requester TEXT,
        approver TEXT NOT NULL,
        bounds TEXT NOT NULL,
        source_task_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        revoked_at INTEGER,
        revoked_by TEXT
      ) STRICT;
      CREATE INDEX standing_by_tool ON standing_approvals (tool, expires_at);
      CREATE INDEX standing_by_approver ON standing_approvals (approver, created_at);
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the database to {@link SCHEMA_VERSION}.
 * @throws StoreVersionError when the file was written by a newer Heed (nothing is touched).
 */
export function migrate(db: Database): void {
  const current = userVersion(db);
  if (current > SCHEMA_VERSION) throw new StoreVersionError(current, SCHEMA_VERSION);
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      // Re-check inside the write lock: another process may have migrated meanwhile.
      if (userVersion(db) >= migration.version) return;
      db.exec(migration.sql);
      db.exec(`PRAGMA user_version = ${migration.version}`);
    });
  }
}

function userVersion(db: Database): number {
  return Number(db.get<{ user_version: number }>('PRAGMA user_version')?.user_version ?? 0);
}
