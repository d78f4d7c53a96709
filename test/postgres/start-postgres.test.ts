/**
 * `npm run start:postgres` (scripts/start-postgres.ts, a real child process with a real embedded
 * PostgreSQL): the superuser's password is random and kept 0600 under `.heed/` with the URL; the
 * data folder is 0700 and owned by the user PostgreSQL runs as (`postgres` as root). No secret
 * (the PostgreSQL password, API keys, the link secret, the Slack signing secret, webhook secrets)
 * is printed, on a child's command line, or in the audit chain.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
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

/** The command lines of every process below `pid` (children, their children, …), as `ps` shows them. */
function descendantCommandLines(pid: number): string[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // `pid (comm) state ppid …`: comm may hold spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const below = (p: number): number[] =>
    [...parents].filter(([, parent]) => parent === p).flatMap(([child]) => [child, ...below(child)]);
  return below(pid).flatMap((p) => {
    try {
      return [readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ')];
    } catch {
      return [];
    }
  });
}

it('keeps its secrets private: 0600 files, a 0700 data folder of the right owner, nothing printed or on a command line', async () => {
  // A project folder of its own (the script keeps its data beside itself), open to the postgres user.
  const root = tempDir();
  chmodSync(root, 0o755);
  mkdirSync(join(root, 'scripts'));
  for (const script of ['start-postgres.ts', 'postgres-binaries.ts']) {
    copyFileSync(join(repo, 'scripts', script), join(root, 'scripts', script));
  }
  copyFileSync(join(repo, 'package.json'), join(root, 'package.json'));
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
  symlinkSync(join(repo, 'src'), join(root, 'src'));
  const secrets = {
    apiKey: 'api-key-7f3c1e9a4b',
    linkSecret: 'link-secret-0d5e8a2c6f91b347',
    slackSigningSecret: 'slack-signing-3a9d7e1c5b',
    webhookSecret: `whsec_${Buffer.from('webhook-secret-of-32-bytes-long!').toString('base64')}`,
    callbackSecret: `whsec_${Buffer.from('callback-secret-of-32-bytes-long').toString('base64')}`,
  };
  const config = join(root, 'heed.json');
  writeFileSync(
    config,
    JSON.stringify({
      keys: { [secrets.apiKey]: 'user:admin' },
      admins: ['user:admin'],
      linkSecret: secrets.linkSecret,
      slack: { signingSecret: secrets.slackSigningSecret },
      webhooks: {
        endpoints: [{ url: 'http://127.0.0.1:9/hook', secret: secrets.webhookSecret }],
        callbackSecret: secrets.callbackSecret,
      },
    }),
  );
  const child = spawn(
    process.execPath,
    [join(root, 'scripts', 'start-postgres.ts'), '--port', '0', '--config', config],
    {
      cwd: root,
      env: { ...process.env, HEED_PG_PORT: String(await freePort()) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let output = '';
  const [shown, server] = await new Promise<[string, string]>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const up = /PostgreSQL is up: (\S+)/.exec(output)?.[1];
      const serving = /is serving on (\S+)/.exec(output)?.[1];
      if (up && serving) resolve([up, serving]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`start:postgres exited (${code}):\n${output}`)));
  });
  const password = readFileSync(join(root, '.heed', 'postgres.password'), 'utf8').trim();
  expect(password.length).toBeGreaterThanOrEqual(20);
  const url = readFileSync(join(root, '.heed', 'postgres.url'), 'utf8').trim();
  expect(new URL(url).password).toBe(encodeURIComponent(password));
  // Printed masked, and the file named.
  expect(shown).toBe(url.replace(`:${encodeURIComponent(password)}@`, ':***@'));
  expect(output).toContain('.heed/postgres.url');
  for (const file of ['postgres.password', 'postgres.url']) {
    expect(statSync(join(root, '.heed', file)).mode & 0o777, file).toBe(0o600);
  }
  const data = statSync(join(root, '.heed', 'postgres'));
  expect(data.mode & 0o777).toBe(0o700);
  const owner =
    userInfo().uid === 0 ? Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })) : userInfo().uid;
  expect(data.uid).toBe(owner);
  // The URL kept works; the old fixed password does not.
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  expect((await client.query('SELECT current_user AS u')).rows[0]?.u).toBe('heed');
  await client.end();
  const old = new URL(url);
  old.password = 'heed';
  await expect(new pg.Client({ connectionString: old.href }).connect()).rejects.toThrow(/password/);

  // Use the secrets: an API key creates a task, a signed link answers it, Slack is refused.
  const api = (path: string, body?: unknown) =>
    fetch(`${server}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${secrets.apiKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const task = (await (
    await api('/v1/tasks', { type: 'approval', title: 'Wire $900?', assignees: ['email:bob@example.com'] })
  ).json()) as { id: string };
  const link = (await (
    await api(`/v1/tasks/${task.id}/links`, { principal: 'email:bob@example.com', outcome: 'approve' })
  ).json()) as { url: string };
  expect((await fetch(link.url, { method: 'POST' })).status).toBe(200);
  const slack = await fetch(`${server}/v1/channels/slack/interactions`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-signature': 'v0=00' },
    body: 'payload=%7B%7D',
  });
  expect(slack.status).toBe(401);
  const audit = await (await api(`/v1/tasks/${task.id}/audit`)).text();
  expect(audit).toContain('email:bob@example.com');

  const commandLines = descendantCommandLines(child.pid as number);
  expect(commandLines.some((line) => line.includes(' serve '))).toBe(true);
  expect(commandLines.some((line) => /postgres.* -D /.test(line))).toBe(true);
  for (const [name, secret] of Object.entries({ ...secrets, postgresPassword: password })) {
    expect(output, `${name} printed`).not.toContain(secret);
    for (const line of commandLines) expect(line, `${name} on a command line`).not.toContain(secret);
    expect(audit, `${name} in the audit chain`).not.toContain(secret);
  }
  expect(output, 'the PostgreSQL password printed').not.toContain(encodeURIComponent(password));
}, 120_000);
