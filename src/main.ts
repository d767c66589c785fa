import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Command } from './cli/command.js';
import type { CliIo } from './cli/io.js';
import { EXIT_OK, EXIT_USAGE } from './cli/io.js';
import { flushed, ignoreClosedReader } from './cli/process-output.js';
import { validateCommand } from './cli/validate.js';
import type { ProcessHost } from './wiring.js';

/**
 * The composition root: the only module that reads the process (arguments, environment, working directory,
 * the system clock and timers, randomness, standard streams, signals, its pid, the exit). Commands get it as
 * a CliIo; `burnwatch run` gets the daemon built by wiring.ts (the root's second half) from a ProcessHost.
 * Lint holds the rest of src/ to the layers in eslint.config.js.
 */

const USAGE = `burnwatch: SLO burn-rate evaluation engine

Usage: burnwatch <command> [options]

Commands:
  validate [paths...]   check SLO files (default slos/); exit 0 valid, 1 invalid, 2 usage error
  rules [paths...]      write Prometheus rules (Sloth-compatible names) for SLO files
  convert <paths...>    print SLO files of any supported format as burnwatch/v1 documents
  run                   the daemon: evaluate SLOs continuously and deliver notifications
  evaluate              one-shot status of every SLO against Prometheus (burn rates, budget, alerts)
  backtest              replay SLOs over history: pages and tickets they would have produced
  report                error-budget report of a range or month (markdown, html, csv, json)
  silence add|list|expire  mute notifications of matching alerts for a while
  gate                  ask a running burnwatch whether the error budget allows a deploy (exit 0/1/2)
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

/** The process as the daemon sees it: real timers and clock, signals, standard output, the package version. */
function processHost(): ProcessHost {
  return {
    env: process.env,
    cwd: process.cwd(),
    timers: {
      now: () => Date.now(),
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    },
    random: Math.random,
    pid: process.pid,
    hostname: hostname(),
    isAlive: (pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code === 'EPERM';
      }
    },
    stdout: process.stdout,
    version: (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version,
    onSignal: (signal, handler) => {
      process.on(signal, handler);
    },
  };
}

// Commands other than validate load their modules on first use: `burnwatch validate` in a CI job does not
// pay for the database, the notifiers and the HTTP server.
const commands: Readonly<Record<string, Command<number | Promise<number>>>> = {
  validate: validateCommand,
  rules: async (args, io) => (await import('./cli/rules.js')).rulesCommand(args, io),
  convert: async (args, io) => (await import('./cli/convert.js')).convertCommand(args, io),
  evaluate: async (args, io) => (await import('./cli/evaluate.js')).evaluateCommand(args, io),
  backtest: async (args, io) => (await import('./cli/backtest.js')).backtestCommand(args, io),
  report: async (args, io) => (await import('./cli/report.js')).reportCommand(args, io),
  silence: async (args, io) => (await import('./cli/silence.js')).silenceCommand(args, io),
  gate: async (args, io) => (await import('./cli/gate.js')).gateCommand(args, io),
  run: async (args, io) => {
    const [{ runCommand }, { runDeps }] = await Promise.all([import('./cli/run.js'), import('./wiring.js')]);
    return runCommand(args, io, runDeps(processHost()));
  },
};

/** Runs one command line; the exit status. */
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

/**
 * The whole program (src/cli.ts calls it): runs the command line and exits with its status. The exit is
 * explicit, with no heap teardown after the work is done (see keepAlive in store/db.ts), but only once standard
 * output and error have been handed to the operating system: writes to a pipe can still be waiting.
 */
export async function runProcess(): Promise<never> {
  ignoreClosedReader(process.stdout);
  ignoreClosedReader(process.stderr);
  let code: number;
  try {
    code = await main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`burnwatch: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    code = 1;
  }
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}
