/**
 * Records the histories Heed's own CI replays against today's demo workflows
 * (test/engine/replay-history.test.ts): a refund waiting for its approval, a refund approved and
 * done, a banking transfer approved, and a data export with its form. Run it again only when a
 * demo workflow changes on purpose (and say so in the commit): the committed histories are the
 * runs that would be waiting in a deployment when the change ships.
 *
 *   node scripts/record-histories.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerDemoWorkflows } from '../src/demo/workflows.ts';
import { Heed } from '../src/index.ts';
import { SqliteStore } from '../src/sqlite.ts';
import { VirtualClock } from '../src/time/virtual-clock.ts';

const OUT = join(import.meta.dirname, '..', 'test', 'fixtures', 'histories');
const dir = mkdtempSync(join(tmpdir(), 'heed-histories-'));
const heed = new Heed({ store: new SqliteStore(join(dir, 'heed.db')), clock: new VirtualClock() });
registerDemoWorkflows(heed);
await heed.start();

async function pendingTaskOf(runId: string) {
  await heed.idle();
  const task = (await heed.tasks.list({ status: 'pending' })).items.find((t) => t.runId === runId);
  if (!task) throw new Error(`run ${runId} asked nothing`);
  return task;
}
async function save(name: string, runId: string) {
  await heed.idle();
  writeFileSync(join(OUT, `${name}.json`), `${JSON.stringify(await heed.exportHistory(runId), null, 2)}\n`);
  console.log(`wrote ${name}.json`);
}

const waiting = await heed.startWorkflow('refund', { customer: 'alice', amount: 150 }, { id: 'refund-waiting' });
await pendingTaskOf(waiting.id);
await save('refund-waiting', waiting.id);

const approved = await heed.startWorkflow('refund', { customer: 'bob', amount: 90 }, { id: 'refund-approved' });
await heed.tasks.respond((await pendingTaskOf(approved.id)).id, { outcome: 'approve' }, { principal: 'user:ops' });
await approved.result();
await save('refund-approved', approved.id);

const bank = await heed.startWorkflow('banking', { message: 'Transfer $150 to Alice' }, { id: 'banking-transfer' });
await heed.tasks.respond((await pendingTaskOf(bank.id)).id, { outcome: 'approve' }, { principal: 'user:ops' });
await bank.result();
await save('banking-transfer', bank.id);

const exported = await heed.startWorkflow('data-export', { dataset: 'customers' }, { id: 'data-export-form' });
await heed.tasks.respond(
  (await pendingTaskOf(exported.id)).id,
  { outcome: 'submit', data: { purpose: 'The quarterly audit of consents', retentionDays: 30 } },
  { principal: 'user:alice' },
);
await exported.result();
await save('data-export-form', exported.id);

await heed.stop();
rmSync(dir, { recursive: true, force: true });
