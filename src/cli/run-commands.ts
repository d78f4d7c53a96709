import type { Run } from '../client/index.ts';
import { connect } from './api.ts';
import type { Command } from './command.ts';
import { clean, paint, status, table, when } from './format.ts';

const str = (value: string | boolean | undefined) => (typeof value === 'string' ? value : undefined);

export const runsCommand: Command = {
  name: 'runs',
  usage: 'heed runs [options]',
  summary: 'List workflow runs, newest first (admins, or anyone in development mode).',
  options: {
    status: { type: 'string', value: 'S', description: 'pending, running, waiting, succeeded, failed or cancelled' },
    workflow: { type: 'string', value: 'W', description: 'only runs of this workflow' },
  },
  remote: true,
  run: async (_, flags) => {
    const api = connect(flags);
    const status_ = str(flags.status);
    const workflow = str(flags.workflow);
    const page = await api.call(
      api.client.GET('/v1/runs', {
        params: {
          query: { ...(status_ ? { status: status_ as Run['status'] } : {}), ...(workflow ? { workflow } : {}) },
        },
      }),
    );
    if (page.items.length === 0) {
      console.log(paint('dim', 'No runs.'));
      return;
    }
    console.log(
      table(
        ['ID', 'WORKFLOW', 'STATUS', 'CREATED'],
        page.items.map((r) => [clean(r.id), clean(r.workflow), status(r.status), when(r.createdAt)]),
      ),
    );
  },
};
