/**
 * Child process for the channel crash test: a worker with real email (SMTP) and Slack (a local
 * Web API server) channels that SIGKILLs its own process right after a reminder was handed to
 * a provider and before Heed recorded it as sent, once per channel (a marker file per channel).
 *
 * Usage: node channel-fixture.ts <db path> <work dir> <config JSON> [start]
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Channels } from '../../src/channels/channels.ts';
import type { ChannelsConfig } from '../../src/channels/config.ts';
import { Heed } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite.ts';

const [dbPath, workDir, configJson, mode] = process.argv.slice(2);
if (!dbPath || !workDir || !configJson) throw new Error('usage: channel-fixture.ts <db> <dir> <config> [start]');

const channels = new Channels(JSON.parse(configJson) as ChannelsConfig, {
  onSent: (input) => {
    const marker = join(workDir, `killed-after-${input.channel}-reminder`);
    if (input.kind === 'reminder' && !existsSync(marker)) {
      writeFileSync(marker, String(process.pid));
      process.kill(process.pid, 'SIGKILL');
    }
  },
});
const heed = new Heed({
  store: new SqliteStore(dbPath),
  lease: '1s',
  pollInterval: '100ms',
  notifiers: channels.notifiers,
});
channels.attach(heed, { linkSecret: 'crash-test-link-secret-0123456789', baseUrl: () => 'http://127.0.0.1:9' });
const wf = heed.workflow('needs-approval', async (ctx) => {
  const answer = await ctx.ask({
    type: 'approval',
    title: 'Delete the staging database?',
    assignees: ['user:alice'],
    remind: { after: '2s', max: 1 },
  });
  return { outcome: answer.outcome, by: answer.by };
});
await heed.start();
await channels.start();
if (mode === 'start') await wf.start(null, { id: 'ask-1' });
process.stdout.write('READY\n');
process.stdin.on('end', () => void heed.stop({ grace: 0 }).then(() => process.exit(0))).resume();
