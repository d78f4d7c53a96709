#!/usr/bin/env node
/**
 * The `heed` command: `heed serve` runs the service; the other commands talk to a server through
 * the typed client (`heed/client`). `heed help [command]`, `heed <command> --help`, `heed --version`.
 * Exit status: 0 done, 1 the server refused (or an audit chain is broken), 2 a usage error or an
 * unreachable server (nothing was sent).
 */
// First: on a Node too old for Heed, say so before anything loads node:sqlite.
import './node-check.ts';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { HeedApiError } from '../client/index.ts';
import { HeedError } from '../errors.ts';
import type { McpFlags } from '../mcp/stdio-command.ts';
import { type Command, commandHelp, type Flags, type OptionSpec, optionsOf } from './command.ts';
import { paint } from './format.ts';
import { insightsCommand } from './insights-command.ts';
import { reassignCommand } from './reassign-command.ts';
import { awayCommand } from './away-command.ts';
import { batchCommand } from './batch-command.ts';
import { standingCommand } from './standing-command.ts';
import { historyCommand, runsCommand } from './run-commands.ts';
import type { ServeFlags } from './serve-command.ts';
import { auditCommand, inboxCommand, respondCommand, showCommand, tasksCommand, UsageError } from './task-commands.ts';
import type { WorkerFlags } from './worker-command.ts';

const IMPORT_OPTION: OptionSpec = {
  type: 'string',
  multiple: true,
  value: 'MODULE',
  description: 'load workflows from a module exporting register(heed) (repeatable)',
};
const LEASE_OPTION: OptionSpec = {
  type: 'string',
  value: 'DURATION',
  description: "how long a dead worker's runs stay its own before another takes them (default 30s)",
};

const serve: Command = {
  name: 'serve',
  usage: 'heed serve [options]',
  summary: 'Run the API, the web inbox, the workers and the timers in one process (Ctrl-C stops it gracefully).',
  details:
    'The store is .heed/heed.db unless --db or --postgres (HEED_POSTGRES_URL) says otherwise. Without API keys it listens on loopback only.',
  options: {
    db: { type: 'string', value: 'PATH', description: 'the SQLite file (default .heed/heed.db)' },
    postgres: { type: 'string', value: 'URL', description: 'a PostgreSQL store instead of SQLite' },
    port: { type: 'string', value: 'N', description: 'the port (default 4000; 0 picks a free one)' },
    host: { type: 'string', value: 'H', description: 'the interface (default 127.0.0.1)' },
    config: { type: 'string', value: 'FILE', description: 'JSON configuration: keys, admins, groups, webhooks, …' },
    demo: {
      type: 'boolean',
      default: true,
      description: 'register the demo workflows (banking, refund, data-export); --no-demo to leave them out',
    },
    import: IMPORT_OPTION,
    lease: LEASE_OPTION,
  },
  remote: false,
  // Loaded only when serving: the other commands start without the server, the engine and the store.
  run: async (_, flags) => (await import('./serve-command.ts')).serveCommand(flags as unknown as ServeFlags),
};

const worker: Command = {
  name: 'worker',
  usage: 'heed worker --postgres URL [options]',
  summary: 'Only execute runs and timers from a PostgreSQL store shared with heed serve (any number, any machine).',
  details:
    'Workflows come from --import modules (each exports a function, default or "register", that registers workflows on the Heed instance it is given) and the demo workflows unless --no-demo. Ctrl-C or SIGTERM stops it gracefully.',
  options: {
    postgres: { type: 'string', value: 'URL', description: 'the PostgreSQL store (HEED_POSTGRES_URL)' },
    config: {
      type: 'string',
      value: 'FILE',
      description: "heed serve's JSON configuration: its groups and demo.approvers apply here too",
    },
    concurrency: { type: 'string', value: 'N', description: 'runs executed at once (default 64)' },
    demo: {
      type: 'boolean',
      default: true,
      description: 'register the demo workflows; --no-demo to leave them out',
    },
    import: IMPORT_OPTION,
    lease: LEASE_OPTION,
  },
  remote: false,
  run: async (_, flags) => (await import('./worker-command.ts')).workerCommand(flags as unknown as WorkerFlags),
};

const mcp: Command = {
  name: 'mcp',
  usage: 'heed mcp (--db PATH [--config FILE] | --url URL --key KEY) [--as PRINCIPAL]',
  summary: 'The MCP server on stdio: the tools request_approval, ask_human and get_task (for MCP clients).',
  details:
    'Against a server (--url with --key; the key is the caller) or a store (--db, acting as --as, default agent:mcp).',
  options: {
    db: { type: 'string', value: 'PATH', description: 'act on this SQLite store instead of a server' },
    config: {
      type: 'string',
      value: 'FILE',
      description: 'with --db: the heed serve configuration (its policies, admins and groups decide who is asked)',
    },
  },
  remote: true,
  // Loaded only for MCP: the other commands start without the MCP SDK.
  run: async (_, flags) => (await import('../mcp/stdio-command.ts')).mcpCommand(flags as McpFlags),
};

/** Every command, in the order `heed help` lists them. */
export const COMMANDS: readonly Command[] = [
  serve,
  worker,
  tasksCommand,
  inboxCommand,
  showCommand,
  respondCommand,
  batchCommand,
  standingCommand,
  reassignCommand,
  awayCommand,
  runsCommand,
  historyCommand,
  auditCommand,
  insightsCommand,
  mcp,
];

function version(): string {
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: heed <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    `  ${'help'.padEnd(width)}  heed help <command> describes a command and its options`,
    '',
    'Commands other than serve talk to a server: --url URL (HEED_URL), --key KEY (HEED_KEY),',
    'or in development without keys --as PRINCIPAL (HEED_PRINCIPAL).',
    'heed --version prints the version.',
  ].join('\n');
}

function find(name: string): Command {
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command "${name}"; \`heed help\` lists them`);
  return command;
}

async function main(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-v' || first === 'version') {
    console.log(`heed ${version()}`);
    return;
  }
  if (first === undefined || first === '--help' || first === '-h') {
    console.log(usage());
    return;
  }
  if (first === 'help') {
    console.log(rest[0] ? commandHelp(find(rest[0])) : usage());
    return;
  }
  const command = find(first);
  let parsed: { values: Flags; positionals: string[] };
  try {
    parsed = parseArgs({
      args: rest,
      options: optionsOf(command),
      allowPositionals: true,
      allowNegative: true,
    }) as { values: Flags; positionals: string[] };
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${commandHelp(command)}`);
  }
  if (parsed.values.help) {
    console.log(commandHelp(command));
    return;
  }
  await command.run(parsed.positionals, parsed.values);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // Heed's own errors (a read-only or damaged store at `serve`) say their code; no stack trace.
  const message =
    error instanceof HeedApiError || error instanceof HeedError
      ? `${error.code}: ${error.message}`
      : (error as Error).message;
  console.error(paint('red', `heed: ${message}`, process.stderr));
  if (error instanceof HeedApiError) {
    for (const issue of error.issues) console.error(`  ${issue.path || '(body)'}: ${issue.message}`);
  }
  process.exit(error instanceof HeedApiError ? 1 : 2);
});
