import { StoreVersionError } from '../../errors.ts';
import { installFunctions } from './functions.ts';
import type { Database } from './sql.ts';

/**
 * Numbered schema migrations for PostgreSQL. Each applies in one transaction together with its
 * row in `heed_migrations`, under an advisory lock, so processes starting at once migrate once.
 * Append only: never edit a migration that has shipped (4 is the one exception, see there).
 *
 * The store's functions live in `sql/*.sql`, one a file (`functions.ts`). A migration that
 * changes them runs `installFunctions()`, which `CREATE OR REPLACE`s every one from its file as
 * it is in this version, after `DROP`ping those that are gone or changed their signature.
 *
 * Times are epoch milliseconds (`bigint`), written by the engine's clock, except lease expiry,
 * which is on the database's clock (`heed_now_ms()`). Ids compare bytewise (`COLLATE "C"`), the
 * order cursors rely on.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'engine, tasks, feeds',
    sql: `
      CREATE FUNCTION heed_now_ms() RETURNS bigint LANGUAGE sql VOLATILE
        AS $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $$;

      CREATE TABLE runs (
        id               text COLLATE "C" PRIMARY KEY,
        workflow         text NOT NULL,
        status           text NOT NULL,
        input            text,
        output           text,
        error            text,
        failed_seq       integer,
        parent_id        text COLLATE "C",
        attempts         integer NOT NULL DEFAULT 0,
        recoveries       integer NOT NULL DEFAULT 0,
        available_at     bigint NOT NULL,
        lease_owner      text,
        lease_token      bigint NOT NULL DEFAULT 0,
        lease_expires_at bigint,
        wake_requested   boolean NOT NULL DEFAULT false,
        last_ord         integer NOT NULL DEFAULT 0,
        created_at       bigint NOT NULL,
        updated_at       bigint NOT NULL
      );
      CREATE INDEX runs_pending ON runs (available_at) WHERE status = 'pending';
      CREATE INDEX runs_leased ON runs (lease_expires_at) WHERE status = 'running';
      CREATE INDEX runs_by_status ON runs (status, created_at, id);
      CREATE INDEX runs_by_workflow ON runs (workflow, created_at, id);
      CREATE INDEX runs_by_created ON runs (created_at, id);
      CREATE INDEX runs_by_parent ON runs (parent_id) WHERE parent_id IS NOT NULL;

      CREATE TABLE operations (
        run_id     text COLLATE "C" NOT NULL,
        seq        integer NOT NULL,
        ord        integer NOT NULL,
        kind       text NOT NULL,
        name       text NOT NULL,
        output     text,
        error      text,
        created_at bigint NOT NULL,
        PRIMARY KEY (run_id, seq)
      );
      CREATE UNIQUE INDEX operations_by_ord ON operations (run_id, ord);

      CREATE TABLE waits (
        run_id     text COLLATE "C" NOT NULL,
        seq        integer NOT NULL,
        kind       text NOT NULL,
        deadline   bigint,
        fired      boolean NOT NULL DEFAULT false,
        topic      text,
        event_name text,
        match_key  text,
        event_id   bigint,
        child_id   text COLLATE "C",
        created_at bigint NOT NULL,
        PRIMARY KEY (run_id, seq)
      );
      CREATE INDEX waits_due ON waits (deadline) WHERE deadline IS NOT NULL AND NOT fired;
      CREATE INDEX waits_event ON waits (event_name, match_key) WHERE kind = 'event' AND event_id IS NULL;
      CREATE INDEX waits_child ON waits (child_id) WHERE kind = 'child';
      CREATE INDEX waits_by_kind ON waits (kind, run_id);

      CREATE TABLE messages (
        id              bigserial PRIMARY KEY,
        run_id          text COLLATE "C" NOT NULL,
        topic           text NOT NULL,
        body            text,
        idempotency_key text,
        consumed_seq    integer,
        created_at      bigint NOT NULL
      );
      CREATE UNIQUE INDEX messages_by_key ON messages (run_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX messages_unread ON messages (run_id, topic, id) WHERE consumed_seq IS NULL;

      CREATE TABLE events (
        id         bigserial PRIMARY KEY,
        name       text NOT NULL,
        data       text,
        created_at bigint NOT NULL
      );
      CREATE INDEX events_by_name ON events (name, created_at);

      CREATE TABLE event_shapes (
        event_name text NOT NULL,
        shape      text NOT NULL,
        PRIMARY KEY (event_name, shape)
      );

      CREATE TABLE statuses (
        id         bigserial PRIMARY KEY,
        run_id     text COLLATE "C" NOT NULL,
        key        text NOT NULL,
        value      text,
        created_at bigint NOT NULL
      );
      CREATE INDEX statuses_by_run ON statuses (run_id, key, id);
      CREATE INDEX statuses_by_run_id ON statuses (run_id, id);

      -- The run event feed. Rows get their feed position (pos) only once committed (see feeds.ts):
      -- a reader never passes a row that commits late.
      CREATE TABLE run_events (
        id         bigserial PRIMARY KEY,
        pos        bigint UNIQUE,
        run_id     text COLLATE "C" NOT NULL,
        type       text NOT NULL,
        data       text,
        created_at bigint NOT NULL
      );
      CREATE SEQUENCE run_event_pos;
      CREATE INDEX run_events_unsequenced ON run_events (id) WHERE pos IS NULL;
      CREATE INDEX run_events_by_run ON run_events (run_id, pos);

      CREATE TABLE settings (
        key   text PRIMARY KEY,
        value text NOT NULL
      );

      CREATE TABLE used_links (
        nonce   text PRIMARY KEY,
        task_id text NOT NULL,
        used_at bigint NOT NULL
      );

      CREATE TABLE workers (
        id           text PRIMARY KEY,
        started_at   bigint NOT NULL,
        heartbeat_at bigint NOT NULL
      );

      CREATE TABLE tasks (
        id               text COLLATE "C" PRIMARY KEY,
        type             text NOT NULL,
        status           text NOT NULL,
        title            text NOT NULL,
        spec             text NOT NULL,
        requester        text,
        idempotency_key  text,
        run_id           text COLLATE "C" NOT NULL,
        asked_by         text COLLATE "C",
        escalation_level integer NOT NULL DEFAULT 0,
        reminders_sent   integer NOT NULL DEFAULT 0,
        deadline         bigint,
        result           text,
        audit_count      integer NOT NULL DEFAULT 0,
        audit_head       text,
        created_at       bigint NOT NULL,
        updated_at       bigint NOT NULL,
        resolved_at      bigint
      );
      CREATE UNIQUE INDEX tasks_by_key ON tasks (idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX tasks_by_status ON tasks (status, created_at, id);
      CREATE INDEX tasks_by_type ON tasks (type, created_at, id);
      CREATE INDEX tasks_by_requester ON tasks (requester, created_at, id);
      CREATE INDEX tasks_by_deadline ON tasks (deadline) WHERE status = 'pending';
      CREATE INDEX tasks_by_run ON tasks (run_id);
      CREATE INDEX tasks_by_asker ON tasks (asked_by) WHERE asked_by IS NOT NULL;
      CREATE INDEX tasks_by_updated ON tasks (updated_at);

      CREATE TABLE task_assignees (
        task_id    text COLLATE "C" NOT NULL,
        principal  text COLLATE "C" NOT NULL,
        level      integer NOT NULL,
        status     text NOT NULL,
        type       text NOT NULL,
        created_at bigint NOT NULL,
        PRIMARY KEY (task_id, principal)
      );
      CREATE INDEX task_inbox ON task_assignees (principal, status, created_at, task_id);

      CREATE TABLE task_responses (
        task_id   text COLLATE "C" NOT NULL,
        principal text COLLATE "C" NOT NULL,
        outcome   text NOT NULL,
        via       text NOT NULL,
        comment   text,
        data      text,
        args      text,
        at        bigint NOT NULL,
        PRIMARY KEY (task_id, principal)
      );

      CREATE TABLE task_audit (
        task_id    text COLLATE "C" NOT NULL,
        seq        integer NOT NULL,
        at         bigint NOT NULL,
        actor      text NOT NULL,
        via        text NOT NULL,
        action     text NOT NULL,
        outcome    text,
        shown_hash text,
        detail     text,
        prev_hash  text NOT NULL,
        hash       text NOT NULL,
        PRIMARY KEY (task_id, seq)
      );

      CREATE TABLE task_deliveries (
        key     text PRIMARY KEY,
        task_id text NOT NULL,
        channel text NOT NULL,
        at      bigint NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'run initiators, notification deliveries and the local outbox',
    sql: `
      ALTER TABLE runs ADD COLUMN initiator text;
      CREATE INDEX runs_by_initiator ON runs (initiator, created_at, id) WHERE initiator IS NOT NULL;

      CREATE TABLE deliveries (
        key        text PRIMARY KEY,
        task_id    text NOT NULL,
        channel    text NOT NULL,
        recipient  text NOT NULL,
        event      text NOT NULL,
        status     text NOT NULL,
        attempts   integer NOT NULL,
        error      text,
        ref        text,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      );
      CREATE INDEX deliveries_by_task ON deliveries (task_id, created_at);
      INSERT INTO deliveries (key, task_id, channel, recipient, event, status, attempts, created_at, updated_at)
        SELECT key, task_id, channel, '*', '', 'sent', 1, at, at FROM task_deliveries;
      DROP TABLE task_deliveries;

      CREATE TABLE outbox (
        seq        bigserial PRIMARY KEY,
        id         text NOT NULL UNIQUE,
        task_id    text NOT NULL,
        channel    text NOT NULL,
        recipient  text NOT NULL,
        address    text NOT NULL,
        message    text NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'task versions',
    // Every write to a task bumps it; the human layer writes by compare-and-set on it.
    sql: `
      ALTER TABLE tasks ADD COLUMN version integer NOT NULL DEFAULT 1;
    `,
  },
  {
    version: 4,
    name: 'heed_apply and heed_claim: batched writes and claims in one round trip',
    // Created the functions of that version, which migration 8 drops or replaces: nothing between
    // them uses them, so a database created now gets them from 7 alone (the same end state).
    sql: '',
  },
  {
    version: 5,
    name: 'task change counters',
    // tasksVersion in O(1): the sum of 32 counters, bumped by a trigger in every task write's
    // transaction. The trigger is deferred to commit and picks its counter by the session
    // (backend pid), so a transaction locks one counter row, last, just before it commits: two
    // writers contend only when their sessions share a counter, and never deadlock on them.
    sql: `
      CREATE TABLE task_changes (shard integer PRIMARY KEY, n bigint NOT NULL);
      INSERT INTO task_changes (shard, n) SELECT s, 0 FROM generate_series(0, 31) s;
      UPDATE task_changes SET n = (SELECT count(*) FROM tasks) WHERE shard = 0;
      CREATE FUNCTION heed_count_task_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE task_changes SET n = n + 1 WHERE shard = pg_backend_pid() % 32;
        RETURN NULL;
      END $$;
      CREATE CONSTRAINT TRIGGER tasks_changed AFTER INSERT OR UPDATE ON tasks
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION heed_count_task_change();
    `,
  },
  {
    version: 6,
    name: 'unsettled cancelled tasks',
    // The tasks a run's cancellation ended whose result is not written yet (swept at start).
    sql: `
      CREATE INDEX tasks_unsettled ON tasks (id) WHERE status = 'cancelled' AND result IS NULL;
    `,
  },
  {
    version: 7,
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
    version: 8,
    name: 'functions from sql/*.sql: one function per operation of the typed write protocol',
    // Read when migrating (the files are read relative to functions.ts), not when imported.
    get sql() {
      return `
        -- Migration 4's twins (a set-based and a per-write function for each hot write) and its
        -- untyped batch letters: replaced by one function per operation (heed_create_runs, …).
        DROP FUNCTION IF EXISTS heed_batch_singles(jsonb, text), heed_set_new_runs(jsonb), heed_set_sends(jsonb),
          heed_set_records(jsonb), heed_set_completes(jsonb), heed_op_new_run(jsonb), heed_op_record(jsonb),
          heed_op_wait(jsonb), heed_op_suspend(jsonb), heed_op_release(jsonb), heed_op_complete(jsonb),
          heed_op_send(jsonb);
        ${installFunctions()}
      `;
    },
  },
  {
    version: 9,
    name: 'away and delegates',
    // Who is away, until when, and who their tasks go to (see human/away.ts); every change logged;
    // an assignee asked in place of someone away names them (JSON {principal, until}).
    sql: `
      CREATE TABLE away (
        principal text COLLATE "C" PRIMARY KEY,
        delegate  text NOT NULL,
        starts_at bigint NOT NULL,
        until     bigint NOT NULL,
        set_by    text NOT NULL,
        set_at    bigint NOT NULL
      );
      CREATE TABLE away_log (
        id        bigserial PRIMARY KEY,
        principal text COLLATE "C" NOT NULL,
        action    text NOT NULL,
        actor     text NOT NULL,
        at        bigint NOT NULL,
        detail    text NOT NULL
      );
      CREATE INDEX away_log_by_principal ON away_log (principal, id);
      ALTER TABLE task_assignees ADD COLUMN delegated_for text;
    `,
  },
  {
    version: 10,
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
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        revoked_at BIGINT,
        revoked_by TEXT
      );
      CREATE INDEX standing_by_tool ON standing_approvals (tool, expires_at);
      CREATE INDEX standing_by_approver ON standing_approvals (approver, created_at);
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Key of the advisory lock that serializes migrations across processes. */
const MIGRATION_LOCK = 7_414_653_001;

/**
 * Brings `schema` (created if missing; its name checked by the caller) to the newest version.
 * @throws StoreVersionError when a newer Heed migrated it (nothing is touched).
 */
export async function migrate(db: Database, schema: string): Promise<void> {
  await db.transaction(async (sql) => {
    await sql.run('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await sql.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await sql.run(
      `CREATE TABLE IF NOT EXISTS heed_migrations (
         version    integer PRIMARY KEY,
         name       text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const row = await sql.one<{ version: number | null }>('SELECT max(version) AS version FROM heed_migrations');
    const current = row?.version ?? 0;
    if (current > SCHEMA_VERSION) throw new StoreVersionError(current, SCHEMA_VERSION);
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      await sql.exec(migration.sql);
      await sql.run('INSERT INTO heed_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
    }
  });
}
