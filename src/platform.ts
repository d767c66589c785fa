import { readFileSync } from 'node:fs';
import type { Platform } from './cli/run.js';

/**
 * The process side of the daemon, for the composition root: real timers and clock, signals, standard
 * output, the package version, and the HTTP server with metrics.
 */
export async function processPlatform(): Promise<Platform> {
  const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  const serving = await import('./server/serve.js');
  const metrics = serving.createDaemonMetrics(version, () => Date.now());
  return {
    timers: {
      now: () => Date.now(),
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    },
    random: Math.random,
    pid: process.pid,
    isAlive: (pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code === 'EPERM';
      }
    },
    stdout: process.stdout,
    version,
    onSignal: (signal, handler) => {
      process.on(signal, handler);
    },
    metrics: metrics.hooks,
    serve: (daemon) => serving.serve(daemon, metrics, { env: process.env, cwd: process.cwd() }),
  };
}
