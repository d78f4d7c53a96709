import { connect } from './api.ts';
import type { Command } from './command.ts';
import { clean, paint } from './format.ts';
import { UsageError } from './task-commands.ts';

/** At most this many tasks in one batch (the server's limit). */
const MAX_BATCH = 100;

/**
 * `heed batch OUTCOME ID…` / `heed batch OUTCOME --all [--type T] [--search TEXT]`: answers many
 * tasks at once through `POST /v1/tasks/responses`. Each task is answered as you on its own (its own
 * audit entry and checks); the command prints one line per task and exits 1 when any was refused.
 */
export const batchCommand: Command = {
  name: 'batch',
  usage: 'heed batch OUTCOME (ID[,ID…]… | --all [--type TYPE] [--search TEXT]) [--comment TEXT]',
  summary: 'Answer many tasks at once the same way (each audited on its own).',
  details:
    'Each task is answered as you, exactly as `heed respond` would (no edited arguments, no form\n' +
    'data); one line per task says whether it was answered or why not. --all takes every task\n' +
    `waiting for you (at most ${MAX_BATCH}), narrowed by --type and --search. Examples:\n` +
    '  heed batch approve T-1,T-2 T-3\n' +
    '  heed batch approve --all --type approval --search "Refund"\n' +
    '  heed batch reject T-4,T-5 --comment "duplicates"',
  options: {
    all: { type: 'boolean', description: 'every task waiting for you (with --type, --search)' },
    type: { type: 'string', value: 'TYPE', description: 'with --all: only this task type (approval, review…)' },
    search: { type: 'string', value: 'TEXT', description: 'with --all: only titles containing TEXT' },
    comment: { type: 'string', value: 'TEXT', description: 'why (the same for every task; required for reject)' },
  },
  remote: true,
  run: async ([outcome, ...rest], flags) => {
    if (!outcome) throw new UsageError('heed batch needs an OUTCOME (approve, reject…) and task IDs or --all');
    const named = rest
      .flatMap((part) => part.split(','))
      .map((id) => id.trim())
      .filter(Boolean);
    if (flags.all && named.length > 0) throw new UsageError('Give task IDs or --all, not both');
    if (!flags.all && (flags.type !== undefined || flags.search !== undefined)) {
      throw new UsageError('--type and --search narrow --all');
    }
    const api = connect(flags);
    let ids = named;
    if (flags.all) {
      const me = await api.call(api.client.GET('/v1/me'));
      const query: Record<string, string | number> = { status: 'pending', limit: MAX_BATCH };
      if (typeof flags.type === 'string') query.type = flags.type;
      if (typeof flags.search === 'string') query.search = flags.search;
      const page = await api.call(api.client.GET('/v1/tasks', { params: { query: query as never } }));
      // What one asked for oneself is not one's to decide (four-eyes): leave it out.
      const mine = new Set([me.principal, ...me.groups]);
      ids = page.items.filter((t) => t.requester === null || !mine.has(t.requester)).map((t) => t.id);
      if (ids.length === 0) {
        console.log('Nothing waiting for you matches.');
        return;
      }
    }
    if (ids.length === 0) throw new UsageError('heed batch needs task IDs (comma- or space-separated) or --all');
    if (ids.length > MAX_BATCH) throw new UsageError(`At most ${MAX_BATCH} tasks at once`);
    const comment = typeof flags.comment === 'string' && flags.comment.trim() ? flags.comment.trim() : undefined;
    const items = [...new Set(ids)].map((id) => ({ id, outcome, ...(comment ? { comment } : {}) }));
    const result = await api.call(api.client.POST('/v1/tasks/responses', { body: { items } }));
    for (const item of result.items) {
      if (item.ok && item.task) {
        console.log(`${paint('green', '✔')} ${clean(item.id)} ${clean(item.task.title)}: ${clean(item.task.status)}`);
      } else {
        console.log(
          `${paint('red', '✘')} ${clean(item.id)}: ${clean(item.error?.code ?? '')} ${clean(item.error?.message ?? '')}`,
        );
      }
    }
    console.log(`${result.answered} answered, ${result.failed} not`);
    if (result.failed > 0) process.exitCode = 1;
  },
};
