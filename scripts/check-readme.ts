/**
 * Runs every shell command the README shows, as written, on a fresh copy of the repository, and
 * fails when one fails: `npm run check:readme` (CI runs it from `.ci/run`).
 *
 * The copy is the repository's files (tracked and new, not ignored) in a temporary directory; its
 * `npm install`/`npm ci` really installs (from the npm cache) unless `--reuse-install` links this
 * checkout's node_modules instead and only builds (quicker, for a local run). Commands are the lines of ```sh /
 * ```bash blocks (`\` continues a line), run in order by one bash with `set -eo pipefail`, so a
 * variable set by one line is seen by the next; stdin is empty (a prompt sees the end of input).
 *
 * The documented exceptions:
 * - long-running servers (`npm start …`, `npm run start:postgres …`, `npx heed serve …`, an
 *   example that serves): started in the background, waited for (GET /v1/health on their port),
 *   and stopped at the end (SIGTERM, newest first, each awaited);
 * - `npx heed worker …`: started in the background, waited for (it prints "executing runs"),
 *   and stopped at the end like the servers;
 * - `npm test`: the suite CI has just run (not run twice);
 * - `git clone …` and `cd` into the clone: the copy is already the clone;
 * - a block preceded by `<!-- readme-check: skip REASON -->` (e.g. one that needs a PostgreSQL
 *   server or a real Slack workspace): listed with its reason, not run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = join(import.meta.dirname, '..');
const reuseInstall = process.argv.includes('--reuse-install');

interface Line {
  command: string;
  /** Why it is not run as is; undefined: run it. */
  skip?: string;
  background?: boolean;
  /** How a background command is known to be ready: its health URL (servers) or its log (workers). */
  ready?: 'health' | 'log';
}

/** The commands of the README's shell blocks, in order, with how each is treated. */
export function readmeCommands(markdown: string): Line[] {
  const lines: Line[] = [];
  const source = markdown.split('\n');
  let skipReason: string | undefined;
  for (let i = 0; i < source.length; i++) {
    const text = source[i] ?? '';
    const marker = /<!--\s*readme-check:\s*skip\s+(.+?)\s*-->/.exec(text);
    if (marker) {
      skipReason = marker[1];
      continue;
    }
    const fence = /^```(sh|bash|shell)\s*$/.exec(text);
    if (!fence) {
      if (/^```/.test(text)) skipReason = undefined; // a marker applies to the next block only
      continue;
    }
    const reason = skipReason;
    skipReason = undefined;
    let command = '';
    for (i++; i < source.length && !/^```/.test(source[i] ?? ''); i++) {
      const part = source[i] ?? '';
      command += command ? part.trimStart() : part;
      if (part.trimEnd().endsWith('\\')) {
        command = `${command.trimEnd().slice(0, -1).trimEnd()} `;
        continue;
      }
      if (command.trim() && !command.trim().startsWith('#')) lines.push(classify(command.trim(), reason));
      command = '';
    }
  }
  return lines;
}

function classify(command: string, blockSkip: string | undefined): Line {
  // Without its comment and the environment it sets (`HEED_POSTGRES_URL="…" npx heed worker`).
  const bare = command.replace(/\s+#.*$/, '').replace(/^(?:[A-Z_][A-Z0-9_]*=(?:"[^"]*"|'[^']*'|\S*)\s+)+/, '');
  if (blockSkip) return { command, skip: blockSkip };
  if (/^npm (test|t)\b/.test(bare)) return { command, skip: 'the test suite: CI runs it just before' };
  if (/^git clone\b/.test(bare) || /^cd heed\b/.test(bare)) return { command, skip: 'this copy is the clone' };
  if (
    /^npm start\b/.test(bare) ||
    /^npm run start:postgres\b/.test(bare) ||
    /^npx heed serve\b/.test(bare) ||
    /agent-inbox(?!.*--once)/.test(bare)
  ) {
    return { command, background: true, ready: 'health' };
  }
  if (/^npx heed worker\b/.test(bare)) return { command, background: true, ready: 'log' };
  return { command };
}

/** A temporary copy of the repository's files, as a fresh clone would have them. */
function freshCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'heed-readme-'));
  // Like a clone in a home folder: others may pass through (as root, the embedded PostgreSQL
  // of `npm run start:postgres` runs as the `postgres` user and keeps its data in the copy).
  chmodSync(dir, 0o755);
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    try {
      cpSync(join(root, file), join(dir, file));
    } catch {
      // listed but deleted in this checkout
    }
  }
  if (reuseInstall) symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

function port(command: string): number {
  return Number(/--port[ =](\d+)/.exec(command)?.[1] ?? 4000);
}

/** The bash script that runs the lines in order; each prints a marker the report reads. */
function script(lines: Line[]): string {
  const out = [
    'set -eo pipefail',
    'pids=()',
    // Newest first, each awaited: a worker stops before the server (and database) it uses.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash array, not a template
    'trap \'for ((i=${#pids[@]}-1; i>=0; i--)); do kill -- -"${pids[i]}" 2>/dev/null || true; wait "${pids[i]}" 2>/dev/null || true; done\' EXIT',
  ];
  lines.forEach((line, n) => {
    if (line.skip) {
      out.push(`printf '\\n@@ ${n} skip\\n'`);
      return;
    }
    out.push(`printf '\\n@@ ${n} run\\n'`);
    if (reuseInstall && /^npm (install|ci)\b/.test(line.command)) {
      // node_modules is linked: what the install would still do is its `prepare` build.
      out.push('npm run -s build');
      out.push(`printf '\\n@@ ${n} ok\\n'`);
      return;
    }
    if (line.background) {
      // Its own process group, so that stopping it stops npm and the node it started.
      out.push(`setsid bash -c ${JSON.stringify(line.command)} > "server-${n}.log" 2>&1 < /dev/null & pids+=($!)`);
      const ready =
        line.ready === 'log'
          ? `grep -q 'executing runs' "server-${n}.log"`
          : `curl -sf localhost:${port(line.command)}/v1/health >/dev/null`;
      out.push(`for i in $(seq 1 240); do ${ready} && break; sleep 0.5; done`);
      out.push(`${ready} || { cat "server-${n}.log"; exit 1; }`);
    } else {
      out.push(`${line.command} < /dev/null`);
    }
    out.push(`printf '\\n@@ ${n} ok\\n'`);
  });
  return `${out.join('\n')}\n`;
}

async function main(): Promise<void> {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const lines = readmeCommands(readme);
  const dir = freshCopy();
  writeFileSync(join(dir, '.readme-check.sh'), script(lines));
  console.log(`Running the README's ${lines.length} commands in ${dir}`);
  const child = spawn('bash', ['.readme-check.sh'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const status = new Map<number, string>();
  // Markers are whole lines on stdout (a command's output may end without a newline: each
  // marker starts with one); stderr is only kept for the report.
  let pending = '';
  const onData = (chunk: Buffer) => {
    const texts = (pending + chunk.toString()).split('\n');
    pending = texts.pop() ?? '';
    for (const text of texts) {
      const marker = /^@@ (\d+) (\w+)$/.exec(text);
      if (marker) {
        status.set(Number(marker[1]), marker[2] ?? '');
        if (marker[2] === 'run') output = '';
      } else if (text) output += `${text}\n`;
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  let failed = false;
  lines.forEach((line, n) => {
    const state = status.get(n);
    if (line.skip) console.log(`-  ${line.command}\n     not run: ${line.skip}`);
    else if (state === 'ok')
      console.log(`✓  ${line.command}${line.background ? '   (served, stopped at the end)' : ''}`);
    else if (state === 'run') {
      failed = true;
      console.log(`✗  ${line.command}\n${output.replace(/^/gm, '     ')}`);
    } else console.log(`   ${line.command}   (not reached)`);
  });
  if (code !== 0 || failed) {
    console.error(`The README check failed (the copy is kept in ${dir})`);
    process.exitCode = 1;
    return;
  }
  rmSync(dir, { recursive: true, force: true });
  console.log('Every README command works as written.');
}

if (import.meta.filename === process.argv[1]) await main();
