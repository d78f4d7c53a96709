import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.ts';

const demo = join(import.meta.dirname, '..', 'demo', 'restart-demo.ts');
let dir: string | undefined;

afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('npm start (the restart demo)', () => {
  it('kills the worker while the run waits and finishes it in a new process without re-running steps', async () => {
    dir = tempDir('heed-demo-');
    const { stdout } = await promisify(execFile)(process.execPath, [demo], {
      cwd: dir,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      timeout: 60_000,
    });
    expect(stdout).toContain('killed with SIGKILL while the run waits');
    expect(stdout).toContain('"refunded":true,"approvedBy":"user:bob"');
    const effects = stdout.split('\n').filter((line) => /^\s+(draft|issue)-refund pid=/.test(line));
    expect(effects).toHaveLength(2);
    const [draft, issue] = effects.map((line) => line.trim().split(' pid='));
    expect(draft?.[0]).toBe('draft-refund');
    expect(issue?.[0]).toBe('issue-refund');
    // The two step bodies ran in different processes: before and after the crash.
    expect(draft?.[1]).not.toBe(issue?.[1]);
  });
});
