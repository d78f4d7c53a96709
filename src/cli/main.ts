#!/usr/bin/env node
/**
 * The `heed` command. `heed serve` runs the service; the other commands talk to a server
 * (`--url` or HEED_URL, default http://127.0.0.1:4000) as `--key`/HEED_KEY, or in development
 * as `--as`/HEED_PRINCIPAL.
 */
import { parseArgs } from 'node:util';
import type { Task } from '../human/types.ts';
import { ApiClient, ApiError } from './client.ts';
import { clean, paint, status, table, when } from './format.ts';
import { watchInbox } from './inbox-watch.ts';

const USAGE = `Usage: heed <command> [options]

  serve [--db PATH | --postgres URL] [--port N] [--host H] [--config FILE] [--no-demo] [--import MODULE]
                                                                      run the API, inbox and workers
  worker --postgres URL [--concurrency N] [--lease DURATION] [--no-demo] [--import MODULE]
                                                                      only execute runs (any number, any machine)
  tasks [--status S] [--assignee P] [--type T]                        list tasks (your inbox)
  show ID                                                             one task, with its history
  respond ID OUTCOME [--comment TEXT] [--data JSON] [--args JSON]     answer a task
  inbox [--watch]                                                     your pending tasks; --watch asks each as it arrives
  runs [--status S] [--workflow W]                                    list runs
  audit verify ID                                                     check a task's audit chain

Options for talking to a server: --url URL (HEED_URL), --key KEY (HEED_KEY), --as PRINCIPAL (HEED_PRINCIPAL)`;

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  allowNegative: true,
  options: {
    db: { type: 'string' },
    postgres: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    config: { type: 'string' },
    // User workflow modules: each exports a function (default or "register") taking the Heed instance.
    import: { type: 'string', multiple: true },
    concurrency: { type: 'string' },
    lease: { type: 'string' },
    // The demo workflows (banking, refund, data-export) are registered unless --no-demo.
    demo: { type: 'boolean', default: true },
    url: { type: 'string' },
    key: { type: 'string' },
    as: { type: 'string' },
    status: { type: 'string' },
    assignee: { type: 'string' },
    type: { type: 'string' },
    workflow: { type: 'string' },
    comment: { type: 'string' },
    data: { type: 'string' },
    args: { type: 'string' },
    watch: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});

const client = () =>
  new ApiClient({
    url: flags.url ?? process.env.HEED_URL ?? 'http://127.0.0.1:4000',
    key: flags.key ?? process.env.HEED_KEY,
    principal: flags.as ?? process.env.HEED_PRINCIPAL,
  });

function query(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
  const text = search.toString();
  return text ? `?${text}` : '';
}

function parseJson(flag: string, value: string | undefined): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    throw new Error(`--${flag} must be JSON, got ${value}`);
  }
}

async function main(): Promise<void> {
  const [command, ...rest] = positionals;
  if (flags.help || !command) {
    console.log(USAGE);
    return;
  }
  switch (command) {
    // Loaded on demand: the commands that talk to a server start without the engine, the
    // stores and the server code.
    case 'serve':
      return (await import('./serve-command.ts')).serveCommand(flags);
    case 'worker':
      return (await import('./worker-command.ts')).workerCommand(flags);
    case 'tasks':
    case 'inbox': {
      if (command === 'inbox' && flags.watch) return watchInbox(client());
      const page = await client().call<{ items: Task[] }>(
        'GET',
        `/v1/tasks${query({ status: flags.status ?? (command === 'inbox' ? 'pending' : undefined), assignee: flags.assignee, type: flags.type })}`,
      );
      console.log(
        table(
          ['ID', 'TYPE', 'STATUS', 'TITLE', 'ASSIGNEES', 'DEADLINE'],
          page.items.map((t) => [
            clean(t.id),
            t.type,
            status(t.status),
            clean(t.title),
            clean(t.assignees.map((a) => a.principal).join(',')),
            when(t.deadline),
          ]),
        ),
      );
      return;
    }
    case 'show': {
      const id = rest[0];
      if (!id) throw new Error('usage: heed show ID');
      const task = await client().call<Task>('GET', `/v1/tasks/${encodeURIComponent(id)}`);
      console.log(
        `${paint('bold', clean(task.title))}  ${status(task.status)}  ${paint('dim', `${task.type} · ${clean(task.id)}`)}`,
      );
      if (task.description) console.log(clean(task.description));
      console.log(
        table(
          ['FIELD', 'VALUE'],
          [
            ['outcomes', task.outcomes.join(', ')],
            [
              'assignees',
              task.assignees
                .map((a) => (a.level ? `${a.principal} (escalation ${a.level})` : a.principal))
                .join(', ') || '(anyone)',
            ],
            ['requester', task.requester ?? '-'],
            ['deadline', when(task.deadline)],
            ['escalation', String(task.escalationLevel)],
            ['action', task.action ? clean(`${task.action.tool} ${JSON.stringify(task.action.args)}`) : '-'],
            ['payload', clean(JSON.stringify(task.payload))],
            [
              'result',
              task.result
                ? `${task.result.outcome ?? task.result.status} by ${task.result.by} via ${task.result.via}`
                : '-',
            ],
          ],
        ),
      );
      return;
    }
    case 'respond': {
      const [id, outcome] = rest;
      if (!id || !outcome)
        throw new Error('usage: heed respond ID OUTCOME [--comment TEXT] [--data JSON] [--args JSON]');
      const body: Record<string, unknown> = { outcome };
      if (flags.comment !== undefined) body.comment = flags.comment;
      const data = parseJson('data', flags.data);
      if (data !== undefined) body.data = data;
      const args = parseJson('args', flags.args);
      if (args !== undefined) body.args = args;
      const task = await client().call<Task>('POST', `/v1/tasks/${encodeURIComponent(id)}/responses`, body);
      console.log(
        `${task.id}: ${status(task.status)}${task.result ? ` (${task.result.outcome} by ${task.result.by})` : ''}`,
      );
      return;
    }
    case 'runs': {
      const page = await client().call<{
        items: { id: string; workflow: string; status: string; createdAt: number }[];
      }>('GET', `/v1/runs${query({ status: flags.status, workflow: flags.workflow })}`);
      console.log(
        table(
          ['ID', 'WORKFLOW', 'STATUS', 'CREATED'],
          page.items.map((r) => [r.id, r.workflow, status(r.status), when(r.createdAt)]),
        ),
      );
      return;
    }
    case 'audit': {
      const [sub, id] = rest;
      if (sub !== 'verify' || !id) throw new Error('usage: heed audit verify ID');
      const audit = await client().call<{
        items: { seq: number; at: number; actor: string; via: string; action: string; outcome: string | null }[];
        verification: { ok: boolean; problems: string[] };
      }>('GET', `/v1/tasks/${encodeURIComponent(id)}/audit`);
      console.log(
        table(
          ['#', 'WHEN', 'WHO', 'VIA', 'ACTION', 'OUTCOME'],
          audit.items.map((e) => [String(e.seq), when(e.at), e.actor, e.via, e.action, e.outcome ?? '']),
        ),
      );
      if (audit.verification.ok) console.log(paint('green', `✓ the chain of ${audit.items.length} entries verifies`));
      else {
        console.log(paint('red', '✗ the chain does not verify:'));
        for (const problem of audit.verification.problems) console.log(`  ${problem}`);
        process.exitCode = 1;
      }
      return;
    }
    default:
      throw new Error(`unknown command "${command}"\n\n${USAGE}`);
  }
}

main().catch((error: unknown) => {
  const message = error instanceof ApiError ? `${error.code}: ${error.message}` : (error as Error).message;
  console.error(paint('red', `heed: ${message}`, process.stderr));
  process.exit(error instanceof ApiError ? 1 : 2);
});
