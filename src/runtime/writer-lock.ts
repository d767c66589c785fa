import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';

/**
 * SQLite allows several writers to wait on each other, but two daemons on one ledger would double-count and
 * page twice: a lock file beside the database (holding the owner's pid) refuses a second daemon. A lock left
 * by a process that no longer runs is taken over. The `burnwatch silence` command does not take it.
 * Returns the release function.
 */
export function acquireWriterLock(dbPath: string, pid: number, isAlive: (pid: number) => boolean): () => void {
  if (dbPath === ':memory:') return () => undefined;
  const lockPath = `${dbPath}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockPath, `${pid}\n`, { flag: 'wx' });
      return () => {
        try {
          if (readFileSync(lockPath, 'utf8').trim() === String(pid)) unlinkSync(lockPath);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`cannot create the lock file ${lockPath}: ${(err as Error).message}`, { cause: err });
      const owner = Number(readFileSync(lockPath, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== pid && isAlive(owner)) {
        throw new Error(`another burnwatch (pid ${owner}) is using the database ${dbPath} (lock file ${lockPath})`);
      }
      unlinkSync(lockPath); // stale: its process is gone
    }
  }
  throw new Error(`cannot take the lock file ${lockPath}`);
}
