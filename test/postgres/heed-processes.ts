/**
 * Real `heed serve` / `heed worker` child processes for the multi-process tests, loading the
 * load workflows (`load-workflows.ts`), which record every step's execution in
 * HEED_TEST_EXECUTIONS_URL. Each test file keeps its own list of children (killed after it) and
 * of outputs (printed with HEED_TEST_SHOW_OUTPUT).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const WORKFLOWS = join(import.meta.dirname, 'load-workflows.ts');

export interface HeedProcesses {
  children: ChildProcess[];
  outputs: string[];
  /**
   * Starts `heed <args>` on the database at `executionsUrl` and resolves once its output matches
   * `ready`; rejects with its output when it exits first.
   */
  start(
    args: string[],
    ready: RegExp,
    env?: Record<string, string>,
  ): Promise<{ child: ChildProcess; match: RegExpMatchArray }>;
}

export function heedProcesses(executionsUrl: () => string): HeedProcesses {
  const children: ChildProcess[] = [];
  const outputs: string[] = [];
  return {
    children,
    outputs,
    start(args, ready, env = {}) {
      const child = spawn(process.execPath, [CLI, ...args, '--no-demo', '--import', WORKFLOWS, '--lease', '3s'], {
        env: { ...process.env, HEED_TEST_EXECUTIONS_URL: executionsUrl(), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let output = '';
      const index = outputs.push('') - 1;
      return new Promise((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          outputs[index] = output;
          const match = output.match(ready);
          if (match) resolve({ child, match });
        };
        child.stdout?.on('data', onData);
        child.stderr?.on('data', onData);
        child.once('exit', (code) =>
          reject(new Error(`heed ${args[0]} exited (${code}) before it was ready:\n${output}`)),
        );
      });
    },
  };
}
