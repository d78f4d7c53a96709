/**
 * Child process for the human-task crash test: a worker whose notification channel ("file")
 * appends to a log, and SIGKILLs its own process the first time it is about to send an
 * escalation, i.e. after the escalation was recorded and before its notification went out.
 *
 * Usage: node task-fixture.ts <db path> <work dir> [start]
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Heed, type Notification } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite.ts';

const [dbPath, workDir, mode] = process.argv.slice(2);
if (!dbPath || !workDir) throw new Error('usage: task-fixture.ts <db> <dir> [start]');
const marker = join(workDir, 'killed-before-escalation-notice');
const log = join(workDir, 'notifications.jsonl');

const fileChannel = {
  channel: 'file',
  async notify(n: Notification): Promise<void> {
    if (n.kind === 'escalated' && !existsSync(marker)) {
      writeFileSync(marker, String(process.pid));
      process.kill(process.pid, 'SIGKILL');
    }
    appendFileSync(
      log,
      `${JSON.stringify({ key: n.key, kind: n.kind, recipients: n.recipients, pid: process.pid })}\n`,
    );
  },
};

const heed = new Heed({ store: new SqliteStore(dbPath), lease: '1s', pollInterval: '100ms', notifiers: [fileChannel] });
const wf = heed.workflow('needs-approval', async (ctx) => {
  const answer = await ctx.ask({
    type: 'approval',
    title: 'Delete the staging database?',
    assignees: ['user:alice'],
    channels: ['file'],
    escalate: [{ after: '1s', to: ['user:bob'] }],
  });
  return { outcome: answer.outcome, by: answer.by };
});
await heed.start();
if (mode === 'start') await wf.start(null, { id: 'ask-1' });
process.stdout.write('READY\n');
process.stdin.on('end', () => void heed.stop({ grace: 0 }).then(() => process.exit(0))).resume();
