import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, rmSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/**
 * Child processes for integration tests (Prometheus, Alertmanager): spawn, keep the tail of their output for
 * error messages, wait until an HTTP readiness URL answers 200, stop them, and make sure none outlives the
 * test process (even when a test fails before calling `stop`).
 */

const OUTPUT_LIMIT = 64 * 1024;

/** Processes still running and directories still to delete, killed/removed when the test process exits. */
const live = new Set<ChildProcess>();
const leftoverDirs = new Set<string>();
let exitHookInstalled = false;

function cleanUpNow(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
  for (const dir of leftoverDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort at exit
    }
  }
  leftoverDirs.clear();
}

/**
 * Cleans up on a normal exit and on SIGTERM/SIGHUP: vitest ends its worker processes with SIGTERM, which
 * skips 'exit' handlers, so without this a test that fails before `stop()` would leave Prometheus running.
 * After cleaning up, the signal is raised again so the process still ends the way the sender expects.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', cleanUpNow);
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      cleanUpNow();
      process.removeListener(signal, onSignal);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/** Whether an executable called `name` is on the PATH (lets tests skip with a clear reason). */
export function hasBinary(name: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return true;
    } catch {
      // not here
    }
  }
  return false;
}

export interface ManagedProcess {
  readonly pid: number | undefined;
  /** Last 64 KiB of stdout and stderr, interleaved. */
  output(): string;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

export function spawnManaged(binary: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ManagedProcess {
  installExitHook();
  const child = spawn(binary, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let output = '';
  const append = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.length > OUTPUT_LIMIT) output = output.slice(output.length - OUTPUT_LIMIT);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (err) => {
      append(Buffer.from(`\n[spawn ${binary} failed: ${err.message}]\n`));
      done = true;
      live.delete(child);
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => {
      done = true;
      live.delete(child);
      resolve({ code, signal });
    });
  });
  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid,
    output: () => output,
    exited,
    hasExited: () => done,
    stop(graceMs = 5000) {
      stopping ??= (async () => {
        if (done) return;
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const killed = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, graceMs);
        });
        await Promise.race([exited, killed]);
        clearTimeout(timer);
        await exited;
      })();
      return stopping;
    },
  };
}

/** Registers a temporary directory to delete at exit if `removeDir` is never reached. */
export function trackDir(dir: string): void {
  installExitHook();
  leftoverDirs.add(dir);
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  leftoverDirs.delete(dir);
}

/**
 * Polls `url` until it answers 200. Fails early, with the process's output, when the process exits; fails
 * after `timeoutMs` likewise. Resolves with the milliseconds it waited.
 */
export async function waitForReady(url: string, proc: ManagedProcess, options: { name: string; timeoutMs: number }): Promise<number> {
  const started = performance.now();
  const deadline = started + options.timeoutMs;
  let last = 'no answer yet';
  while (performance.now() < deadline) {
    if (proc.hasExited()) {
      const { code, signal } = await proc.exited;
      throw new Error(`${options.name} exited (code ${String(code)}, signal ${String(signal)}) before ${url} was ready. Its output:\n${proc.output()}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return Math.round(performance.now() - started);
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${options.name} was not ready at ${url} after ${options.timeoutMs} ms (last: ${last}). Its output:\n${proc.output()}`);
}

/** Whether a failed start looks like a lost race for the port (worth another try on a new port). */
export function lostPortRace(output: string): boolean {
  return /address already in use/i.test(output);
}
