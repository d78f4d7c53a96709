/**
 * `npm run example -- async-approval --fast`: a data-export approval with a reminder at 5 min,
 * escalation to a backup reviewer at 30 min and a timeout at 8 h, on a virtual clock: a backup
 * reviewer approves at 2 h; then the same request again, unanswered, is rejected at its 8 h deadline.
 * Without `--fast` it runs for real and prints how to answer from another terminal: an inbox
 * served on this example's store, or `heed respond` (reminders and escalation print as they happen).
 */
import { Heed, type Notification, VirtualClock } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite.ts';
import { answerLater } from '../terminal.ts';

const fast = process.argv.includes('--fast');
const clock = fast ? new VirtualClock() : undefined;
const start = clock?.now() ?? Date.now();
const at = () => `+${Math.round(((clock?.now() ?? Date.now()) - start) / 60_000)}m`;
const console_ = {
  channel: 'console',
  async notify(n: Notification) {
    console.log(`${at()} notify ${n.kind}: ${n.recipients.join(', ')} — ${n.task.title}`);
  },
};
const db = process.env.HEED_EXAMPLE_DB ?? '.heed/examples/async-approval.db';
const heed = new Heed({
  store: new SqliteStore(db),
  notifiers: [console_],
  ...(clock ? { clock } : {}),
});
const exportData = heed.workflow('data-export-approval', async (ctx, input: { dataset: string }) => {
  const decision = await ctx.ask({
    type: 'approval',
    title: `Export ${input.dataset} (contains PII)?`,
    payload: { dataset: input.dataset, piiDetected: true },
    assignees: ['user:analyst-lead'],
    channels: ['console'],
    remind: { after: '5m' },
    escalate: [{ after: '30m', to: ['user:backup-reviewer'] }],
    deadline: '8h',
  });
  return { outcome: decision.outcome, by: decision.by, via: decision.via, status: decision.status };
});
await heed.start();
const run = await exportData.start({ dataset: 'customers_q1' });
await heed.idle();
const asked = (await heed.tasks.list({ status: 'pending' })).items.find((t) => t.runId === run.id);
const deadline = asked?.deadline ?? start;
console.log(
  `${at()} asked: waiting for user:analyst-lead (run ${run.id}); deadline +${Math.round((deadline - start) / 60_000)}m`,
);
if (!clock && asked) {
  console.log(
    answerLater({
      db,
      taskId: asked.id,
      as: 'user:analyst-lead',
      serve: ' --no-demo',
      headline: `Answer it from another terminal; this process waits and prints the outcome (Ctrl-C leaves it waiting in ${db}).`,
      after: 'and the outcome prints here.',
    }),
  );
}
if (clock) {
  await clock.advance('5m');
  await heed.idle();
  await clock.advance('25m');
  await heed.idle();
  await clock.advance('90m');
  const [task] = (await heed.tasks.inbox('user:backup-reviewer')).items;
  console.log(`${at()} user:backup-reviewer approves from their phone`);
  await heed.tasks.respond(task?.id ?? '', { outcome: 'approve' }, { principal: 'user:backup-reviewer', via: 'slack' });
}
const result = await run.result();
console.log(`${at()} resumed: ${JSON.stringify(result)}`);
if (clock) {
  // The same request again, and this time nobody answers: at the 8 h deadline it fails closed.
  const unanswered = await exportData.start({ dataset: 'payroll_2026' });
  await heed.idle();
  console.log(`${at()} asked again; nobody answers this time`);
  await clock.advance('5m');
  await heed.idle();
  await clock.advance('25m');
  await heed.idle();
  await clock.advance('450m');
  console.log(`${at()} deadline (8 h after asking): ${JSON.stringify(await unanswered.result())}`);
}
await heed.stop();
