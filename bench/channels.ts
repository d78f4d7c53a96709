/**
 * Channels benchmark: a burst of 1,000 tasks, each mailed (to a local SMTP server, smtp-server)
 * and posted (to a local server speaking Slack's Web API), through Heed's durable deliveries;
 * the time until every notice is delivered and recorded, against the same notices sent directly
 * with nodemailer and @slack/web-api (no records, no retries): the per-notice overhead of
 * durability. `BENCH_SCALE` shrinks the burst. No assertions: this measures, it does not test.
 */
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import nodemailer from 'nodemailer';
import { Channels } from '../src/channels/channels.ts';
import { Heed, SystemClock } from '../src/index.ts';
import { SqliteStore } from '../src/sqlite.ts';
import { FakeSlack } from '../test/channels/slack-server.ts';
import { TestSmtp } from '../test/channels/smtp.ts';
import { fmt, nowMs, pool, SCALE, sig, table, tempDir, timed } from './util.ts';

const TASKS = Math.max(20, Math.round(1_000 * SCALE));
const log = (message: string) => process.stderr.write(`[bench:channels] ${message}\n`);

async function throughHeed(dir: string, smtp: TestSmtp, slack: FakeSlack) {
  const channels = new Channels({
    people: { 'user:alice': { name: 'Alice', email: 'alice@example.com', slack: 'U0ALICE' } },
    email: { smtp: `${smtp.url}/?pool=true&maxConnections=8`, from: 'Heed <heed@example.com>' },
    slack: { token: slack.token, apiUrl: slack.url },
  });
  const heed = new Heed({
    store: new SqliteStore(join(dir, 'channels.db')),
    clock: new SystemClock(),
    concurrency: 64,
    notifiers: channels.notifiers,
  });
  channels.attach(heed, { linkSecret: 'bench-link-secret-0123456789', baseUrl: () => 'http://127.0.0.1:4000' });
  await heed.start();
  const started = nowMs();
  await pool(TASKS, 64, () =>
    heed.tasks.create({ type: 'approval', title: 'Transfer $150 to Alice?', assignees: ['user:alice'] }),
  );
  const created = nowMs() - started;
  for (;;) {
    if (smtp.mails.length >= TASKS && slack.messages.length >= TASKS) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const delivered = nowMs() - started;
  await heed.idle();
  const recorded = nowMs() - started;
  channels.stop();
  await heed.stop();
  return { created, delivered, recorded };
}

async function direct(smtp: TestSmtp, slack: FakeSlack) {
  const mailer = nodemailer.createTransport(`${smtp.url}/?pool=true&maxConnections=8`);
  const client = new WebClient(slack.token, { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
  const { ms } = await timed(() =>
    pool(TASKS, 64, async (i) => {
      await Promise.all([
        mailer.sendMail({
          from: 'Heed <heed@example.com>',
          to: 'alice@example.com',
          subject: 'Transfer $150 to Alice?',
          text: `Task ${i}`,
          html: `<p>Task ${i}</p>`,
        }),
        client.chat.postMessage({ channel: 'DU0ALICE', text: `Task ${i}` }),
      ]);
    }),
  );
  mailer.close();
  return ms;
}

async function main() {
  const dir = tempDir('heed-bench-channels-');
  const smtp = await new TestSmtp().start();
  const slack = await new FakeSlack().start();
  try {
    log(`${TASKS} tasks through Heed…`);
    const heed = await throughHeed(dir.path, smtp, slack);
    smtp.mails.length = 0;
    slack.messages.length = 0;
    log(`${TASKS} × (mail + post) sent directly…`);
    const raw = await direct(smtp, slack);
    const notices = TASKS * 2;
    const out = [
      `# Channels: a burst of ${fmt(TASKS)} tasks, each mailed and posted to Slack (${fmt(notices)} notices)`,
      '',
      `Local smtp-server and a local Slack Web API server on 127.0.0.1; Node ${process.version}; BENCH_SCALE=${SCALE}.`,
      '',
      table(
        ['Metric', 'Heed (durable deliveries)', 'Direct (nodemailer + WebClient)'],
        [
          [`Create ${fmt(TASKS)} tasks`, `${sig(heed.created)} ms`, '—'],
          ['Until every notice was delivered', `${sig(heed.delivered)} ms`, `${sig(raw)} ms`],
          ['Until every delivery was recorded (runs settled)', `${sig(heed.recorded)} ms`, '—'],
          ['Notices per second', fmt((notices / heed.delivered) * 1000), fmt((notices / raw) * 1000)],
          ['Time per notice', `${sig(heed.delivered / notices)} ms`, `${sig(raw / notices)} ms`],
          ['Overhead per notice (durability: run, steps, records)', `${sig((heed.recorded - raw) / notices)} ms`, '—'],
        ],
      ),
      '',
    ];
    process.stdout.write(out.join('\n'));
  } finally {
    await smtp.stop();
    await slack.stop();
    dir.remove();
  }
}

await main();
