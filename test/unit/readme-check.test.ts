import { describe, expect, it } from 'vitest';
import { readmeCommands, unmet } from '../../scripts/check-readme.ts';

describe('the README check', () => {
  it('reads the shell blocks line by line, with continuations, servers and the documented exceptions', () => {
    const markdown = [
      '```sh',
      'npm install   # builds',
      'npm start',
      'npm test',
      'curl -X POST localhost:4000/v1/runs \\',
      "  -d '{}'",
      '# a comment line',
      '```',
      '```ts',
      'const notShell = 1;',
      '```',
      '<!-- readme-check: skip needs a PostgreSQL server -->',
      '```bash',
      'npx heed serve --postgres postgres://x',
      '```',
      '```sh',
      'npm run example -- agent-inbox',
      'npm run example -- agent-inbox --once',
      'npm run start:postgres -- --port 4001',
      'npx heed worker --postgres postgres://heed:heed@127.0.0.1:54329/heed',
      'HEED_POSTGRES_URL="$(cat .heed/postgres.url)" npx heed worker    # the URL kept off the command line',
      '```',
    ].join('\n');
    expect(readmeCommands(markdown)).toEqual([
      { command: 'npm install   # builds' },
      { command: 'npm start', background: true, ready: 'health' },
      { command: 'npm test', skip: 'the test suite: CI runs it just before' },
      { command: "curl -X POST localhost:4000/v1/runs -d '{}'" },
      { command: 'npx heed serve --postgres postgres://x', skip: 'needs a PostgreSQL server' },
      { command: 'npm run example -- agent-inbox', background: true, ready: 'health' },
      { command: 'npm run example -- agent-inbox --once' },
      { command: 'npm run start:postgres -- --port 4001', background: true, ready: 'health' },
      {
        command: 'npx heed worker --postgres postgres://heed:heed@127.0.0.1:54329/heed',
        background: true,
        ready: 'log',
      },
      {
        command: 'HEED_POSTGRES_URL="$(cat .heed/postgres.url)" npx heed worker    # the URL kept off the command line',
        background: true,
        ready: 'log',
      },
    ]);
  });

  it('binds each expectation to the command it names in the block before it, and saves file blocks', () => {
    const markdown = [
      '```sh',
      'npx heed show "$TASK" --as user:ops',
      'npx heed respond "$TASK" approve --as user:ops',
      'npx heed show "$TASK" --as user:ops      # now with the answer',
      '```',
      '<!-- readme-check: expect `npx heed show "$TASK" --as user:ops` prints "pending" -->',
      '<!-- readme-check: expect `now with the answer` prints "approve by \\"ops\\"" -->',
      '<!-- readme-check: expect `respond` does not print "refused" -->',
      '',
      '<!-- readme-check: file app.mjs -->',
      '```js',
      "console.log('hi');",
      '```',
    ].join('\n');
    expect(readmeCommands(markdown)).toEqual([
      { command: 'npx heed show "$TASK" --as user:ops', expect: [{ text: 'pending' }] },
      { command: 'npx heed respond "$TASK" approve --as user:ops', expect: [{ text: 'refused', absent: true }] },
      {
        command: 'npx heed show "$TASK" --as user:ops      # now with the answer',
        expect: [{ text: 'approve by "ops"' }],
      },
      { command: "console.log('hi');\n", file: 'app.mjs' },
    ]);
  });

  it('refuses an expectation that names no command or several, and a comment it does not understand', () => {
    const block = ['```sh', 'npx heed tasks --as user:ops', 'npx heed tasks --as user:alice', '```'];
    expect(() =>
      readmeCommands([...block, '<!-- readme-check: expect `heed inbox` prints "x" -->'].join('\n')),
    ).toThrow(/names no command/);
    expect(() =>
      readmeCommands([...block, '<!-- readme-check: expect `heed tasks` prints "x" -->'].join('\n')),
    ).toThrow(/names several commands/);
    expect(() => readmeCommands([...block, '<!-- readme-check: expect heed tasks shows x -->'].join('\n'))).toThrow(
      /does not understand/,
    );
  });

  it('fails a command whose output lacks what the page says, or has what it says it does not', () => {
    const step = { expect: [{ text: 'Refund $150 to alice?' }, { text: 'No tasks.', absent: true }] };
    expect(unmet(step, 'ID  TYPE  TITLE\n1   approval  Refund $150 to alice?\n')).toEqual([]);
    expect(unmet(step, 'No tasks.\n')).toEqual(['did not print "Refund $150 to alice?"', 'printed "No tasks."']);
  });
});
