import pg from 'pg';
import { ClosedError, StoreDataError, StoreUnavailableError } from '../../errors.ts';
import type { Change } from '../changes.ts';

/** A connection (pooled or in a transaction) that runs one parameterized statement at a time. */
export interface Sql {
  /** Every row of the statement's result. */
  rows<T>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** The first row, or `undefined`. */
  one<T>(text: string, params?: readonly unknown[]): Promise<T | undefined>;
  /** Runs the statement; returns the number of rows it changed. */
  run(text: string, params?: readonly unknown[]): Promise<number>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(text: string): Promise<void>;
  /** Notes a change to announce in this process once the call commits (see `Database`). */
  announce(change: Change): void;
}

/** bigint columns hold epoch milliseconds and counters, all well inside Number's safe range. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * Statements are prepared once per connection under a name derived from their text (the
 * extended protocol's named statements): parsing and planning are paid once, not per call.
 */
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `heed_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return name;
}

/** What a store has sent to the server since it opened (for profiles and tests). */
export interface DatabaseStats {
  /** Statements sent, BEGIN and COMMIT included: each one round trip. */
  statements: number;
  /** Transactions committed (or attempted): single statements and explicit ones. */
  transactions: number;
}

function sqlOver(client: pg.PoolClient | pg.Pool, announced: Change[], stats: DatabaseStats): Sql {
  const query = async <T>(text: string, params: readonly unknown[] = []) => {
    stats.statements++;
    return client.query<T & pg.QueryResultRow>({ name: statementName(text), text, values: params as unknown[] });
  };
  return {
    async rows<T>(text: string, params?: readonly unknown[]) {
      return (await query<T>(text, params)).rows as T[];
    },
    async one<T>(text: string, params?: readonly unknown[]) {
      return (await query<T>(text, params)).rows[0] as T | undefined;
    },
    async run(text: string, params?: readonly unknown[]) {
      return (await query(text, params)).rowCount ?? 0;
    },
    async exec(text: string) {
      stats.statements++;
      await client.query(text);
    },
    announce(change: Change) {
      announced.push(change);
    },
  };
}

/** SQLSTATEs after which a whole transaction can safely run again. */
const RETRY_TRANSACTION = new Set(['40001', '40P01']);
/** SQLSTATEs and socket errors meaning the server is unreachable, restarting or shutting down. */
const UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', '53300']);

/**
 * The server refused a statement's data: SQLSTATE class 22 (data exception: a bad number, text
 * PostgreSQL cannot hold such as NUL) or 23 (integrity constraint violation), except 23505, a
 * unique key taken by another writer (an expected conflict: every insert that can race says
 * `ON CONFLICT`, and one that does not is retried like any other failure). Repeating such a
 * statement fails the same way, so it becomes a `StoreDataError`: a run's write refused this way
 * fails the run instead of being retried forever.
 */
function dataError(error: unknown): StoreDataError | undefined {
  const e = error as { code?: unknown; message?: string; detail?: string; column?: string; constraint?: string };
  if (typeof e.code !== 'string' || !/^2[23]/.test(e.code) || e.code === '23505') return undefined;
  const where = e.constraint ? ` (constraint ${e.constraint})` : e.column ? ` (column ${e.column})` : '';
  return new StoreDataError(
    `PostgreSQL refused the data of a write, which was rolled back: SQLSTATE ${e.code}: ${e.message ?? 'no message'}${where}`,
    { cause: error },
  );
}

function isUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  if (e.code && UNAVAILABLE.has(e.code)) return true;
  if (e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' || e.code === 'EPIPE' || e.code === 'ETIMEDOUT') return true;
  return /Connection terminated|connection is closed|Client has encountered a connection error/i.test(e.message ?? '');
}

export interface DatabaseOptions {
  /** Connections in the pool (default 10). */
  poolSize: number;
  /**
   * How long a call keeps retrying while the server is unreachable (a restart, a failover)
   * before failing with `StoreUnavailableError` (default 30 s).
   */
  unavailableTimeoutMs: number;
  /** The schema Heed's tables live in (`search_path`); default `public`. */
  schema: string;
  /** Receives the changes a call noted (`Sql.announce`), once it committed. */
  onCommit(changes: readonly Change[]): void;
}

/**
 * The connection pool, with transactions that retry on deadlock and serialization failures,
 * and calls that ride out a server restart: a statement or transaction that failed because the
 * server went away *before it could commit* is run again on a fresh connection. A COMMIT whose
 * answer was lost is never repeated (its outcome is unknown): the caller gets the error.
 */
export class Database {
  readonly pool: pg.Pool;
  readonly stats: DatabaseStats = { statements: 0, transactions: 0 };
  readonly #options: DatabaseOptions;
  #closed = false;

  constructor(url: string, options: DatabaseOptions) {
    this.#options = options;
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize,
      types,
      options: `-c search_path=${options.schema}`,
    });
    // A client whose server went away (idle, or busy: then its call fails and is retried or
    // reported): the pool drops it and the next call reconnects. Never an unhandled 'error'.
    this.pool.on('error', () => {});
    this.pool.on('connect', (client) => client.on('error', () => {}));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * One statement in its own implicit transaction (one round trip). Retried while the server
   * cannot be reached; a connection lost while the statement ran fails with
   * `StoreUnavailableError` (it may or may not have committed), unless the server said it
   * aborted the statement (shutdown), which is retried. Data the server refuses fails with
   * `StoreDataError` (nothing committed).
   */
  async auto<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#autoOnce(fn);
      } catch (error) {
        // A statement chosen as a deadlock victim was rolled back: it can run again.
        const code = (error as { code?: string }).code;
        if (code && RETRY_TRANSACTION.has(code) && attempt < 20) {
          await sleep(Math.random() * 2 * attempt);
          continue;
        }
        throw dataError(error) ?? error;
      }
    }
  }

  async #autoOnce<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.#retrying(async () => {
      const client = await this.pool.connect();
      let broken: unknown;
      const announced: Change[] = [];
      this.stats.transactions++;
      try {
        const value = await fn(sqlOver(client, announced, this.stats));
        if (announced.length > 0) this.#options.onCommit(announced);
        return value;
      } catch (error) {
        if (isUnavailable(error)) {
          broken = error;
          const code = (error as { code?: string }).code;
          if (code !== '57P01' && code !== '57P02' && code !== '57P03') {
            throw new StoreUnavailableError('The connection was lost during a write', error, false);
          }
        }
        throw error;
      } finally {
        client.release(broken instanceof Error ? broken : undefined);
      }
    });
  }

  /**
   * Runs `fn` in a READ COMMITTED transaction. Deadlocks and serialization failures run it again
   * (so `fn` must only touch the database); so do connection failures before COMMIT was sent.
   * Data the server refuses fails with `StoreDataError` (rolled back).
   */
  async transaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#retrying(async () => {
          const client = await this.pool.connect();
          let broken: unknown;
          let committing = false;
          const announced: Change[] = [];
          this.stats.transactions++;
          try {
            this.stats.statements += 2; // BEGIN and COMMIT
            await client.query('BEGIN');
            const value = await fn(sqlOver(client, announced, this.stats));
            committing = true;
            await client.query('COMMIT');
            if (announced.length > 0) this.#options.onCommit(announced);
            return value;
          } catch (error) {
            if (isUnavailable(error)) {
              broken = error;
              if (committing) throw new StoreUnavailableError('The connection was lost during COMMIT', error, false);
            } else {
              await client.query('ROLLBACK').catch(() => {});
            }
            throw error;
          } finally {
            client.release(broken instanceof Error ? broken : undefined);
          }
        });
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code && RETRY_TRANSACTION.has(code) && attempt < 20) {
          await sleep(Math.random() * 2 * attempt);
          continue;
        }
        throw dataError(error) ?? error;
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.pool.end();
  }

  async #retrying<T>(fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      if (this.#closed) throw new ClosedError('The PostgreSQL store is closed');
      try {
        return await fn();
      } catch (error) {
        if (error instanceof StoreUnavailableError) throw error;
        if (this.#closed && /pool|ended/i.test(String((error as Error).message))) {
          throw new ClosedError('The PostgreSQL store is closed');
        }
        if (!isUnavailable(error)) throw error;
        if (Date.now() - started > this.#options.unavailableTimeoutMs) {
          throw new StoreUnavailableError('PostgreSQL is unreachable', error, true);
        }
        await sleep(Math.min(1_000, 25 * attempt));
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
