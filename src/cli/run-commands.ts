import type { Run } from '../client/index.ts';
import { connect } from './api.ts';
import type { Command } from './command.ts';
import { clean, paint, status, table, when } from './format.ts';

const str = (value: string | boolean | undefined) => (typeof value === 'string' ? value : undefined);

export const runsCommand: Command = {
  name: 'runs',
  usage: 'heed runs [options] | heed runs resume RUN_ID [--version N]',
  summary: 'List workflow runs, newest first (admins, or anyone in development mode); resume a blocked one.',
  details:
    'A blocked run could not replay its history on the code deployed (the WHY column says where it\n' +
    'diverged): deploy code that replays it and `heed runs resume RUN_ID`, or move it to a registered\n' +
    'version that does with `--version N` (admins).',
  options: {
    status: {
      type: 'string',
      value: 'S',
      description: 'pending, running, waiting, blocked, succeeded, failed or cancelled',
    },
    workflow: { type: 'string', value: 'W', description: 'only runs of this workflow (any version)' },
    version: { type: 'string', value: 'N', description: 'with resume: replay on this version from now on' },
  },
  remote: true,
  run: async (positionals, flags) => {
    const api = connect(flags);
    if (positionals[0] === 'resume') {
      const id = positionals[1];
      if (!id) throw new Error('usage: heed runs resume RUN_ID [--version N]');
      const version = str(flags.version);
      const run = await api.call(
        api.client.POST('/v1/runs/{id}/resume', {
          params: { path: { id } },
          body: version === undefined ? {} : { version: Number(version) },
        }),
      );
      console.log(`${clean(run.id)} is ${status(run.status)} on ${clean(run.workflow)} version ${run.version}`);
      return;
    }
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
    const blocked = page.items.some((r) => r.status === 'blocked');
    console.log(
      table(
        ['ID', 'WORKFLOW', 'VERSION', 'STATUS', 'CREATED', ...(blocked ? ['WHY'] : [])],
        page.items.map((r) => [
          clean(r.id),
          clean(r.workflow),
          String(r.version),
          status(r.status),
          when(r.createdAt),
          ...(blocked ? [r.status === 'blocked' ? clean(r.error?.message ?? '') : ''] : []),
        ]),
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
