/**
 * What one `ctx.ask` round trip asks of SQLite, counted rather than timed (so it does not depend
 * on the machine's load): the statements and the commits of the ask (start → the run waits) and
 * of the answer (respond → the run has ended), one ask at a time, and of a standalone task's
 * create and answer (what `POST /v1/tasks` and `POST /v1/tasks/{id}/responses` write). Counted by
 * wrapping `node:sqlite`'s statement methods in this process. Prints a markdown table; asserts
 * nothing. See docs/benchmarks.md.
 */
import { join } from 'node:path';
import { DatabaseSync, StatementSync } from 'node:sqlite';
import { Heed, SystemClock } from '../src/index.ts';
import { SqliteStore } from '../src/sqlite.ts';
import { DURABILITY, scaled, sig, table, tempDir } from './util.ts';

const N = scaled(100, 10);
const counts = { statements: 0, commits: 0 };

function countStatements(): void {
  const exec = DatabaseSync.prototype.exec;
  DatabaseSync.prototype.exec = function (this: DatabaseSync, sql: string) {
    if (sql.startsWith('COMMIT')) counts.commits++;
    else counts.statements++;
    return exec.call(this, sql);
  };
  for (const method of ['run', 'get', 'all'] as const) {
    const original = StatementSync.prototype[method] as (...args: unknown[]) => unknown;
    (StatementSync.prototype as unknown as Record<string, unknown>)[method] = function (
      this: StatementSync,
      ...args: unknown[]
    ) {
      counts.statements++;
      return original.apply(this, args);
    };
  }
}

/** Counts what `fn` runs, per call, over `n` calls. */
async function per(n: number, fn: (i: number) => Promise<unknown>): Promise<{ statements: number; commits: number }> {
  const before = { ...counts };
  for (let i = 0; i < n; i++) await fn(i);
  return { statements: (counts.statements - before.statements) / n, commits: (counts.commits - before.commits) / n };
}

async function main(): Promise<void> {
  countStatements();
  const dir = tempDir('ask-writes');
  try {
    const heed = new Heed({
      store: new SqliteStore(join(dir.path, 'asks.db'), { durability: DURABILITY }),
      clock: new SystemClock(),
    });
    const asker = heed.workflow('asker', async (ctx) => (await ctx.ask({ type: 'approval', title: 'Go?' })).outcome);
    await heed.start();
    const taskOf = new Map<number, string>();
    const ask = await per(N, async (i) => {
      await asker.start(null, { id: `ask-${i}` });
      await heed.idle();
    });
    for (const task of (await heed.tasks.list({ status: 'pending', limit: 1000 })).items) {
      taskOf.set(Number((task.askedBy ?? '').slice(4)), task.id);
    }
    const answer = await per(N, async (i) => {
      await heed.tasks.respond(taskOf.get(i) as string, { outcome: 'approve' }, { principal: 'user:x' });
      await heed.idle();
    });
    const ids: string[] = [];
    const create = await per(N, async () => {
      const task = await heed.tasks.create({ type: 'approval', title: 'Transfer?', assignees: ['user:bob'] });
      ids.push(task.id);
    });
    const respond = await per(N, (i) =>
      heed.tasks.respond(ids[i] as string, { outcome: 'approve' }, { principal: 'user:bob' }),
    );
    await heed.stop();
    const row = (what: string, c: { statements: number; commits: number }) => [what, sig(c.statements), sig(c.commits)];
    process.stdout.write(
      [
        `# SQLite statements and commits per operation (one at a time, × ${N})`,
        '',
        table(
          ['Operation', 'statements', 'commits'],
          [
            row('ctx.ask: start → the run waits', ask),
            row('ctx.ask: answer → the run has ended', answer),
            row('standalone task: create (POST /v1/tasks)', create),
            row('standalone task: answer (POST /v1/tasks/{id}/responses)', respond),
          ],
        ),
        '',
      ].join('\n'),
    );
  } finally {
    dir.remove();
  }
}

await main();
