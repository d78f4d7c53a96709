import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Heed } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite.ts';
import { waitUntil } from './helpers.ts';

const FIXTURE = join(import.meta.dirname, 'task-fixture.ts');
const children: ChildProcess[] = [];
let dir = '';
let client: Heed | undefined;

afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await client?.stop({ grace: 0 });
  client = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function spawnWorker(dbPath: string, start: boolean): ChildProcess {
  const child = spawn(process.execPath, [FIXTURE, dbPath, dir, ...(start ? ['start'] : [])], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  return child;
}

function exited(child: ChildProcess): Promise<NodeJS.Signals | number | null> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
}

function notifications(): { kind: string; recipients: string[]; pid: number }[] {
  const file = join(dir, 'notifications.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { kind: string; recipients: string[]; pid: number });
}

describe('crash: human tasks', () => {
  it('sends an escalation notice exactly once when the process is SIGKILLed between the escalation and its notice', async () => {
    dir = mkdtempSync(join(tmpdir(), 'heed-task-crash-'));
    const dbPath = join(dir, 'heed.db');
    const first = spawnWorker(dbPath, true);
    expect(await exited(first)).toBe('SIGKILL');
    expect(existsSync(join(dir, 'killed-before-escalation-notice'))).toBe(true);

    client = new Heed({ store: new SqliteStore(dbPath) });
    const [task] = (await client.tasks.list()).items;
    const taskId = task?.id ?? '';
    const actionsBefore = (await client.tasks.audit(taskId)).map((e) => `${e.action}@${e.via}`);
    expect(actionsBefore).toContain('escalated@timer');
    expect(actionsBefore.filter((a) => a === 'notified@file')).toHaveLength(1); // the creation notice only
    expect(notifications().map((n) => n.kind)).toEqual(['created']);

    spawnWorker(dbPath, false);
    await waitUntil(
      'the escalation notice',
      async () => notifications().some((n) => n.kind === 'escalated') || undefined,
    );
    await client.tasks.respond(taskId, { outcome: 'approve' }, { principal: 'user:bob', via: 'slack' });
    expect(await client.handle('ask-1').result({ timeout: '20s' })).toEqual({ outcome: 'approve', by: 'user:bob' });

    const sent = notifications();
    expect(sent.filter((n) => n.kind === 'escalated')).toEqual([
      expect.objectContaining({ kind: 'escalated', recipients: ['user:bob'] }),
    ]);
    const audit = (await client.tasks.audit(taskId)).map((e) => `${e.action}@${e.via}`);
    expect(audit.filter((a) => a === 'escalated@timer')).toHaveLength(1);
    expect(audit.filter((a) => a === 'notified@file')).toHaveLength(2);
    expect((await client.tasks.verifyAudit(taskId)).ok).toBe(true);
  });
});
