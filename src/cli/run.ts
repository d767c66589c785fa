import type { AppConfig } from '../config/load.js';
import { loadConfig } from '../config/load.js';
import type { Daemon } from '../runtime/daemon.js';
import { StartupError } from '../runtime/startup-error.js';
import type { CliIo } from './io.js';
import { EXIT_INVALID, EXIT_OK } from './io.js';
import { defineAsyncCommand } from './command.js';
import { formatError } from './common.js';

export const RUN_USAGE = `Usage: burnwatch run [--config FILE]

Runs the daemon: evaluates every SLO on aligned slots against Prometheus, keeps the error-budget ledger in
SQLite, and delivers notifications. Settings come from the config file (or BURNWATCH_CONFIG) and BURNWATCH_*
environment variables; with neither it runs on embedded defaults: SLOs from ./slos, Prometheus at
http://localhost:9090, notifications as JSON lines on standard output, HTTP on :9099. Logs go to standard
error. SIGHUP reloads the SLO and routing files; SIGTERM stops after the current cycle.`;

/** What the run command calls (built by the composition root: src/main.ts, src/wiring.ts). */
export interface RunDeps {
  /** Builds the daemon for these settings, with its logger and metrics; throws StartupError with located problems. */
  readonly start: (config: AppConfig) => Promise<Daemon>;
  /** Starts the HTTP server of the daemon; rejects when it cannot listen. */
  readonly serve: (daemon: Daemon) => Promise<{ close(): Promise<void> }>;
  /** Registers a signal handler. */
  readonly onSignal: (signal: 'SIGTERM' | 'SIGINT' | 'SIGHUP', handler: () => void) => void;
}

export function runCommand(args: readonly string[], io: CliIo, deps: RunDeps): Promise<number> {
  return defineAsyncCommand({
    name: 'run',
    usage: RUN_USAGE,
    options: { config: { type: 'string', short: 'c' } },
  }, ({ values }) => runDaemon(values.config, io, deps))(args, io);
}

/** Starts the daemon and its HTTP server; resolves with the exit status when a signal or a lost database stops it. */
async function runDaemon(configOption: string | undefined, io: CliIo, deps: RunDeps): Promise<number> {
  const configFile = configOption ?? io.env['BURNWATCH_CONFIG'];
  const loaded = loadConfig(configFile, io.env);
  if (!loaded.ok) {
    for (const e of loaded.errors) io.err(`${formatError(e)}\n`);
    io.err('burnwatch run: the settings have problems (above); fix them and start again\n');
    return EXIT_INVALID;
  }
  let daemon: Daemon;
  try {
    daemon = await deps.start(loaded.config);
  } catch (err) {
    if (err instanceof StartupError) {
      for (const e of err.errors) io.err(`${formatError(e)}\n`);
      io.err('burnwatch run: cannot start (problems above)\n');
      return EXIT_INVALID;
    }
    throw err;
  }
  const logger = daemon.logger('daemon');
  let server: { close(): Promise<void> } | undefined;
  try {
    server = await deps.serve(daemon);
  } catch (err) {
    io.err(`burnwatch run: ${(err as Error).message}\n`);
    await daemon.stop();
    return EXIT_INVALID;
  }
  daemon.run();
  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = (signal: string, code: number): void => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      void (async () => {
        await server?.close();
        await daemon.stop();
        resolveExit(code);
      })();
    };
    deps.onSignal('SIGTERM', () => stop('SIGTERM', EXIT_OK));
    deps.onSignal('SIGINT', () => stop('SIGINT', EXIT_OK));
    // The database cannot be used any more (its file was deleted or replaced): a failed exit, so that the
    // pod restarts on the file now at that path.
    void daemon.failed.then((err) => {
      io.err(`burnwatch run: stopping: ${err.message}; ${err.hint}\n`);
      stop('database', EXIT_INVALID);
    });
    deps.onSignal('SIGHUP', () => {
      daemon.logger('reload').info({ signal: 'SIGHUP' }, 'reload requested');
      void daemon.reload();
    });
  });
}
