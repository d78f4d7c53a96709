import { HeedApiError, type Task } from '../client/index.ts';
import type { Api } from './api.ts';
import { isNegative } from '../text/outcomes.ts';
import { clean, paint } from './format.ts';
import { InputClosedError, Prompter } from './prompts.ts';
import { printTask } from './task-view.ts';

/**
 * `heed inbox --watch`: the terminal channel. Asks you each pending task as it arrives (oldest
 * first): shows it, reads an outcome, then what that outcome needs before anything is sent — a
 * reason where one is required, edited arguments where the task allows editing, form data — and
 * answers it. Stops at the end of the input (Ctrl-D) or on Ctrl-C.
 */
export async function watchInbox(api: Api, options: { pollMs?: number } = {}): Promise<void> {
  const prompter = new Prompter();
  const skipped = new Set<string>();
  console.log(paint('dim', `Watching the inbox at ${api.url} (Ctrl-D to stop)…`));
  try {
    while (!prompter.closed) {
      const page = await api.call(
        api.client.GET('/v1/tasks', { params: { query: { status: 'pending', limit: 100 } } }),
      );
      const next = page.items.reverse().find((task) => !skipped.has(task.id));
      if (!next) {
        await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
        continue;
      }
      console.log('');
      printTask(next);
      const answer = await askAnswer(prompter, next);
      if (!answer) {
        skipped.add(next.id);
        continue;
      }
      try {
        const answered = await api.call(
          api.client.POST('/v1/tasks/{id}/responses', { params: { path: { id: next.id } }, body: answer }),
        );
        const outcome = answered.result?.outcome;
        const by = answered.result ? ` (${clean(outcome ?? answered.status)})` : '';
        // A no is recorded too, but is not shown like a success.
        console.log(paint(isNegative(outcome, answered.status) ? 'red' : 'green', `✓ ${answered.status}${by}`));
        if (answered.status === 'pending') skipped.add(next.id); // recorded; others must answer too
      } catch (error) {
        if (!(error instanceof HeedApiError)) throw error;
        console.log(paint('red', `✗ ${error.code}: ${error.message}`));
        if (error.status === 409 || error.status === 403 || error.status === 404) skipped.add(next.id);
      }
    }
  } catch (error) {
    if (!(error instanceof InputClosedError)) throw error;
  } finally {
    prompter.close();
  }
}

/** The outcome and what it needs; undefined to skip the task. @throws InputClosedError */
async function askAnswer(
  prompter: Prompter,
  task: Task,
): Promise<{ outcome: string; comment?: string; args?: Record<string, unknown>; data?: unknown } | undefined> {
  let outcome: string;
  for (;;) {
    outcome = await prompter.ask(`Outcome [${task.outcomes.join('/')}, or Enter to skip]: `);
    if (outcome === '' || outcome === 'skip') return undefined;
    if (task.outcomes.includes(outcome)) break;
    console.log(paint('yellow', `"${clean(outcome)}" is not one of: ${task.outcomes.join(', ')}`));
  }
  const answer: { outcome: string; comment?: string; args?: Record<string, unknown>; data?: unknown } = { outcome };
  // Editing applies to what gets approved; a refusal needs no new arguments.
  if (task.allowEdit && task.action && !task.requireComment.includes(outcome)) {
    const args = await prompter.editArgs(task);
    if (args) answer.args = args;
  }
  if (task.form && !task.requireComment.includes(outcome)) {
    const data = await prompter.data();
    if (data !== undefined) answer.data = data;
  }
  const comment = await prompter.comment(task, outcome);
  if (comment) answer.comment = comment;
  return answer;
}
