import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The script's last step, for a child that checks what would keep it alive once its work is done: after a
 * few turns of the event loop, prints `{ ...result, left }` as its last line, `left` being the active
 * resources (timers, sockets) other than its standard streams and file-system requests.
 */
export const PRINT_WHAT_IS_LEFT = `
  const printWhatIsLeft = async (result) => {
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    // Pipes and TTYs are the test's own stdio; a file-system request ends by itself (the TypeScript loader
    // writes its cache in the background). A timer or a socket is what would hold the process.
    const left = process.getActiveResourcesInfo().filter((r) => !['PipeWrap', 'TTYWrap', 'FSReqCallback', 'FSReqPromise'].includes(r));
    process.stdout.write(JSON.stringify({ ...result, left }) + '\\n');
  };
`;

/** How a child process that ran a script ended. */
export interface ChildScriptResult {
  readonly code: number | null;
  /** Its complete lines on stdout. */
  readonly lines: string[];
  /** Its standard error, npm's warnings left out. */
  readonly stderr: string;
}

/**
 * Runs an ES module `script` (with `PRINT_WHAT_IS_LEFT` in scope) in a Node process of its own, through tsx
 * from the project's root so that it can import the sources, and waits for it to exit. `onLine` sees each
 * line it prints (and can write to its stdin). A line with a non-empty `left` ends it: something would keep
 * it alive, and the test says what.
 */
export async function runChildScript(script: string, onLine?: (line: string, child: ChildProcessWithoutNullStreams) => void): Promise<ChildScriptResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `${PRINT_WHAT_IS_LEFT}\n${script}`], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const lines: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    const complete = stdout.split('\n');
    stdout = complete.pop() ?? '';
    for (const line of complete) {
      lines.push(line);
      onLine?.(line, child);
      if (line.startsWith('{') && ((JSON.parse(line) as { left?: unknown[] }).left ?? []).length > 0) child.kill('SIGKILL');
    }
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { code, lines, stderr: stderr.replace(/npm warn.*\n?/g, '') };
}
