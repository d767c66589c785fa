import { dirname, resolve } from 'node:path';
import type { AppConfig } from '../config/load.js';
import { problem, StartupError } from './startup-error.js';
import { secretResolver } from './secrets.js';

/**
 * The PostgreSQL password of `database.password`, read from its secret reference (an environment variable, or a
 * file relative to the config file's folder): the daemon and the commands that open its database read it alike.
 * A reference that cannot be read is a StartupError naming the setting.
 */
export function databasePassword(config: AppConfig, env: Readonly<Record<string, string | undefined>>, cwd: string): string | undefined {
  const ref = config.database?.password;
  if (ref === undefined) return undefined;
  try {
    return secretResolver(env, config.file === undefined ? cwd : dirname(resolve(cwd, config.file)))(ref, 'database.password');
  } catch (err) {
    throw new StartupError([problem(config.file ?? '(settings)', (err as Error).message, 'set the environment variable or create the file the reference names (the PostgreSQL password of database.url)', 'database.password')]);
  }
}
