import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline/promises';
import type { Task } from '../client/index.ts';
import { paint } from './format.ts';

/** Thrown when the person closed the input (Ctrl-D) while asked something. */
export class InputClosedError extends Error {
  constructor() {
    super('input closed');
  }
}

/**
 * Questions at the terminal (or on piped stdin): one readline interface for a whole session, so
 * that answers typed ahead are not lost between questions.
 */
export class Prompter {
  readonly #rl: Interface;
  /** Lines typed (or piped) before they were asked for, oldest first. */
  readonly #lines: string[] = [];
  #waiting: ((line: string | undefined) => void) | undefined;
  #closed = false;
  readonly #terminal: boolean;
  readonly #output: NodeJS.WritableStream;

  constructor(input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stdout) {
    this.#terminal = (input as { isTTY?: boolean }).isTTY === true;
    this.#output = output;
    this.#rl = createInterface({ input, output, terminal: this.#terminal });
    // Lines can arrive several in one tick (piped input): each goes to the question waiting for
    // it, or to the queue — never to a question that has already been answered.
    this.#rl.on('line', (line) => this.#deliver(line));
    this.#rl.on('close', () => {
      this.#closed = true;
      this.#deliver(undefined);
    });
  }

  #deliver(line: string | undefined): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (waiting) waiting(line);
    else if (line !== undefined) this.#lines.push(line);
  }

  /** Whether the input has ended and every line of it has been asked for. */
  get closed(): boolean {
    return this.#closed && this.#lines.length === 0;
  }

  /** The next line, after showing `question`. @throws InputClosedError at the end of the input. */
  async ask(question: string): Promise<string> {
    if (this.closed) throw new InputClosedError();
    if (this.#closed) this.#output.write(question);
    else {
      this.#rl.setPrompt(question);
      this.#rl.prompt();
    }
    let line = this.#lines.shift();
    if (line === undefined && !this.#closed) {
      line = await new Promise<string | undefined>((resolve) => {
        this.#waiting = resolve;
      });
    }
    // Piped input is not echoed: end the question's line so the next output starts on its own.
    if (!this.#terminal) this.#output.write('\n');
    if (line === undefined) throw new InputClosedError();
    return line.trim();
  }

  /**
   * The comment for `outcome`: asked as "Reason (required)" until given when the task requires one
   * for this outcome (so nothing is sent that the server would refuse), otherwise optional.
   * @throws InputClosedError when the input ends before a required reason.
   */
  async comment(task: Pick<Task, 'requireComment'>, outcome: string): Promise<string | undefined> {
    if (!task.requireComment.includes(outcome)) return (await this.ask('Comment (optional): ')) || undefined;
    for (;;) {
      const reason = await this.ask('Reason (required): ');
      if (reason) return reason;
      console.log(paint('yellow', `A ${outcome} needs a reason; it goes back to whoever asked.`));
    }
  }

  /**
   * For a task whose arguments the approver may edit: Enter keeps them, `e` opens `$EDITOR`, or
   * the new arguments typed as JSON. Asks again after JSON that does not parse.
   * @returns the edited arguments, or undefined to keep them.
   */
  async editArgs(task: Pick<Task, 'action'>): Promise<Record<string, unknown> | undefined> {
    const args = task.action?.args ?? {};
    for (;;) {
      const answer = await this.ask('Arguments: Enter keeps them, "e" opens $EDITOR, or type new ones as JSON: ');
      if (answer === '') return undefined;
      try {
        if (answer === 'e') {
          this.#rl.pause();
          try {
            return editInEditor(args);
          } finally {
            this.#rl.resume();
          }
        }
        return parseArgsJson(answer);
      } catch (error) {
        console.log(paint('red', (error as Error).message));
      }
    }
  }

  /** Form data as JSON, asked again until it parses (empty: none). */
  async data(): Promise<unknown> {
    for (;;) {
      const raw = await this.ask('Data as JSON: ');
      if (!raw) return undefined;
      try {
        return JSON.parse(raw);
      } catch {
        console.log(paint('red', 'That is not JSON; try again (or Enter for none).'));
      }
    }
  }

  close(): void {
    this.#rl.close();
  }
}

/** `--args`/typed arguments: a JSON object. @throws Error naming what is wrong. */
export function parseArgsJson(text: string, what = 'The arguments'): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${what} must be JSON, got ${text}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * Opens `$VISUAL` or `$EDITOR` (default `vi`) on the arguments as pretty JSON and reads them back.
 * @throws Error when the editor fails or the result is not a JSON object (nothing is sent then).
 */
export function editInEditor(args: Record<string, unknown>): Record<string, unknown> {
  const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
  const dir = mkdtempSync(join(tmpdir(), 'heed-args-'));
  const file = join(dir, 'arguments.json');
  try {
    writeFileSync(file, `${JSON.stringify(args, null, 2)}\n`);
    // Through the shell: EDITOR often carries flags ("code --wait").
    const result = spawnSync(`${editor} "${file}"`, { shell: true, stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`The editor (${editor}) exited with ${result.status ?? result.signal}`);
    return parseArgsJson(readFileSync(file, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
