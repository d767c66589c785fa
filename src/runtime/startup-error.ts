import type { LocatedProblem } from '../formats/located.js';
import { storageFault } from '../store/db.js';

/** A start-up problem: the process exits non-zero with these located messages. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
  constructor(readonly errors: readonly LocatedProblem[]) {
    super(errors.map((e) => `${e.file}:${e.line}:${e.col}: ${e.path === '' ? '' : `${e.path}: `}${e.message}${e.hint === undefined ? '' : ` (hint: ${e.hint})`}`).join('\n'));
  }
}

/** A problem without a position in a file (a setting, a database, a folder). */
export function problem(file: string, message: string, hint: string, path = ''): LocatedProblem {
  return { file, line: 1, col: 1, path, message, hint };
}

/** A database that cannot be used at start: the file, what is wrong, what to do. */
export function databaseProblem(err: unknown, dbPath: string): StartupError {
  const fault = storageFault(err, dbPath);
  return new StartupError([problem('database.path (BURNWATCH_DB)', fault?.message ?? (err as Error).message, fault?.hint ?? 'point database.path at a writable file on a persistent volume', 'database.path')]);
}
