/**
 * Human-task benchmark: tasks created and resolved per second (standalone and through
 * `ctx.ask`), and inbox/list query times with 100,000 pending tasks. Prints markdown tables.
 * `BENCH_SCALE` shrinks the sizes. No assertions: this measures, it does not test.
 */
import { join } from 'node:path';
import { Heed, SystemClock } from '../src/index.ts';
import { SqliteStore } from '../src/sqlite.ts';
import { DURABILITY, fmt, nowMs, percentile, pool, SCALE, scaled, sig, table, tempDir, timed } from './util.ts';

const SIZES = { tasks: scaled(2_000, 50), asks: scaled(1_000, 50), pending: scaled(100_000, 1_000), queries: 200 };
const log = (message: string) => process.stderr.write(`[bench:tasks] ${message}\n`);

function open(path: string): Heed {
  return new Heed({
    store: new SqliteStore(path, { durability: DURABILITY }),
    clock: new SystemClock(),
    concurrency: 64,
  });
}

async function createAndResolve(dir: string) {
  const heed = open(join(dir, 'tasks.db'));
  await heed.start();
  const ids: string[] = [];
  const create = await timed(() =>
    pool(SIZES.tasks, 64, async () => {
      const task = await heed.tasks.create({
        type: 'approval',
        title: 'Transfer $150 to Alice?',
        assignees: ['user:bob'],
      });
      ids.push(task.id);
    }),
  );
  const respond = await timed(() =>
    pool(ids.length, 64, (i) =>
      heed.tasks.respond(ids[i] as string, { outcome: 'approve' }, { principal: 'user:bob' }),
    ),
  );
  const settle = await timed(() => heed.idle());
  await heed.stop();
  return { n: ids.length, createMs: create.ms, respondMs: respond.ms, settleMs: settle.ms };
}

async function askRoundTrips(dir: string) {
  const heed = open(join(dir, 'asks.db'));
  const wf = heed.workflow('asker', async (ctx) => (await ctx.ask({ type: 'approval', title: 'Go?' })).outcome);
  await heed.start();
  const ids = Array.from({ length: SIZES.asks }, (_, i) => `ask-${i}`);
  const total = await timed(async () => {
    await pool(ids.length, 64, (i) => wf.start(null, { id: ids[i] as string }));
    await heed.idle();
    const pending: { id: string }[] = [];
    for (let cursor: string | undefined; ; ) {
      const page = await heed.tasks.list({ status: 'pending', limit: 1000, cursor });
      pending.push(...page.items);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    await pool(pending.length, 64, (i) =>
      heed.tasks.respond(pending[i]?.id as string, { outcome: 'approve' }, { principal: 'user:x' }),
    );
    await Promise.all(ids.map((id) => wf.handle(id).result()));
  });
  await heed.stop();
  return { n: ids.length, ms: total.ms };
}

async function inboxQueries(dir: string) {
  const store = new SqliteStore(join(dir, 'inbox.db'), { durability: DURABILITY });
  const heed = new Heed({ store, clock: new SystemClock(), concurrency: 64 });
  // Not started: only the task rows matter here, not their lifecycle runs.
  const groups = (p: string) => (p === 'user:alice' ? ['group:finance', 'group:oncall'] : []);
  const heedWithGroups = new Heed({ store, groupsOf: groups });
  const assigneesFor = (i: number) =>
    i % 10 === 0
      ? ['user:alice']
      : i % 10 === 1
        ? ['group:finance']
        : i % 10 === 2
          ? ['group:oncall']
          : [`user:u${i % 5000}`];
  const created = await timed(() =>
    pool(SIZES.pending, 256, (i) =>
      heedWithGroups.tasks.create({
        type: i % 3 ? 'approval' : 'review',
        title: `Task ${i}`,
        assignees: assigneesFor(i),
        requester: `user:r${i % 100}`,
        deadline: '8h',
      }),
    ),
  );
  const sample = async (fn: () => Promise<unknown>) => {
    const times: number[] = [];
    for (let i = 0; i < SIZES.queries; i++) {
      const t0 = nowMs();
      await fn();
      times.push(nowMs() - t0);
    }
    return { p50: percentile(times, 50), p99: percentile(times, 99) };
  };
  let deepCursor: string | undefined;
  for (let i = 0, cursor: string | undefined; i < 20; i++) {
    const page = await heedWithGroups.tasks.inbox('user:alice', { limit: 500, cursor });
    cursor = page.nextCursor ?? undefined;
    deepCursor = cursor;
  }
  const rows = [
    [
      'inbox of user:alice (direct + 2 groups, 30% of all tasks), first 50',
      await sample(() => heedWithGroups.tasks.inbox('user:alice', { limit: 50 })),
    ],
    [
      'inbox of user:alice, 50 after 10,000 (cursor)',
      await sample(() => heedWithGroups.tasks.inbox('user:alice', { limit: 50, cursor: deepCursor })),
    ],
    [
      'inbox of user:u42 (a handful of tasks)',
      await sample(() => heedWithGroups.tasks.inbox('user:u42', { limit: 50 })),
    ],
    [
      'list status=pending type=review, first 50',
      await sample(() => heedWithGroups.tasks.list({ status: 'pending', type: 'review', limit: 50 })),
    ],
    [
      'list requester=user:r7, first 50',
      await sample(() => heedWithGroups.tasks.list({ requester: 'user:r7', limit: 50 })),
    ],
  ] as const;
  await heed.stop();
  return { created: created.ms, rows };
}

async function main(): Promise<void> {
  const started = nowMs();
  const dir = tempDir('tasks');
  try {
    log(`create and resolve ${SIZES.tasks} tasks`);
    const cr = await createAndResolve(dir.path);
    log(`${SIZES.asks} ctx.ask round trips`);
    const asks = await askRoundTrips(dir.path);
    log(`${SIZES.pending} pending tasks, then queries`);
    const inbox = await inboxQueries(dir.path);
    const perS = (n: number, ms: number) => `${fmt(n / (ms / 1000))}/s`;
    const out = [
      '# Heed human-task benchmark',
      '',
      `Node ${process.version}; BENCH_SCALE=${SCALE}; SqliteStore durability ${DURABILITY} (BENCH_DURABILITY); total ${sig((nowMs() - started) / 1000)} s.`,
      '',
      table(
        ['Metric', 'Heed'],
        [
          [`Create ${fmt(cr.n)} standalone tasks (concurrency 64)`, perS(cr.n, cr.createMs)],
          [`Resolve them (respond, concurrency 64)`, perS(cr.n, cr.respondMs)],
          ['Create + resolve, per task', `${sig((cr.createMs + cr.respondMs) / cr.n)} ms`],
          ['Lifecycle runs settling after the answers', `${sig(cr.settleMs)} ms for ${fmt(cr.n)}`],
          [`ctx.ask round trips (start, ask, answer, run finished) × ${fmt(asks.n)}`, perS(asks.n, asks.ms)],
          [`Creating ${fmt(SIZES.pending)} pending tasks`, perS(SIZES.pending, inbox.created)],
        ],
      ),
      '',
      `## Queries with ${fmt(SIZES.pending)} pending tasks (${SIZES.queries} runs each)`,
      '',
      table(
        ['Query', 'p50', 'p99'],
        inbox.rows.map(([name, t]) => [name, `${sig(t.p50)} ms`, `${sig(t.p99)} ms`]),
      ),
      '',
    ];
    process.stdout.write(out.join('\n'));
  } finally {
    dir.remove();
  }
}

await main();
