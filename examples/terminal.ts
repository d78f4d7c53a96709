import { createInterface } from 'node:readline/promises';
import { HeedError, type Heed, type Task } from '../src/index.ts';

/**
 * The examples' terminal channel: waits for the run to end; whenever it waits on a task, asks the
 * person at the terminal and answers the task as `principal` via `cli`. An answer the task
 * refuses (say, a reject without a comment) is explained and asked again. When the input ends
 * before an answer, nothing is answered: the task stays pending and this returns `undefined`
 * (answer it later in the inbox, with `heed respond`, or by running the example again).
 */
export async function answerAtTerminal(heed: Heed, runId: string, principal = 'user:you'): Promise<unknown> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: false });
  // Lines are buffered by the iterator, so answers piped in before a question is asked still count.
  const lines = rl[Symbol.asyncIterator]();
  const ask = async (question: string): Promise<string | undefined> => {
    process.stdout.write(question);
    const next = await lines.next();
    return next.done ? undefined : String(next.value).trim();
  };
  try {
    for (;;) {
      const run = await heed.runs.get(runId);
      if (run && ['succeeded', 'failed', 'cancelled'].includes(run.status)) return run.output ?? run.error;
      const task = (await heed.tasks.list({ status: 'pending', limit: 100 })).items.find(
        (t: Task) => t.runId === runId,
      );
      if (!task) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      console.log(`\n? ${task.title}${task.action ? `  ${task.action.tool} ${JSON.stringify(task.action.args)}` : ''}`);
      const outcome = await ask(`  ${task.outcomes.join('/')}: `);
      if (outcome === undefined) return undefined;
      const comment = await ask('  comment: ');
      if (comment === undefined) return undefined;
      try {
        await heed.tasks.respond(task.id, { outcome, ...(comment ? { comment } : {}) }, { principal, via: 'cli' });
      } catch (error) {
        if (!(error instanceof HeedError)) throw error;
        console.log(`  ${error.message}`);
      }
    }
  } finally {
    rl.close();
  }
}

/**
 * What an example prints when the input ends before an answer: the task waits in the example's
 * own store (not the one `npm start` serves), so it says how to serve an inbox on that store (on
 * port 4001, beside `npm start`), answer there as `user:you`, and where the outcome shows.
 */
export function answerLater(options: {
  db: string;
  taskId: string;
  serve?: string;
  after: string;
  as?: string;
  headline?: string;
}): string {
  const url = 'http://127.0.0.1:4001';
  const as = options.as ?? 'user:you';
  return [
    '',
    options.headline ?? `no answer given: the approval waits in Heed, in this example's store (${options.db}).`,
    'To answer it later, serve an inbox on that store (stop it with Ctrl-C when done):',
    `  npx heed serve --db ${options.db} --port 4001${options.serve ?? ''}`,
    `and open ${url}/#/task/${encodeURIComponent(options.taskId)} signed in as ${as}, or answer from the terminal:`,
    `  npx heed respond ${options.taskId} approve --as ${as} --url ${url}`,
    options.after,
  ].join('\n');
}

/**
 * For the adapter examples: answers the run's tasks at the terminal until it ends
 * ({@link answerAtTerminal}); if the input ends first, says how to answer the waiting task later
 * ({@link answerLater}) and how to pick the run up again (`npm run example -- <example>` with no
 * arguments). Returns whether the run ended.
 */
export async function answerNowOrLater(heed: Heed, runId: string, db: string, example: string): Promise<boolean> {
  await answerAtTerminal(heed, runId);
  const run = await heed.runs.get(runId);
  if (run && ['succeeded', 'failed', 'cancelled'].includes(run.status)) return true;
  const [task] = (await heed.tasks.list({ status: 'pending', askedBy: runId, limit: 1 })).items;
  console.log(
    answerLater({
      db,
      taskId: task?.id ?? '<task id>',
      serve: ' --no-demo',
      after: `then run this again with no arguments: npm run example -- ${example}`,
    }),
  );
  return false;
}
