import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { SecretResolver } from '../notify/notifier.js';

/**
 * Reads secret references (`{ env: NAME }` or `{ file: PATH }`) for receivers: from the process environment,
 * or from a file (relative paths against the config file's folder; surrounding whitespace trimmed, as
 * Kubernetes secret files often end with a newline). The value never appears in an error.
 */
export function secretResolver(env: Readonly<Record<string, string | undefined>>, baseDir: string): SecretResolver {
  return (ref, what) => {
    if (ref.env !== undefined) {
      const value = env[ref.env];
      if (value === undefined || value.trim() === '') throw new Error(`${what}: environment variable ${ref.env} is not set or empty`);
      return value.trim();
    }
    if (ref.file !== undefined) {
      const path = isAbsolute(ref.file) ? ref.file : resolve(baseDir, ref.file);
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (err) {
        throw new Error(`${what}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err });
      }
      if (text.trim() === '') throw new Error(`${what}: ${path} is empty`);
      return text.trim();
    }
    throw new Error(`${what}: give { env: NAME } or { file: PATH }`);
  };
}
