/**
 * Makes a SQLite store file for test/store/upgrade.test.ts with a RELEASED version of Heed: copy this file to
 * the root of a checkout of that release and run it there, e.g.
 *
 *   git worktree add /tmp/prev <release commit> && cp scripts/upgrade-fixtures/sqlite.ts /tmp/prev/
 *   cd /tmp/prev && npm ci && npx node sqlite.ts <path to test/fixtures/upgrade/...>
 *
 * Its imports are that release's modules (relative to its root), not this checkout's.
 */
// biome-ignore-all lint: runs in another checkout
// @ts-nocheck
// Run in a checkout of the previous release: writes a SQLite store with runs waiting on tasks.
import { registerDemoWorkflows } from './src/demo/workflows.ts';
import { Heed } from './src/index.ts';
import { SqliteStore } from './src/sqlite.ts';
import { VirtualClock } from './src/time/virtual-clock.ts';

const path = process.argv[2] as string;
const heed = new Heed({ store: new SqliteStore(path), clock: new VirtualClock() });
registerDemoWorkflows(heed);
await heed.start();
await heed.startWorkflow('refund', { customer: 'alice', amount: 150 }, { id: 'refund-before-upgrade' });
await heed.startWorkflow('banking', { message: 'Transfer $150 to Alice' }, { id: 'banking-before-upgrade' });
await heed.tasks.create({
  type: 'approval',
  title: 'Deploy 1.9?',
  assignees: ['user:ops'],
  idempotencyKey: 'standalone-before-upgrade',
});
await heed.idle();
console.log(
  (await heed.tasks.list({ status: 'pending' })).items.map((t) => `${t.id} ${t.runId} ${t.title}`).join('\n'),
);
await heed.stop();
