import { describe, expect, it } from 'vitest';
import { readmeCommands } from '../../scripts/check-readme.ts';

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
});
