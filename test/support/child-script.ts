import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** How a child process that ran a script ended. */
export interface ChildScriptResult {
  readonly code: number | null;
  readonly stdout: string;
  /** Its standard error, npm's warnings left out. */
  readonly stderr: string;
  /** From its first complete line on stdout (the script's result) to its exit; Infinity when it printed none. */
  readonly exitAfterOutputMs: number;
}

/**
 * Runs an ES module `script` in a Node process of its own (through tsx, from the project's root, so it can
 * import the sources) and waits for it to exit, killing it after `killAfterMs`. For tests that check that
 * nothing (a connection, a timer) keeps a process alive once its work is done.
 */
export async function runChildScript(script: string, killAfterMs = 15_000): Promise<ChildScriptResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let doneAt: number | undefined;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes('\n')) doneAt ??= performance.now();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(killer);
  const exitedAt = performance.now();
  return { code, stdout, stderr: stderr.replace(/npm warn.*\n?/g, ''), exitAfterOutputMs: doneAt === undefined ? Infinity : exitedAt - doneAt };
}
