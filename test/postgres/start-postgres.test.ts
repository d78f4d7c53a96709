/**
 * `npm run start:postgres` (scripts/start-postgres.ts, a real child process with a real embedded
 * PostgreSQL): the superuser's password is random, kept 0600 under `.heed/`, and in the URL it
 * prints; the data folder is 0700 and owned by the user PostgreSQL runs as (`postgres` as root).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { tempDir } from '../helpers.ts';
import { freePort } from './embedded.ts';

const repo = join(import.meta.dirname, '..', '..');
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
});

it('keeps a random superuser password in .heed (0600) and the data in a 0700 folder of the right owner', async () => {
  // A project folder of its own (the script keeps its data beside itself), open to the postgres user.
  const root = tempDir();
  chmodSync(root, 0o755);
  mkdirSync(join(root, 'scripts'));
  copyFileSync(join(repo, 'scripts', 'start-postgres.ts'), join(root, 'scripts', 'start-postgres.ts'));
  copyFileSync(join(repo, 'package.json'), join(root, 'package.json'));
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
  symlinkSync(join(repo, 'src'), join(root, 'src'));
  const child = spawn(process.execPath, [join(root, 'scripts', 'start-postgres.ts'), '--port', '0'], {
    cwd: root,
    env: { ...process.env, HEED_PG_PORT: String(await freePort()) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /PostgreSQL is up: (\S+)/.exec(output);
      if (match?.[1] && /is serving on/.test(output)) resolve(match[1]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`start:postgres exited (${code}):\n${output}`)));
  });
  const password = readFileSync(join(root, '.heed', 'postgres.password'), 'utf8').trim();
  expect(password.length).toBeGreaterThanOrEqual(20);
  expect(new URL(url).password).toBe(encodeURIComponent(password));
  expect(readFileSync(join(root, '.heed', 'postgres.url'), 'utf8').trim()).toBe(url);
  for (const file of ['postgres.password', 'postgres.url']) {
    expect(statSync(join(root, '.heed', file)).mode & 0o777, file).toBe(0o600);
  }
  const data = statSync(join(root, '.heed', 'postgres'));
  expect(data.mode & 0o777).toBe(0o700);
  const owner =
    userInfo().uid === 0 ? Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })) : userInfo().uid;
  expect(data.uid).toBe(owner);
  // The URL printed works; the old fixed password does not.
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  expect((await client.query('SELECT current_user AS u')).rows[0]?.u).toBe('heed');
  await client.end();
  const old = new URL(url);
  old.password = 'heed';
  await expect(new pg.Client({ connectionString: old.href }).connect()).rejects.toThrow(/password/);
}, 120_000);
