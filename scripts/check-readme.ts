/**
 * Runs every shell command the README and the pages in docs/ show, as written, on a fresh copy of
 * the repository, checks what the README says they print, and fails when one fails:
 * `npm run check:readme` (CI runs it from `.ci/run`). It first checks every relative link and
 * anchor of the documentation (scripts/doc-links.ts).
 *
 * The copy is the repository's files (tracked and new, not ignored) in a folder named `heed`
 * inside a temporary directory (so `..` is private to the run); its `npm install`/`npm ci` really
 * installs (from the npm cache first: `npm_config_prefer_offline`) unless `--reuse-install` links
 * this checkout's node_modules instead and only builds (quicker, for a local run). Commands are the
 * lines of ```sh / ```bash blocks (`\` continues a line), run in order by one bash with
 * `set -eo pipefail`, so a variable set by one line is seen by the next; stdin is empty (a prompt
 * sees the end of input). Each file starts in the copy's folder: README.md first, then docs/*.md.
 *
 * The conventions, as HTML comments (invisible on GitHub, plain in the source):
 * - `<!-- readme-check: expect `COMMAND` prints "TEXT" -->` after a block: the command of that
 *   block equal to COMMAND (else the only one containing it) must print TEXT (stdout and stderr;
 *   for a server, its log); `does not print "TEXT"` the opposite. TEXT is a JSON string. Every
 *   sentence of the README that says what a command shows has one.
 * - `<!-- readme-check: file PATH -->` before a code block: the block is written to PATH (relative
 *   to where the commands are at that point), as a reader would save it, then later blocks run it.
 * - `<!-- readme-check: skip REASON -->` before a block (e.g. one that needs a PostgreSQL server
 *   or a real Slack workspace): listed with its reason, not run.
 *
 * And the documented exceptions:
 * - long-running servers (`npm start …`, `npm run start:postgres …`, `npx heed serve …`, an
 *   example that serves): started in the background, waited for (GET /v1/health on their port),
 *   and stopped at the end of their file (the README's: at the very end, as the pages in docs/ say
 *   "after `npm start`"), SIGTERM, newest first, each awaited;
 * - `npx heed worker …`: started in the background, waited for (it prints "executing runs"),
 *   and stopped like the servers;
 * - `npm test`: the suite CI has just run (not run twice);
 * - `git clone …` and `cd` into the clone: the copy is already the clone.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { brokenLinks, documentationFiles } from './doc-links.ts';

const root = join(import.meta.dirname, '..');
const reuseInstall = process.argv.includes('--reuse-install');

/** What a command must (or must not) print. */
export interface Expectation {
  text: string;
  absent?: boolean;
}

export interface Line {
  command: string;
  /** Why it is not run as is; undefined: run it. */
  skip?: string;
  background?: boolean;
  /** How a background command is known to be ready: its health URL (servers) or its log (workers). */
  ready?: 'health' | 'log';
  /** A code block the reader saves as this file: `command` is its content. */
  file?: string;
  expect?: Expectation[];
}

const DIRECTIVE = /^<!--\s*readme-check:\s*(.*?)\s*-->\s*$/;
const EXPECT = /^expect\s+`([^`]+)`\s+(prints|does not print)\s+("(?:[^"\\]|\\.)*")$/;

/**
 * The commands of a markdown page's shell blocks, in order, with how each is treated and what
 * each must print.
 * @throws an Error naming the line for a `readme-check:` comment it does not understand, or an
 *   expectation that names no command (or several) of the block before it.
 */
export function readmeCommands(markdown: string): Line[] {
  const lines: Line[] = [];
  const source = markdown.split('\n');
  let skipReason: string | undefined;
  let fileName: string | undefined;
  /** The lines of the last shell block, for the expectations after it. */
  let lastBlock: Line[] = [];
  for (let i = 0; i < source.length; i++) {
    const text = source[i] ?? '';
    const directive = DIRECTIVE.exec(text.trim());
    if (directive) {
      const body = directive[1] ?? '';
      const skip = /^skip\s+(.+)$/.exec(body);
      const file = /^file\s+(\S+)$/.exec(body);
      const expectation = EXPECT.exec(body);
      if (skip) skipReason = skip[1];
      else if (file) fileName = file[1];
      else if (expectation) {
        const target = expectationTarget(lastBlock, expectation[1] ?? '', i + 1);
        target.expect = [
          ...(target.expect ?? []),
          {
            text: JSON.parse(expectation[3] ?? '""') as string,
            ...(expectation[2] === 'prints' ? {} : { absent: true }),
          },
        ];
      } else throw new Error(`line ${i + 1}: a readme-check comment this script does not understand: ${text.trim()}`);
      continue;
    }
    const fence = /^```(\w*)\s*$/.exec(text);
    if (!fence) continue;
    const language = fence[1] ?? '';
    const reason = skipReason;
    const saveAs = fileName;
    skipReason = undefined;
    fileName = undefined;
    const body: string[] = [];
    for (i++; i < source.length && !/^```/.test(source[i] ?? ''); i++) body.push(source[i] ?? '');
    if (saveAs) {
      lines.push({ command: `${body.join('\n')}\n`, file: saveAs, ...(reason ? { skip: reason } : {}) });
      lastBlock = [];
      continue;
    }
    if (!['sh', 'bash', 'shell'].includes(language)) {
      lastBlock = [];
      continue;
    }
    lastBlock = [];
    let command = '';
    for (const part of body) {
      command += command ? part.trimStart() : part;
      if (part.trimEnd().endsWith('\\')) {
        command = `${command.trimEnd().slice(0, -1).trimEnd()} `;
        continue;
      }
      if (command.trim() && !command.trim().startsWith('#')) {
        const line = classify(command.trim(), reason);
        lines.push(line);
        lastBlock.push(line);
      }
      command = '';
    }
  }
  return lines;
}

/**
 * The command of the block an expectation names: the one equal to `named` (with its comment, then
 * without), else the only one containing it.
 */
function expectationTarget(block: Line[], named: string, lineNumber: number): Line {
  const tiers = [
    block.filter((line) => line.command === named),
    block.filter((line) => withoutComment(line.command) === named),
    block.filter((line) => line.command.includes(named)),
  ];
  const found = tiers.find((tier) => tier.length > 0) ?? [];
  if (found.length !== 1) {
    throw new Error(
      `line ${lineNumber}: the expectation names ${found.length === 0 ? 'no command' : 'several commands'} of the shell block before it: \`${named}\``,
    );
  }
  return found[0] as Line;
}

function withoutComment(command: string): string {
  return command.replace(/\s+#.*$/, '');
}

function classify(command: string, blockSkip: string | undefined): Line {
  // Without its comment and the environment it sets (`HEED_POSTGRES_URL="…" npx heed worker`).
  const bare = withoutComment(command).replace(/^(?:[A-Z_][A-Z0-9_]*=(?:"[^"]*"|'[^']*'|\S*)\s+)+/, '');
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

/** The pages whose commands run, in order: the README, then docs/ (each from the copy's folder). */
function pages(): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

/** A temporary copy of the repository's files, as a fresh clone would have them, in `<tmp>/heed`. */
function freshCopy(): string {
  const parent = mkdtempSync(join(tmpdir(), 'heed-readme-'));
  const dir = join(parent, 'heed');
  mkdirSync(dir);
  // Like a clone in a home folder: others may pass through (as root, the embedded PostgreSQL
  // of `npm run start:postgres` runs as the `postgres` user and keeps its data in the copy).
  chmodSync(parent, 0o755);
  chmodSync(dir, 0o755);
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    // A worktree's node_modules may be a symlink git does not ignore: never copy it (an install
    // in the copy would write through it).
    if (file === 'node_modules' || file.startsWith('node_modules/')) continue;
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

interface Step extends Line {
  page: string;
}

/** Bash's single-quoted form of a string. */
function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The bash script that runs the steps in order; each prints a marker the report reads. */
function script(steps: Step[]): string {
  const out = [
    'set -eo pipefail',
    'ROOT=$PWD',
    'pids=()',
    'keep=0',
    // Newest first, each awaited: a worker stops before the server (and database) it uses.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash array, not a template
    'stop() { for ((i=${#pids[@]}-1; i>=$1; i--)); do kill -- -"${pids[i]}" 2>/dev/null || true; wait "${pids[i]}" 2>/dev/null || true; done; pids=("${pids[@]:0:$1}"); }',
    'trap "stop 0" EXIT',
  ];
  let page = '';
  steps.forEach((step, n) => {
    if (step.page !== page) {
      // A page's own servers stop when it ends; the README's stay for the pages after it.
      if (page && page !== 'README.md') out.push('stop "$keep"');
      // biome-ignore lint/suspicious/noTemplateCurlyInString: bash
      if (page === 'README.md') out.push('keep=${#pids[@]}');
      page = step.page;
      out.push('cd "$ROOT"');
    }
    if (step.skip) {
      out.push(`printf '\\n@@ ${n} skip\\n'`);
      return;
    }
    out.push(`printf '\\n@@ ${n} run\\n'`);
    const log = `"$ROOT/.readme-check/${n}.log"`;
    if (step.file) {
      out.push(`mkdir -p "$(dirname ${quote(step.file)})" && printf '%s' ${quote(step.command)} > ${quote(step.file)}`);
    } else if (reuseInstall && /^npm (install|ci)\s*(#.*)?$/.test(step.command)) {
      // node_modules is linked: what the install (of the repository itself, no package named)
      // would still do is its `prepare` build.
      out.push('npm run -s build');
    } else if (step.background) {
      // Its own process group, so that stopping it stops npm and the node it started.
      out.push(`setsid bash -c ${quote(step.command)} > ${log} 2>&1 < /dev/null & pids+=($!)`);
      const ready =
        step.ready === 'log'
          ? `grep -q 'executing runs' ${log}`
          : `curl -sf localhost:${port(step.command)}/v1/health >/dev/null`;
      out.push(`for i in $(seq 1 240); do ${ready} && break; sleep 0.5; done`);
      out.push(`${ready} || { cat ${log}; exit 1; }`);
    } else {
      // In this shell (a variable it sets is kept), its output in a file the expectations read.
      // On its own line in a group: a comment ending the command ends there.
      out.push(`{\n${step.command}\n} < /dev/null > ${log} 2>&1 || { status=$?; cat ${log}; exit $status; }`);
      out.push(`cat ${log}`);
    }
    out.push(`printf '\\n@@ ${n} ok\\n'`);
  });
  return `${out.join('\n')}\n`;
}

/** The expectations a step's output fails, in words. */
export function unmet(step: Pick<Line, 'expect'>, output: string): string[] {
  return (step.expect ?? [])
    .filter((e) => output.includes(e.text) === Boolean(e.absent))
    .map((e) => `${e.absent ? 'printed' : 'did not print'} ${JSON.stringify(e.text)}`);
}

async function main(): Promise<void> {
  const broken = brokenLinks(documentationFiles(root), root);
  if (broken.length > 0) {
    console.error(`Broken links in the documentation:\n${broken.map((b) => `  ${b}`).join('\n')}`);
    process.exitCode = 1;
    return;
  }
  const steps: Step[] = [];
  for (const page of pages()) {
    try {
      steps.push(...readmeCommands(readFileSync(join(root, page), 'utf8')).map((line) => ({ ...line, page })));
    } catch (error) {
      console.error(`${page}: ${(error as Error).message}`);
      process.exitCode = 1;
      return;
    }
  }
  const dir = freshCopy();
  mkdirSync(join(dir, '.readme-check'));
  writeFileSync(join(dir, '.readme-check', 'run.sh'), script(steps));
  console.log(`Running the ${steps.length} commands of ${[...new Set(steps.map((s) => s.page))].join(', ')} in ${dir}`);
  const child = spawn('bash', ['.readme-check/run.sh'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' },
  });
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
  let page = '';
  steps.forEach((step, n) => {
    if (step.page !== page) {
      page = step.page;
      console.log(`\n${page}`);
    }
    const state = status.get(n);
    const shown = step.file ? `(saves ${step.file})` : step.command;
    if (step.skip) console.log(`-  ${shown}\n     not run: ${step.skip}`);
    else if (state === 'ok') {
      const logFile = join(dir, '.readme-check', `${n}.log`);
      const printed = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      const wrong = unmet(step, printed);
      if (wrong.length === 0) {
        const checked = step.expect?.length ? `   (prints what ${step.page} says: ${step.expect.length} checked)` : '';
        console.log(`✓  ${shown}${step.background ? '   (served, stopped at the end)' : ''}${checked}`);
      } else {
        failed = true;
        console.log(`✗  ${shown}\n     ${step.page} says it prints what it does not: it ${wrong.join('; ')}`);
        console.log(printed.replace(/^/gm, '       | '));
      }
    } else if (state === 'run') {
      failed = true;
      console.log(`✗  ${shown}\n${output.replace(/^/gm, '     ')}`);
    } else console.log(`   ${shown}   (not reached)`);
  });
  if (code !== 0 || failed) {
    console.error(`The README check failed (the copy is kept in ${dir})`);
    process.exitCode = 1;
    return;
  }
  // A database server stopping (it outlives the npm that started it by a moment) may still
  // write there: try again for a while.
  for (let attempt = 0; attempt < 30 && existsSync(dirname(dir)); attempt++) {
    try {
      rmSync(dirname(dir), { recursive: true, force: true });
    } catch {
      // still in use
    }
    if (existsSync(dirname(dir))) await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  if (existsSync(dirname(dir))) console.log(`(the copy in ${dirname(dir)} could not be removed)`);
  console.log('\nEvery command works as written and prints what the documentation says.');
}

if (import.meta.filename === process.argv[1]) await main();
