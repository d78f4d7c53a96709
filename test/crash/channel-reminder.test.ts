import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Heed } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite.ts';
import { FakeSlack } from '../channels/slack-server.ts';
import { TestSmtp } from '../channels/smtp.ts';
import { waitUntil } from './helpers.ts';

const FIXTURE = join(import.meta.dirname, 'channel-fixture.ts');
const children: ChildProcess[] = [];
const stops: (() => Promise<void>)[] = [];
let dir = '';

afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const stop of stops.splice(0)) await stop().catch(() => {});
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function exited(child: ChildProcess): Promise<NodeJS.Signals | number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.signalCode ?? child.exitCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
}

describe('crash: channels', () => {
  it('sends each reminder once on Slack and with one Message-ID by email when SIGKILLed between sending and recording', {
    timeout: 90_000,
  }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'heed-channel-crash-'));
    const smtp = await new TestSmtp().start();
    const slack = await new FakeSlack().start();
    stops.push(
      () => smtp.stop(),
      () => slack.stop(),
    );
    const config = JSON.stringify({
      people: { 'user:alice': { name: 'Alice', email: 'alice@example.com', slack: 'U0ALICE' } },
      email: { smtp: smtp.url, from: 'Heed <heed@example.com>' },
      slack: { token: slack.token, apiUrl: slack.url },
    });
    const dbPath = join(dir, 'heed.db');
    const spawnWorker = (start: boolean) => {
      const child = spawn(process.execPath, [FIXTURE, dbPath, dir, config, ...(start ? ['start'] : [])], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      children.push(child);
      return child;
    };

    // 1st process: sends the first notices, then dies right after handing a reminder to a provider.
    expect(await exited(spawnWorker(true))).toBe('SIGKILL');
    // 2nd process: recovers; dies the same way after the other channel's reminder.
    expect(await exited(spawnWorker(false))).toBe('SIGKILL');
    expect(existsSync(join(dir, 'killed-after-email-reminder'))).toBe(true);
    expect(existsSync(join(dir, 'killed-after-slack-reminder'))).toBe(true);
    // 3rd process: recovers and records both.
    spawnWorker(false);
    const client = new Heed({ store: new SqliteStore(dbPath) });
    stops.push(() => client.stop({ grace: 0 }));
    const [task] = (await client.tasks.list()).items;
    const taskId = task?.id ?? '';
    const reminderKeys = [`${taskId}:reminder:1:email:alice@example.com`, `${taskId}:reminder:1:slack:U0ALICE`];
    await waitUntil('both reminders recorded', async () => {
      const records = await Promise.all(reminderKeys.map((key) => client.deliveries.getDelivery(key)));
      return records.every((r) => r?.status === 'sent') || undefined;
    });

    // Slack: the recovering attempt looked the message up (its metadata) instead of posting it again.
    const posts = slack.callsOf('chat.postMessage');
    expect(posts).toHaveLength(2); // the first DM and its reminder, each once
    expect(slack.inChannel('DU0ALICE')[1]?.thread_ts).toBe(slack.inChannel('DU0ALICE')[0]?.ts);
    expect(slack.callsOf('conversations.replies').length).toBeGreaterThanOrEqual(1);
    // Email: SMTP cannot say whether the dead process's mail went out; a re-send carries the
    // same Message-ID (the documented window), so the reminder is one message to the reader.
    const reminders = smtp.to('alice@example.com').filter((m) => m.subject?.startsWith('Reminder'));
    expect(reminders.length).toBeGreaterThanOrEqual(1);
    expect(new Set(reminders.map((m) => m.messageId)).size).toBe(1);
    // (The first mail may fall into a crash's window too when the machine is slow: one Message-ID.)
    const firsts = smtp.to('alice@example.com').filter((m) => !m.subject?.startsWith('Reminder'));
    expect(new Set(firsts.map((m) => m.messageId)).size).toBe(1);
    const records = await Promise.all(reminderKeys.map((key) => client.deliveries.getDelivery(key)));
    // Each was begun again after the crash that followed its send.
    for (const record of records) expect(record?.attempts).toBeGreaterThanOrEqual(2);
  });
});
