import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import type { CliIo } from './io.js';
import { EXIT_OK, EXIT_USAGE, UsageError } from './io.js';

type Options = NonNullable<ParseArgsConfig['options']>;

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/** What a command parses: its name (for messages), usage text and options; `--help` / `-h` is added. */
export interface CommandSpec<O extends Options, P extends boolean> {
  readonly name: string;
  readonly usage: string;
  readonly options: O;
  /** Whether the command takes arguments other than options (default: no). */
  readonly positionals?: P;
  /** Whether `--help` is an option of the command (default: yes). */
  readonly help?: boolean;
  /** Turns an error of the body other than a usage error into an exit code, or returns undefined to throw it. */
  readonly failure?: (err: unknown, io: CliIo) => number | undefined;
}

interface ParseConfig<O extends Options, P extends boolean> {
  args: string[];
  options: O & typeof HELP;
  allowPositionals: P;
  strict: true;
}

/** The command line as the body of a command receives it: typed option values and the other arguments. */
export type CommandArgs<O extends Options, P extends boolean = false> = ReturnType<typeof parseArgs<ParseConfig<O, P>>>;

export type Command<R extends number | Promise<number>> = (args: readonly string[], io: CliIo) => R;

/**
 * The skeleton every command shares: parse the arguments (a parse error prints the message and the usage on
 * stderr, exit 2), `--help` (the usage on stdout, exit 0), then the body; a `UsageError` the body throws is
 * printed like a parse error.
 */
export function defineCommand<O extends Options, P extends boolean = false>(
  spec: CommandSpec<O, P>,
  body: (parsed: CommandArgs<O, P>, io: CliIo) => number,
): Command<number> {
  return (args, io) => {
    const parsed = parseCommandLine(spec, args, io);
    if (typeof parsed === 'number') return parsed;
    try {
      return body(parsed, io);
    } catch (err) {
      return commandFailure(spec, err, io);
    }
  };
}

/** `defineCommand` for a body that waits (queries a backend). */
export function defineAsyncCommand<O extends Options, P extends boolean = false>(
  spec: CommandSpec<O, P>,
  body: (parsed: CommandArgs<O, P>, io: CliIo) => Promise<number>,
): Command<Promise<number>> {
  return async (args, io) => {
    const parsed = parseCommandLine(spec, args, io);
    if (typeof parsed === 'number') return parsed;
    try {
      return await body(parsed, io);
    } catch (err) {
      return commandFailure(spec, err, io);
    }
  };
}

function parseCommandLine<O extends Options, P extends boolean>(spec: CommandSpec<O, P>, args: readonly string[], io: CliIo): CommandArgs<O, P> | number {
  let parsed: CommandArgs<O, P>;
  try {
    const options = (spec.help === false ? spec.options : { ...spec.options, ...HELP }) as O & typeof HELP;
    parsed = parseArgs<ParseConfig<O, P>>({ args: [...args], options, allowPositionals: spec.positionals ?? (false as P), strict: true });
  } catch (err) {
    return usageFailure(spec, (err as Error).message, io);
  }
  if ((parsed.values as { help?: boolean }).help === true) {
    io.out(`${spec.usage}\n`);
    return EXIT_OK;
  }
  return parsed;
}

function commandFailure(spec: CommandSpec<Options, boolean>, err: unknown, io: CliIo): number {
  if (err instanceof UsageError) return usageFailure(spec, err.message, io);
  const code = spec.failure?.(err, io);
  if (code === undefined) throw err;
  return code;
}

function usageFailure(spec: CommandSpec<Options, boolean>, message: string, io: CliIo): number {
  io.err(`burnwatch ${spec.name}: ${message}\n\n${spec.usage}\n`);
  return EXIT_USAGE;
}
