import { createInterface } from 'node:readline/promises';
import type { Heed, Task } from '../src/index.ts';

/**
 * The examples' terminal channel: waits for the run to end; whenever it waits on a task, asks the
 * person at the terminal and answers the task as `principal` via `cli`.
 */
export async function answerAtTerminal(heed: Heed, runId: string, principal = 'user:you'): Promise<unknown> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: false });
  // Lines are buffered by the iterator, so answers piped in before a question is asked still count.
  const lines = rl[Symbol.asyncIterator]();
  const ask = async (question: string) => {
    process.stdout.write(question);
    const next = await lines.next();
    return next.done ? '' : String(next.value);
  };
  const asked = new Set<string>();
  try {
    for (;;) {
      const run = await heed.runs.get(runId);
      if (run && ['succeeded', 'failed', 'cancelled'].includes(run.status)) return run.output ?? run.error;
      const task = (await heed.tasks.list({ status: 'pending', limit: 100 })).items.find(
        (t: Task) => t.runId === runId && !asked.has(t.id),
      );
      if (!task) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      asked.add(task.id);
      console.log(`\n? ${task.title}${task.action ? `  ${task.action.tool} ${JSON.stringify(task.action.args)}` : ''}`);
      const outcome = (await ask(`  ${task.outcomes.join('/')}: `)).trim() || task.outcomes[0] || '';
      const comment = (await ask('  comment: ')).trim();
      await heed.tasks.respond(task.id, { outcome, ...(comment ? { comment } : {}) }, { principal, via: 'cli' });
    }
  } finally {
    rl.close();
  }
}
