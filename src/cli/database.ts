import { resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import { redactUrl } from '../redact-url.js';
import { databasePassword } from '../runtime/database.js';
import { StartupError } from '../runtime/startup-error.js';
import { openDb } from '../store/db.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { Store } from '../store/store.js';
import { formatError } from './common.js';
import type { CliIo } from './io.js';
import { EXIT_INVALID } from './io.js';

/**
 * The database of `burnwatch run` as the commands that read or write it find it: `--db FILE` names a SQLite file;
 * otherwise the daemon's own settings file (`--config FILE`, or BURNWATCH_CONFIG, with the BURNWATCH_* variables
 * over it) says where it is: PostgreSQL at `database.url` (its password from `database.password`), or the SQLite
 * file `database.path`. Nothing else to learn: the same file the daemon runs with.
 */

export type DatabaseTarget =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly password?: string };

/** Where the data is, as it may be shown (a file path, or a URL without its password). */
export function targetLocation(target: DatabaseTarget): string {
  return target.kind === 'sqlite' ? target.path : redactUrl(target.url);
}

/**
 * The database the flags and settings name (undefined: neither `--db` nor a settings file is given), or the exit
 * status after printing what is wrong with the settings (every problem located, as `burnwatch run` prints them).
 */
export function databaseOfSettings(values: { readonly db?: string | undefined; readonly config?: string | undefined }, io: CliIo, command: string): DatabaseTarget | number | undefined {
  if (values.db !== undefined) return { kind: 'sqlite', path: values.db };
  const configFile = values.config ?? io.env['BURNWATCH_CONFIG'];
  if (configFile === undefined || configFile === '') return undefined;
  const loaded = loadConfig(resolve(io.cwd, configFile), io.env);
  if (!loaded.ok) {
    for (const e of loaded.errors) io.err(`${formatError(e)}\n`);
    io.err(`burnwatch ${command}: the settings have problems (above); fix them and try again\n`);
    return EXIT_INVALID;
  }
  const { config } = loaded;
  if (config.database === undefined) return { kind: 'sqlite', path: resolve(io.cwd, config.databasePath) };
  let password: string | undefined;
  try {
    password = databasePassword(config, io.env, io.cwd);
  } catch (err) {
    if (!(err instanceof StartupError)) throw err;
    for (const e of err.errors) io.err(`${formatError(e)}\n`);
    io.err(`burnwatch ${command}: cannot read the database password (above)\n`);
    return EXIT_INVALID;
  }
  return { kind: 'postgres', url: config.database.url, ...(password === undefined ? {} : { password }) };
}

/**
 * Opens the store of a target for a short command: the SQLite file (created and migrated if needed, as the
 * daemon would), or a small pool on PostgreSQL (schema migrated under its lock). Failures are StoreErrors naming
 * the file or the URL without its password, with what to do.
 */
export async function openTargetStore(target: DatabaseTarget): Promise<Store> {
  if (target.kind === 'sqlite') return new SqliteStore(openDb(target.path), target.path);
  const { openPgStore } = await import('../store/postgres/pg-store.js');
  return openPgStore({ url: target.url, ...(target.password === undefined ? {} : { password: target.password }), maxConnections: 2 });
}
