import { connect } from './api.ts';
import type { Command } from './command.ts';
import { clean, paint } from './format.ts';
import { UsageError } from './task-commands.ts';

export const reassignCommand: Command = {
  name: 'reassign',
  usage: 'heed reassign ID --to PRINCIPAL[,PRINCIPAL…] --reason TEXT',
  summary: 'Hand a task you were asked to someone else, with a reason (admins: any task).',
  details:
    'The people named replace everyone asked; they are told on every channel, and the copies the\n' +
    'others were sent are closed. Example:\n' +
    '  heed reassign T-1 --to user:bob --reason "On leave until Monday"',
  options: {
    to: { type: 'string', value: 'P[,P…]', description: 'who is asked instead (comma-separated)' },
    reason: { type: 'string', value: 'TEXT', description: 'why (shown to them and in the history)' },
  },
  remote: true,
  run: async ([id], flags) => {
    if (!id) throw new UsageError('heed reassign needs a task ID (see `heed tasks`)');
    const to =
      typeof flags.to === 'string'
        ? flags.to
            .split(',')
            .map((p) => p.trim())
            .filter(Boolean)
        : [];
    if (to.length === 0) throw new UsageError('heed reassign needs --to (who is asked instead)');
    const reason = typeof flags.reason === 'string' ? flags.reason.trim() : '';
    if (!reason) throw new UsageError('heed reassign needs --reason (why)');
    const api = connect(flags);
    const task = await api.call(
      api.client.POST('/v1/tasks/{id}/reassign', { params: { path: { id } }, body: { to, reason } }),
    );
    console.log(
      `${paint('green', '✔')} ${clean(task.title)} is now asked of ${clean(task.assignees.map((a) => a.principal).join(', '))}`,
    );
  },
};
