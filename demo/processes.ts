import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * The demo's child processes (Prometheus, burnwatch): spawned in the demo's process group (so Ctrl-C in the
 * terminal reaches them too), their output kept in a log file and a short tail for error messages, and
 * killed when the demo exits in any way.
 */

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killLeftovers(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

export interface ChildOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Where the raw output goes (stdout too unless `onStdoutLine` takes it). */
  readonly log: WriteStream;
  /** Receives standard output line by line instead of the log. */
  readonly onStdoutLine?: (line: string) => void;
  /** Receives each line of standard error (besides the log). */
  readonly onStderrLine?: (line: string) => void;
}

export interface Child {
  readonly name: string;
  readonly pid: number | undefined;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** The last lines of its output, for error messages. */
  tail(lines?: number): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

export function spawnChild(name: string, command: string, args: readonly string[], options: ChildOptions): Child {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', killLeftovers);
  }
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const recent: string[] = [];
  const remember = (line: string): void => {
    recent.push(line);
    if (recent.length > 40) recent.shift();
  };
  createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
    remember(line);
    if (options.onStdoutLine) options.onStdoutLine(line);
    else options.log.write(`${line}\n`);
  });
  createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', (line) => {
    remember(line);
    options.log.write(`${line}\n`);
    options.onStderrLine?.(line);
  });
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (err) => {
      remember(`[could not start ${command}: ${err.message}]`);
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
    name,
    pid: child.pid,
    exited,
    hasExited: () => done,
    tail: (lines = 15) => recent.slice(-lines).join('\n'),
    stop(graceMs = 10_000) {
      stopping ??= (async () => {
        if (done) return;
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, graceMs);
        })]);
        clearTimeout(timer);
        await exited;
      })();
      return stopping;
    },
  };
}

/** Whether an executable called `name` is on the PATH. */
export function onPath(name: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      const file = join(dir, name);
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). Another process may take it before
 * the caller binds it: callers retry on "address already in use". The tests' launchers use this one too.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read the port of a listening socket'));
        return;
      }
      const { port } = address;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

/** Polls `url` until it answers 200; rejects (with the process's last output) when `child` exits or after `timeoutMs`. */
export async function waitForOk(url: string, child: Child, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.hasExited()) {
      const { code, signal } = await child.exited;
      throw new Error(`${child.name} stopped (exit code ${String(code)}, signal ${String(signal)}) before ${url} answered. Its last output:\n${child.tail()}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${child.name} did not answer ${url} within ${timeoutMs / 1000} s (last: ${last}). Its last output:\n${child.tail()}`);
}
