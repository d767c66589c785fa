import { readFileSync } from 'node:fs';
import type { Platform } from './cli/run.js';

/**
 * The process side of the daemon, for the composition root: real timers and clock, signals, standard
 * output, the package version, and the HTTP server with metrics.
 */
export async function processPlatform(): Promise<Platform> {
  const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  // The HTTP server (metrics, health, API) is added here once it exists.
  const serving = undefined as undefined | { createDaemonMetrics(v: string): { hooks: NonNullable<Platform['metrics']> }; serve(d: unknown, m: unknown): Promise<{ close(): Promise<void> }> };
  const metrics = serving?.createDaemonMetrics(version);
  return {
    timers: {
      now: () => Date.now(),
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    },
    random: Math.random,
    stdout: process.stdout,
    version,
    onSignal: (signal, handler) => {
      process.on(signal, handler);
    },
    ...(serving && metrics ? { metrics: metrics.hooks, serve: (daemon) => serving.serve(daemon, metrics) } : {}),
  };
}
