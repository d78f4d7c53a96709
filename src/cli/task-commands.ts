import type { Task } from '../client/index.ts';
import { connect } from './api.ts';
import type { Command, Flags } from './command.ts';
import { clean, paint, status, table, when } from './format.ts';
import { watchInbox } from './inbox-watch.ts';
import { editInEditor, InputClosedError, Prompter, parseArgsJson } from './prompts.ts';
import { printTaskDetail } from './task-view.ts';

const str = (value: string | boolean | undefined) => (typeof value === 'string' ? value : undefined);

/** Exit status 2 and this message: the command was used wrongly; nothing was sent. */
export class UsageError extends Error {}

function printTasks(items: Task[]): void {
  if (items.length === 0) {
    console.log(paint('dim', 'No tasks.'));
    return;
  }
  console.log(
    table(
      ['ID', 'TYPE', 'STATUS', 'TITLE', 'ASKED', 'DEADLINE'],
      items.map((t) => [
        clean(t.id),
        t.type,
        status(t.status, t.result?.outcome),
        clean(t.title),
        clean(t.assignees.map((a) => a.principal).join(',')),
        when(t.deadline),
      ]),
    ),
  );
}

async function listTasks(flags: Flags, defaultStatus: 'pending' | undefined): Promise<void> {
  const api = connect(flags);
  const status = str(flags.status) ?? defaultStatus;
  const page = await api.call(
    api.client.GET('/v1/tasks', {
      params: {
        query: {
          ...(status ? { status: status as Task['status'] } : {}),
          ...(str(flags.assignee) ? { assignee: str(flags.assignee) } : {}),
          ...(str(flags.type) ? { type: str(flags.type) as Task['type'] } : {}),
        },
      },
    }),
  );
  if (flags.quiet) for (const task of page.items) console.log(clean(task.id));
  else printTasks(page.items);
}

const filterOptions = {
  status: { type: 'string', value: 'S', description: 'pending, resolved, expired or cancelled' },
  assignee: { type: 'string', value: 'P', description: "a principal's inbox (admins; others see their own)" },
  type: { type: 'string', value: 'T', description: 'approval, review, form, manual_action, override, clarification' },
  quiet: { type: 'boolean', short: 'q', description: 'print only the task IDs, newest first (for scripts)' },
} as const;

export const tasksCommand: Command = {
  name: 'tasks',
  usage: 'heed tasks [options]',
  summary: 'List the tasks you may answer (admins: all tasks).',
  options: filterOptions,
  remote: true,
  run: (_, flags) => listTasks(flags, undefined),
};

export const inboxCommand: Command = {
  name: 'inbox',
  usage: 'heed inbox [--watch] [options]',
  summary: 'Your pending tasks; with --watch, asks you each one at the terminal as it arrives.',
  details:
    'With --watch: for each task, type an outcome (or Enter to skip). An outcome that needs a reason\n' +
    '(reject, by default) asks "Reason (required)" before anything is sent; arguments the approver\n' +
    'may edit can be kept (Enter), typed as JSON, or edited in $EDITOR ("e"). Ctrl-D stops.',
  options: {
    watch: { type: 'boolean', description: 'ask each pending task as it arrives' },
    ...filterOptions,
  },
  remote: true,
  run: async (_, flags) => {
    if (flags.watch) return watchInbox(connect(flags));
    return listTasks(flags, 'pending');
  },
};

export const showCommand: Command = {
  name: 'show',
  usage: 'heed show ID [options]',
  summary: 'One task: what was asked, who was asked, how it ended, and its history.',
  options: {},
  remote: true,
  run: async ([id], flags) => {
    if (!id) throw new UsageError('heed show needs a task ID (see `heed tasks`)');
    const api = connect(flags);
    const path = { params: { path: { id } } };
    const [task, audit] = await Promise.all([
      api.call(api.client.GET('/v1/tasks/{id}', path)),
      api.call(api.client.GET('/v1/tasks/{id}/audit', path)),
    ]);
    printTaskDetail(task, audit.items);
  },
};

export const respondCommand: Command = {
  name: 'respond',
  usage: 'heed respond ID OUTCOME [options]',
  summary: 'Answer a task as you.',
  details:
    'The outcome is checked against the task first. An outcome that needs a reason (reject, by\n' +
    'default) without --comment asks "Reason (required)" on the terminal before sending.\n' +
    'Examples:\n' +
    '  heed respond T-1 approve\n' +
    '  heed respond T-1 reject --comment "not during the sale"\n' +
    '  heed respond T-1 approve --args \'{"cents": 400}\'     (tasks that allow editing)\n' +
    '  heed respond T-1 approve --edit                       (edit the arguments in $EDITOR)',
  options: {
    comment: { type: 'string', value: 'TEXT', description: 'why (required for reject unless the task says otherwise)' },
    data: { type: 'string', value: 'JSON', description: "the form's data, as JSON" },
    args: { type: 'string', value: 'JSON', description: 'edited action arguments, as a JSON object' },
    edit: { type: 'boolean', description: 'edit the action arguments in $VISUAL / $EDITOR' },
  },
  remote: true,
  run: async ([id, outcome], flags) => {
    if (!id || !outcome) throw new UsageError('heed respond needs a task ID and an OUTCOME');
    const api = connect(flags);
    const task = await api.call(api.client.GET('/v1/tasks/{id}', { params: { path: { id } } }));
    if (!task.outcomes.includes(outcome)) {
      throw new UsageError(`"${outcome}" is not an outcome of this task: ${task.outcomes.join(', ')}`);
    }
    const body: { outcome: string; comment?: string; data?: unknown; args?: Record<string, unknown> } = { outcome };
    const data = str(flags.data);
    if (data !== undefined) {
      try {
        body.data = JSON.parse(data);
      } catch {
        throw new UsageError(`--data must be JSON, got ${data}`);
      }
    }
    if (str(flags.args) !== undefined || flags.edit) {
      if (!task.allowEdit || !task.action) throw new UsageError('This task does not let you edit its arguments');
      try {
        body.args = flags.edit ? editInEditor(task.action.args) : parseArgsJson(str(flags.args) ?? '', '--args');
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    }
    const comment = str(flags.comment);
    if (comment) body.comment = comment;
    else if (task.requireComment.includes(outcome)) {
      const prompter = new Prompter();
      try {
        body.comment = await prompter.comment(task, outcome);
      } catch (error) {
        if (error instanceof InputClosedError) throw new UsageError(`A ${outcome} needs a reason: add --comment TEXT`);
        throw error;
      } finally {
        prompter.close();
      }
    }
    const answered = await api.call(api.client.POST('/v1/tasks/{id}/responses', { params: { path: { id } }, body }));
    const result = answered.result;
    console.log(
      `${clean(answered.title)}: ${status(answered.status, result?.outcome)}${result ? ` (${clean(result.outcome ?? result.status)} by ${clean(result.by ?? '-')})` : ' (your answer is recorded; more are needed)'}`,
    );
    for (const change of result?.edit?.changes ?? []) {
      console.log(
        `  ${clean(change.path)}: ${clean(JSON.stringify(change.from))} → ${clean(JSON.stringify(change.to))}`,
      );
    }
  },
};

export const auditCommand: Command = {
  name: 'audit',
  usage: 'heed audit verify ID [options]',
  summary: "Check a task's audit chain: every entry hashed to the previous one; exits 1 if broken.",
  options: {},
  remote: true,
  run: async ([sub, id], flags) => {
    if (sub !== 'verify' || !id) throw new UsageError('usage: heed audit verify ID');
    const api = connect(flags);
    const audit = await api.call(api.client.GET('/v1/tasks/{id}/audit', { params: { path: { id } } }));
    console.log(
      table(
        ['#', 'WHEN', 'WHO', 'VIA', 'ACTION', 'OUTCOME'],
        audit.items.map((e) => [String(e.seq), when(e.at), clean(e.actor), e.via, e.action, clean(e.outcome ?? '')]),
      ),
    );
    if (audit.verification.ok) console.log(paint('green', `✓ the chain of ${audit.items.length} entries verifies`));
    else {
      console.log(paint('red', '✗ the chain does not verify:'));
      for (const problem of audit.verification.problems) console.log(`  ${problem}`);
      process.exitCode = 1;
    }
  },
};
