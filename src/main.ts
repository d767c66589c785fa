import type { CliIo } from './cli/io.js';
import { EXIT_OK, EXIT_USAGE } from './cli/io.js';
import { validateCommand } from './cli/validate.js';

const USAGE = `burnwatch: SLO burn-rate evaluation engine

Usage: burnwatch <command> [options]

Commands:
  validate [paths...]   check SLO files (default slos/); exit 0 valid, 1 invalid, 2 usage error
  rules [paths...]      write Prometheus rules (Sloth-compatible names) for SLO files
  convert <paths...>    print SLO files of any supported format as burnwatch/v1 documents
  run                   the daemon: evaluate SLOs continuously and deliver notifications
  evaluate              one-shot status of every SLO against Prometheus (burn rates, budget, alerts)
  backtest              replay SLOs over history: pages and tickets they would have produced
  silence add|list|expire  mute notifications of matching alerts for a while
  help                  show this text

Run burnwatch <command> --help for the options of a command.`;

function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
    now: () => new Date(),
  };
}

type Command = (args: readonly string[], io: CliIo) => number | Promise<number>;

const commands: Readonly<Record<string, Command>> = {
  validate: validateCommand,
  rules: async (args, io) => (await import('./cli/rules.js')).rulesCommand(args, io),
  convert: async (args, io) => (await import('./cli/convert.js')).convertCommand(args, io),
  evaluate: async (args, io) => (await import('./cli/evaluate.js')).evaluateCommand(args, io),
  backtest: async (args, io) => (await import('./cli/backtest.js')).backtestCommand(args, io),
  silence: async (args, io) => (await import('./cli/silence.js')).silenceCommand(args, io),
  run: async (args, io) => {
    const { runCommand } = await import('./cli/run.js');
    const { processPlatform } = await import('./platform.js');
    return runCommand(args, io, await processPlatform());
  },
};

/** Composition root: the only place that reads the process's environment and streams. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.out(`${USAGE}\n`);
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = commands[name];
  if (!command) {
    io.err(`burnwatch: unknown command "${name}"\n\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  return command(rest, io);
}
