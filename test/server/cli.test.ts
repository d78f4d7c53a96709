import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { childOutput } from '../cli/child-output.ts';
import { testServer } from './helpers.ts';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

async function heed(url: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], {
      env: { ...process.env, HEED_URL: url, NO_COLOR: '1' },
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

describe('the heed CLI against a server', { timeout: 120_000 }, () => {
  it('lists, shows, answers and verifies tasks, with clear errors', async () => {
    const s = await testServer();
    const task = await s.heed.tasks.create({
      type: 'approval',
      title: 'Deploy to production?',
      assignees: ['user:ann'],
      action: { tool: 'deploy', args: { region: 'eu' } },
      allowEdit: true,
    });
    const tasks = await heed(s.url, 'tasks', '--as', 'user:ann');
    expect(tasks.code).toBe(0);
    expect(tasks.out).toMatch(/ID\s+TYPE\s+STATUS\s+TITLE/);
    expect(tasks.out).toContain('Deploy to production?');
    expect((await heed(s.url, 'show', task.id, '--as', 'user:ann')).out).toContain('deploy {"region":"eu"}');

    const bad = await heed(s.url, 'respond', task.id, 'approve', '--as', 'user:ann', '--args', '{not json');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--args must be JSON');
    const answered = await heed(s.url, 'respond', task.id, 'approve', '--as', 'user:ann', '--args', '{"region":"us"}');
    expect(answered.out).toContain('resolved (approve by user:ann)');
    expect((await s.heed.tasks.get(task.id))?.result).toMatchObject({ via: 'cli', args: { region: 'us' } });
    const late = await heed(s.url, 'respond', task.id, 'reject', '--as', 'user:ann', '--comment', 'no');
    expect(late.code).toBe(1);
    expect(late.err).toContain('TASK_ALREADY_RESOLVED');

    const audit = await heed(s.url, 'audit', 'verify', task.id);
    expect(audit.out).toContain('responded');
    expect(audit.out).toContain('✓ the chain of');
    expect((await heed('http://127.0.0.1:9', 'tasks')).err).toContain('Cannot reach Heed');
    // Eight CLI processes, each a Node start: slow on a loaded 2-core machine.
  }, 120_000);

  it('exports a run’s history that replayHistory replays, for its initiator only', async () => {
    const s = await testServer({
      setup: (heed) => {
        heed.workflow('ship', async (ctx) => {
          await ctx.step('build', () => 'built');
          return ctx.recv('go');
        });
      },
    });
    const run = await s.call('POST', '/v1/runs', { as: 'user:ann', body: { workflow: 'ship', id: 'ship-7' } });
    expect(run.status).toBe(201);
    await s.heed.idle();
    const exported = await heed(s.url, 'history', 'export', 'ship-7', '--as', 'user:ann');
    expect(exported.code).toBe(0);
    const history = JSON.parse(exported.out);
    expect(history).toMatchObject({ format: 'heed.history/1', runId: 'ship-7', workflow: 'ship' });
    expect(history.history.map((op: { kind: string; name: string }) => `${op.kind}:${op.name}`)).toEqual([
      'step:build',
    ]);
    expect(await s.heed.replayHistory('ship', history)).toMatchObject({ ok: true, reachedEnd: 'frontier' });
    const other = await heed(s.url, 'history', 'export', 'ship-7', '--as', 'user:bob');
    expect(other.code).not.toBe(0);
    expect(other.err).toContain('ship-7');
    expect((await heed(s.url, 'history', 'ship-7')).err).toContain('usage: heed history export RUN_ID');
  });

  it('lists blocked runs with why, and resumes one onto another version (admins only, recorded)', async () => {
    let changed = false;
    const s = await testServer({
      auth: { admins: new Set(['user:admin']) },
      setup: (heed) => {
        heed.workflow('ship', async (ctx) => {
          await ctx.step(changed ? 'lint' : 'build', () => 'ok');
          return ctx.recv('go');
        });
        // The original code, kept as version 2 to rescue runs made by it.
        heed.workflow(
          'ship',
          async (ctx) => {
            await ctx.step('build', () => 'ok');
            return ctx.recv('go');
          },
          { version: 2 },
        );
      },
    });
    // Started on version 2 (the newest), then cancelled and moved to version 1, whose code diverges.
    await s.call('POST', '/v1/runs', { as: 'user:ann', body: { workflow: 'ship', id: 'ship-9' } });
    await s.heed.idle();
    await s.heed.runs.cancel('ship-9');
    changed = true; // version 1's code diverges from the recorded "build"
    const moved = await s.call('POST', '/v1/runs/ship-9/resume', { as: 'user:admin', body: { version: 1 } });
    expect(moved).toMatchObject({ status: 200, body: { workflow: 'ship', version: 1 } });
    await s.heed.idle();
    await vi.waitFor(async () => expect((await s.heed.runs.info('ship-9'))?.status).toBe('blocked'));

    const listed = await heed(s.url, 'runs', '--status', 'blocked', '--as', 'user:admin');
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/ship-9\s+ship\s+1\s+blocked/);
    expect(listed.out).toContain('position 1 is step "lint" in the code but step "build" in the recorded history');
    expect((await heed(s.url, 'runs', 'resume', 'ship-9', '--version', '2', '--as', 'user:ann')).code).not.toBe(0);
    const resumed = await heed(s.url, 'runs', 'resume', 'ship-9', '--version', '2', '--as', 'user:admin');
    expect(resumed.out).toContain('ship-9 is pending on ship version 2');
    await s.heed.send('ship-9', 'go', 'shipped');
    expect(await s.heed.handle('ship-9').result()).toBe('shipped');
    const events = await s.heed.feeds.runEvents(0, 100, 'ship-9');
    expect(events.filter((e) => e.type === 'run.resumed').map((e) => e.data)).toMatchObject([
      { by: 'user:admin', from: 'cancelled', workflow: 'ship' },
      { by: 'user:admin', from: 'blocked', workflow: 'ship@2' },
    ]);
  });

  it('asks each new task at the terminal with inbox --watch', async () => {
    const s = await testServer();
    const child = spawn(process.execPath, [CLI, 'inbox', '--watch', '--as', 'user:ann'], {
      env: { ...process.env, HEED_URL: s.url, NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const output = childOutput(child);
    const waitFor = (text: string) => output.waitFor(text);
    await waitFor('Watching the inbox');
    const task = await s.heed.tasks.create({ type: 'approval', title: 'Restart the cache?', assignees: ['user:ann'] });
    await waitFor('Outcome [approve/reject');
    child.stdin.write('reject\n');
    // A reject needs a reason: asked for as required before anything is sent.
    await waitFor('Reason (required)');
    child.stdin.write('not during the sale\n');
    await waitFor('resolved');
    child.stdin.end();
    await new Promise((resolve) => child.once('exit', resolve));
    expect(output.text()).toContain('Restart the cache?');
    expect((await s.heed.tasks.get(task.id))?.result).toMatchObject({
      outcome: 'reject',
      comment: 'not during the sale',
      via: 'cli',
    });
  });
});
