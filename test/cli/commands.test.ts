import { execFile, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { testServer } from '../server/helpers.ts';
import { childOutput } from './child-output.ts';
import { CLI, heed, ROOT } from './run-cli.ts';

// Each case starts several CLI processes; on a busy machine that takes a while.
describe('heed, the command', { timeout: 120_000 }, () => {
  it('prints its version, its commands, and each command’s own help', async () => {
    const { version } = (await import('../../package.json', { with: { type: 'json' } })).default;
    expect((await heed(['--version'])).out.trim()).toBe(`heed ${version}`);
    const help = await heed(['help']);
    expect(help.code).toBe(0);
    for (const command of ['serve', 'tasks', 'inbox', 'show', 'respond', 'runs', 'audit']) {
      expect(help.out).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
    const respond = await heed(['help', 'respond']);
    expect(respond.out).toContain('Usage: heed respond ID OUTCOME [options]');
    expect(respond.out).toContain('--edit');
    expect((await heed(['respond', '--help'])).out).toBe(respond.out);
    expect((await heed(['serve', '-h'])).out).toContain('--no-demo');

    const unknown = await heed(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown command "frobnicate"');
    const badFlag = await heed(['tasks', '--colour']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.err).toContain("Unknown option '--colour'");
  });

  it('asks for a required reason before sending, and sends nothing without one', async () => {
    const s = await testServer();
    const task = await s.heed.tasks.create({ type: 'approval', title: 'Refund $80?', assignees: ['user:ann'] });
    const none = await heed(['respond', task.id, 'reject', '--as', 'user:ann'], { url: s.url, input: '\n' });
    expect(none.out).toContain('Reason (required)');
    expect(none.code).toBe(2);
    expect(none.err).toContain('A reject needs a reason: add --comment TEXT');
    expect((await s.heed.tasks.get(task.id))?.status).toBe('pending');
    expect((await s.heed.tasks.audit(task.id)).map((e) => e.action)).not.toContain('refused');

    expect((await heed(['tasks', '-q', '--as', 'user:ann'], { url: s.url })).out).toBe(`${task.id}\n`);
    const wrong = await heed(['respond', task.id, 'maybe', '--as', 'user:ann'], { url: s.url });
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain('"maybe" is not an outcome of this task: approve, reject');

    // An empty line is asked again; the reason typed next is sent.
    const given = await heed(['respond', task.id, 'reject', '--as', 'user:ann'], {
      url: s.url,
      input: '\nthe customer already got a voucher\n',
    });
    expect(given.code).toBe(0);
    expect(given.out).toContain('resolved (reject by user:ann)');
    expect((await s.heed.tasks.get(task.id))?.result).toMatchObject({
      outcome: 'reject',
      comment: 'the customer already got a voucher',
      via: 'cli',
    });
  });

  it('edits arguments in $EDITOR or inline, only where the task allows it', async () => {
    const s = await testServer();
    const pay = () =>
      s.heed.tasks.create({
        type: 'approval',
        title: 'Pay Acme?',
        assignees: ['user:ann'],
        action: { tool: 'pay', args: { to: 'acme', cents: 50_000 } },
        allowEdit: true,
      });
    const edited = await pay();
    // The "editor" rewrites the file it is given, as a person would in vi.
    const byEditor = await heed(['respond', edited.id, 'approve', '--edit', '--as', 'user:ann'], {
      url: s.url,
      env: { EDITOR: 'sed -i s/50000/42000/', VISUAL: '' },
    });
    expect(byEditor.code).toBe(0);
    expect(byEditor.out).toContain('cents: 50000 → 42000');
    expect((await s.heed.tasks.get(edited.id))?.result?.args).toEqual({ to: 'acme', cents: 42_000 });

    const broken = await pay();
    const badEdit = await heed(['respond', broken.id, 'approve', '--edit', '--as', 'user:ann'], {
      url: s.url,
      env: { EDITOR: 'sed -i s/}/oops/', VISUAL: '' },
    });
    expect(badEdit.code).toBe(2);
    expect(badEdit.err).toContain('must be JSON');
    expect((await s.heed.tasks.get(broken.id))?.status).toBe('pending');

    const inline = await heed(
      ['respond', broken.id, 'approve', '--args', '{"to":"acme","cents":1}', '--as', 'user:ann'],
      {
        url: s.url,
      },
    );
    expect(inline.code).toBe(0);
    expect((await s.heed.tasks.get(broken.id))?.result?.args).toEqual({ to: 'acme', cents: 1 });

    const fixed = await s.heed.tasks.create({
      type: 'approval',
      title: 'Delete the cluster?',
      assignees: ['user:ann'],
      action: { tool: 'delete', args: { cluster: 'eu-1' } },
    });
    const refused = await heed(['respond', fixed.id, 'approve', '--args', '{"cluster":"us-1"}', '--as', 'user:ann'], {
      url: s.url,
    });
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('does not let you edit its arguments');
  });

  it('shows a task with its history: who was asked, who answered, with what comment', async () => {
    const s = await testServer();
    const task = await s.heed.tasks.create({
      type: 'approval',
      title: 'Export the CRM?',
      assignees: ['user:ann'],
      action: { tool: 'export', args: { rows: 10 } },
      allowEdit: true,
    });
    await s.heed.tasks.respond(
      task.id,
      { outcome: 'approve', comment: 'only ten rows', args: { rows: 5 } },
      { principal: 'user:ann', via: 'slack' },
    );
    const show = await heed(['show', task.id, '--as', 'user:ann'], { url: s.url });
    expect(show.code).toBe(0);
    expect(show.out).toContain('History');
    expect(show.out).toMatch(/created\s+system/);
    expect(show.out).toMatch(/responded\s+user:ann\s+slack\s+approve\s+only ten rows/);
    expect(show.out).toContain('rows: 10 → 5');
    expect(show.out).toMatch(/result\s+approve by user:ann via slack/);
  });

  it('answers at the terminal with inbox --watch: re-asks a wrong outcome, takes edited arguments and a reason', async () => {
    const s = await testServer();
    const pay = await s.heed.tasks.create({
      type: 'approval',
      title: 'Pay Acme?',
      assignees: ['user:ann'],
      action: { tool: 'pay', args: { cents: 500 } },
      allowEdit: true,
    });
    const child = spawn(process.execPath, [CLI, 'inbox', '--watch', '--as', 'user:ann'], {
      env: { ...process.env, HEED_URL: s.url, NO_COLOR: '1' },
    });
    const output = childOutput(child);
    const waitFor = output.waitFor;
    await waitFor('Outcome [approve/reject');
    child.stdin.write('yes\n');
    await waitFor('"yes" is not one of: approve, reject');
    child.stdin.write('approve\n');
    await waitFor('Arguments: Enter keeps them');
    child.stdin.write('{"cents": 400}\n');
    await waitFor('Comment (optional)');
    child.stdin.write('\n');
    await waitFor('✓ resolved');
    expect((await s.heed.tasks.get(pay.id))?.result).toMatchObject({ args: { cents: 400 }, via: 'cli' });

    const wipe = await s.heed.tasks.create({
      type: 'approval',
      title: 'Wipe staging?',
      description: 'Removes **every** table of [staging](https://staging.example.com):\n\n- users\n- orders',
      assignees: ['user:ann'],
    });
    await waitFor('Wipe staging?');
    // The description is Markdown, shown as plain text: no ** or []().
    await waitFor('- orders');
    expect(output.text()).toContain(
      'Removes every table of staging (https://staging.example.com):\n\n- users\n- orders',
    );
    expect(output.text()).not.toContain('**');
    await waitFor('Outcome [approve/reject', 2);
    child.stdin.write('reject\n');
    await waitFor('Reason (required)');
    child.stdin.write('\n');
    await waitFor('Reason (required)', 2);
    child.stdin.write('demo at 3pm\n');
    await waitFor('✓ resolved', 2);
    child.stdin.end();
    await new Promise((resolve) => child.once('exit', resolve));
    expect((await s.heed.tasks.get(wipe.id))?.result).toMatchObject({ outcome: 'reject', comment: 'demo at 3pm' });
    expect(output.text()).not.toContain('COMMENT_REQUIRED');
  });
});

describe('the installed bin', { timeout: 120_000 }, () => {
  it('is executable after the build and runs through npx', async () => {
    // `npm test` builds dist/ first; the build marks the bin executable.
    expect(statSync(join(ROOT, 'dist', 'cli', 'main.js')).mode & 0o111).not.toBe(0);
    const { stdout } = await promisify(execFile)('npx', ['--no-install', 'heed', '--version'], { cwd: ROOT });
    expect(stdout).toMatch(/^heed \d+\.\d+\.\d+/);
  });
});
