import { execFile, execFileSync } from 'node:child_process';
import { chown, mkdtemp, readFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';
import { lostPortRace, removeDir, spawnManaged, trackDir } from './process.js';

/**
 * Starts a throwaway PostgreSQL server on 127.0.0.1 for a test file: `initdb` into a temporary directory (trust
 * authentication, superuser `postgres`), then `postgres` on a free port with its socket in that directory.
 * PostgreSQL refuses to run as root, so as root both run as the `postgres` user (`runuser`). Always call
 * `stop()` (in `afterAll`): it shuts the server down fast (SIGINT) and deletes the directory.
 */

export interface RunningPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  readonly port: number;
  /** Creates an empty database and returns its URL (one per test keeps tests apart). */
  createDatabase(name: string): Promise<string>;
  output(): string;
  /** Stops the server and deletes its directory. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The folder of the PostgreSQL server binaries: `pg_config --bindir` when it names one with `initdb`, else the
 * newest Debian-style /usr/lib/postgresql/<version>/bin; undefined when there is none (tests skip).
 */
export function postgresBinDir(): string | undefined {
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))) return dir;
  } catch {
    // no pg_config: try the Debian layout
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const dir = join(root, v, 'bin');
    if (existsSync(join(dir, 'postgres'))) return dir;
  }
  return undefined;
}

const asRoot = userInfo().uid === 0;

/** The command line that runs a PostgreSQL binary as a user it accepts (never root). */
function command(binary: string, args: readonly string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, [...args]];
}

function run(binary: string, args: readonly string[]): Promise<void> {
  const [cmd, argv] = command(binary, args);
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { timeout: 60_000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${binary} failed: ${err.message}\n${stderr}`));
      else resolve();
    });
  });
}

export async function startPostgres(options: { readyTimeoutMs?: number } = {}): Promise<RunningPostgres> {
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error('no PostgreSQL server binaries (pg_config --bindir, /usr/lib/postgresql/*/bin): install postgresql');
  const root = await mkdtemp(join(tmpdir(), 'burnwatch-postgres-'));
  trackDir(root);
  try {
    if (asRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      await chown(root, uid, gid);
    }
    const dataDir = join(root, 'data');
    await run(join(bin, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const [cmd, argv] = command(join(bin, 'postgres'), [
        '-D', dataDir, '-k', root, '-p', String(port), '-c', 'listen_addresses=127.0.0.1',
        '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
      ]);
      const proc = spawnManaged(cmd, argv);
      const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
      const stopServer = async (): Promise<void> => {
        // SIGINT is PostgreSQL's fast shutdown (SIGTERM waits for every client to leave). Sent to the postmaster
        // itself (its pid is the first line of postmaster.pid): runuser in between may not pass it on.
        const pid = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
        if (pid > 0) {
          try {
            process.kill(pid, 'SIGINT');
          } catch {
            // already gone
          }
        }
        await Promise.race([proc.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
        await proc.stop();
      };
      try {
        await waitForConnections(url, proc, options.readyTimeoutMs ?? 30_000);
      } catch (err) {
        await stopServer();
        if (attempt < 3 && lostPortRace(proc.output())) continue;
        throw err;
      }
      let stopping: Promise<void> | undefined;
      return {
        url,
        port,
        output: () => proc.output(),
        async createDatabase(name) {
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          try {
            await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
          } finally {
            await client.end();
          }
          return `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(name)}`;
        },
        stop: () => {
          stopping ??= stopServer().then(() => removeDir(root));
          return stopping;
        },
      };
    }
  } catch (err) {
    await removeDir(root);
    throw err;
  }
}

async function waitForConnections(url: string, proc: ReturnType<typeof spawnManaged>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = 'no answer yet';
  while (performance.now() < deadline) {
    if (proc.hasExited()) throw new Error(`postgres exited before it accepted connections. Its output:\n${proc.output()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
      await client.end().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`postgres did not accept connections at ${url} after ${timeoutMs} ms (last: ${last}). Its output:\n${proc.output()}`);
}
