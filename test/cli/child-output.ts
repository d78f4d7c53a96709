import type { ChildProcess } from 'node:child_process';

/**
 * What a child process prints, and a way to wait for it that is driven by its output, not by a
 * polling budget: `waitFor` resolves as soon as `text` appeared `count` times, and fails at once
 * (with everything printed) if the process exits first. Only the test's own timeout bounds it, so
 * a slow Node start on a loaded machine is never mistaken for a wrong answer.
 */
export function childOutput(child: ChildProcess): {
  text(): string;
  waitFor(text: string, count?: number): Promise<void>;
} {
  let out = '';
  let exited: number | null | undefined;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    wake();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    wake();
  });
  // 'close', not 'exit': the output streams may still hold data when the process has exited.
  child.once('close', (code) => {
    exited = code;
    wake();
  });
  const seen = (text: string) => out.split(text).length - 1;
  return {
    text: () => out,
    waitFor: (text, count = 1) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (seen(text) >= count) {
            waiters.delete(check);
            resolve();
          } else if (exited !== undefined) {
            waiters.delete(check);
            reject(new Error(`the process exited (${exited}) before printing "${text}" ×${count}:\n${out}`));
          }
        };
        waiters.add(check);
        check();
      }),
  };
}
