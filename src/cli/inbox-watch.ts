import { createInterface } from 'node:readline/promises';
import type { Task } from '../human/types.ts';
import { ApiError, type ApiClient } from './client.ts';
import { clean, paint } from './format.ts';

/**
 * `heed inbox --watch`: the terminal channel. Asks you each pending task as it arrives (oldest
 * first): shows it, reads an outcome, a comment and (for forms) JSON data, and answers it.
 * Stops on Ctrl-D or Ctrl-C.
 */
export async function watchInbox(client: ApiClient, options: { pollMs?: number } = {}): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  let closed = false;
  rl.on('close', () => {
    closed = true;
  });
  const skipped = new Set<string>();
  console.log(paint('dim', `Watching the inbox at ${client.url} (Ctrl-D to stop)…`));
  while (!closed) {
    const page = await client.call<{ items: Task[] }>('GET', '/v1/tasks?status=pending&limit=100');
    const next = page.items.reverse().find((task) => !skipped.has(task.id));
    if (!next) {
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
      continue;
    }
    printTask(next);
    const outcome = (await ask(rl, `Outcome [${next.outcomes.join('/')}, or skip]: `))?.trim();
    if (outcome === undefined) break;
    if (outcome === '' || outcome === 'skip') {
      skipped.add(next.id);
      continue;
    }
    const comment = (await ask(rl, 'Comment (optional): '))?.trim();
    let data: unknown;
    if (next.form && outcome !== 'reject') {
      const raw = await ask(rl, 'Data as JSON: ');
      try {
        data = raw ? JSON.parse(raw) : undefined;
      } catch {
        console.log(paint('red', 'That is not JSON; the task will be asked again.'));
        continue;
      }
    }
    try {
      const answered = await client.call<Task>('POST', `/v1/tasks/${next.id}/responses`, {
        outcome,
        ...(comment ? { comment } : {}),
        ...(data === undefined ? {} : { data }),
      });
      console.log(paint('green', `✓ ${answered.status}`));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      console.log(paint('red', `✗ ${error.code}: ${error.message}`));
      if (error.code === 'TASK_ALREADY_RESOLVED' || error.code === 'TASK_FORBIDDEN') skipped.add(next.id);
    }
  }
  rl.close();
}

async function ask(rl: ReturnType<typeof createInterface>, question: string): Promise<string | undefined> {
  try {
    return await rl.question(question);
  } catch {
    return undefined; // input closed
  }
}

function printTask(task: Task): void {
  console.log('');
  console.log(`${paint('bold', clean(task.title))}  ${paint('dim', `${task.type} · ${clean(task.id)}`)}`);
  if (task.description) console.log(clean(task.description));
  if (task.action)
    console.log(`${paint('cyan', 'action')} ${clean(task.action.tool)} ${clean(JSON.stringify(task.action.args))}`);
  if (task.payload !== null && task.payload !== undefined)
    console.log(`${paint('cyan', 'payload')} ${clean(JSON.stringify(task.payload))}`);
  if (task.form) console.log(`${paint('cyan', 'form')} ${clean(JSON.stringify(task.form))}`);
  if (task.deadline) console.log(`${paint('cyan', 'deadline')} ${new Date(task.deadline).toISOString()}`);
}
