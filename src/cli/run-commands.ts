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

export const historyCommand: Command = {
  name: 'history',
  usage: 'heed history export RUN_ID > run.json',
  summary: "Export a run's recorded history, to replay against changed code in tests (replayHistory).",
  details:
    'Keep a few exported histories in your test suite and check them with\n' +
    "`await replayHistory(workflow, JSON.parse(readFileSync('run.json', 'utf8')))`: a change that\n" +
    'would strand waiting runs fails there, naming the first call that differs.',
  options: {},
  remote: true,
  run: async (positionals, flags) => {
    const [verb, id] = positionals;
    if (verb !== 'export' || !id) throw new Error('usage: heed history export RUN_ID');
    const api = connect(flags);
    const history = await api.call(api.client.GET('/v1/runs/{id}/history', { params: { path: { id } } }));
    process.stdout.write(`${JSON.stringify(history, null, 2)}\n`);
  },
};
