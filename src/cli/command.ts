import type { ParseArgsOptionDescriptor } from 'node:util';

/** One option of a command: what `parseArgs` needs, plus what `--help` says about it. */
export type OptionSpec = ParseArgsOptionDescriptor & {
  description: string;
  /** How the value is shown in help (`--comment TEXT`). */
  value?: string;
};

/**
 * Values of parsed options (strings and booleans; `parseArgs` leaves absent ones undefined). The
 * one `multiple` option, `--import` of serve and worker, is a list: those commands read it so.
 */
export type Flags = Record<string, string | boolean | undefined>;

/**
 * A `heed` command. Each lists its own options, so that `heed <command> --help` and
 * `heed help <command>` describe exactly what it takes and anything else is refused.
 */
export interface Command {
  name: string;
  /** `heed respond ID OUTCOME [options]` */
  usage: string;
  /** One line for the command list. */
  summary: string;
  /** More text for `heed help <command>`: what it does, examples. */
  details?: string;
  options: Record<string, OptionSpec>;
  /** Whether the command talks to a server (then it takes --url, --key, --as). */
  remote: boolean;
  run(positionals: string[], flags: Flags): Promise<void>;
}

/** The options of every command that talks to a server. */
export const CONNECTION_OPTIONS: Record<string, OptionSpec> = {
  url: { type: 'string', value: 'URL', description: 'the server (HEED_URL; default http://127.0.0.1:4000)' },
  key: { type: 'string', value: 'KEY', description: 'an API key (HEED_KEY)' },
  as: {
    type: 'string',
    value: 'PRINCIPAL',
    description: 'development mode without keys: who you are, e.g. user:alice (HEED_PRINCIPAL)',
  },
};

export const HELP_OPTION: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

/** The full option set of a command, as `parseArgs` takes it. */
export function optionsOf(command: Command): Record<string, OptionSpec> {
  return { ...command.options, ...(command.remote ? CONNECTION_OPTIONS : {}), ...HELP_OPTION };
}

/** `heed help <command>` / `heed <command> --help`. */
export function commandHelp(command: Command): string {
  const options = Object.entries(optionsOf(command)).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.value ? ` ${spec.value}` : ''}`;
    return [flag, spec.description] as const;
  });
  const width = Math.max(...options.map(([flag]) => flag.length));
  return [
    `Usage: ${command.usage}`,
    '',
    command.summary,
    ...(command.details ? ['', command.details] : []),
    '',
    'Options:',
    ...options.map(([flag, description]) => `  ${flag.padEnd(width)}  ${description}`),
  ].join('\n');
}
