import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** tsx's loader as a URL, so `node --import <it>` works from any working directory. */
export const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the burnwatch CLI from source (through tsx) as a user would run the installed command. */
export function runCli(args: readonly string[], options: { cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number; withoutRootReads?: boolean } = {}): CliRun {
  const command = [process.execPath, '--import', TSX_LOADER, fileURLToPath(new URL('../../src/cli.ts', import.meta.url)), ...args];
  // Root reads any file: without the two capabilities that let it, root meets permission bits like any user,
  // while still reaching the checkout and the Node binary wherever they are (a 0700 temp dir in CI).
  const argv = options.withoutRootReads === true && process.getuid?.() === 0
    ? ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--', ...command]
    : command;
  const result = spawnSync(argv[0]!, argv.slice(1), {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    input: options.input ?? '',
    timeout: options.timeoutMs ?? 300_000,
    maxBuffer: 512 * 1024 * 1024,
  });
  if (result.error !== undefined) throw new Error(`could not run ${argv.join(' ')}: ${result.error.message}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Newest modification time of the files under `dir` whose names pass `keep`, in ms. */
function newestMtimeMs(dir: string, keep: (name: string) => boolean): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !keep(entry.name)) continue;
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * The compiled command as the container image runs it (`node bin/burnwatch.js`), for tests that measure the
 * process (its memory): the source run through tsx carries the compiler's own memory. `npm ci` builds it; a
 * build older than any source file is rebuilt first.
 */
export function compiledCli(): string {
  const built = join(repoRoot, 'dist', 'cli.js');
  const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0;
  const sourceAt = newestMtimeMs(join(repoRoot, 'src'), (name) => !name.endsWith('.spec.ts'));
  if (builtAt < sourceAt) {
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: repoRoot, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
  }
  return join(repoRoot, 'bin', 'burnwatch.js');
}
