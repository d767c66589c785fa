import type { DbFile, StorageFault, StoreError } from '../store/db.js';
import { storageFault } from '../store/db.js';
import { UnavailableError } from '../server/view.js';
import type { Logger } from '../logger.js';

export interface StorageHealthDeps {
  /** Where the data is, as logs and messages show it: the SQLite file's path, or the PostgreSQL URL without its password. */
  readonly dbPath: string;
  /** The SQLite file opened (checked for being deleted or replaced); none for PostgreSQL. */
  readonly dbFile?: DbFile;
  readonly logger: Logger;
  /** Counts a failed database operation (burnwatch_storage_errors_total). */
  readonly onFault?: (fault: StorageFault) => void;
}

/**
 * What the daemon knows about its database: the last storage failure until an operation works again (for
 * readiness and the logs), and whether the file was deleted or replaced under it, which stops the daemon.
 * Every part of the daemon (cycle, reload, outbox, API) reports its failures here.
 */
export class StorageHealth {
  /** The last storage failure, until a cycle runs without one (readiness, logs). */
  private problem: StoreError | undefined;
  /** The database cannot be used any more (its file was deleted or replaced): the daemon must stop. */
  private fatalError: StoreError | undefined;
  private signalFailed: (err: StoreError) => void = () => undefined;
  /**
   * Settles when the daemon cannot go on and must be stopped with a failure: its database file was deleted or
   * replaced (a restart opens the file now at the path). Never settles otherwise.
   */
  readonly failed: Promise<StoreError> = new Promise((resolveFailed) => {
    this.signalFailed = resolveFailed;
  });

  constructor(private readonly deps: StorageHealthDeps) {}

  get dbPath(): string {
    return this.deps.dbPath;
  }

  /** The failure that stops the daemon, if any. */
  get fatal(): StoreError | undefined {
    return this.fatalError;
  }

  /** What makes the database not ready now: the fatal failure, or the last one. */
  get current(): StoreError | undefined {
    return this.fatalError ?? this.problem;
  }

  /** A `moved` error when the path no longer names the opened file (SQLite would write on into it, and lose it). */
  checkFile(): StoreError | undefined {
    return this.deps.dbFile?.check();
  }

  /**
   * Reports a storage failure (counted by fault, logged with the file and what to do, once per change of
   * fault) and keeps it for readiness; a deleted or replaced file also stops the daemon (`failed`). Returns
   * the fault, or undefined when the error is not a storage error.
   */
  report(err: unknown, during: string): StoreError | undefined {
    const fault = storageFault(err, this.deps.dbPath);
    if (fault === undefined) return undefined;
    this.deps.onFault?.(fault.fault);
    const log = this.deps.logger.child({ component: 'store' });
    const fields = { database: this.deps.dbPath, fault: fault.fault, during, err: fault.message, hint: fault.hint };
    if (fault.fault === 'moved') {
      if (this.fatalError === undefined) {
        this.fatalError = fault;
        log.error(fields, 'the database file was deleted or replaced while running: stopping, so that a restart opens the file now at that path');
        this.signalFailed(fault);
      }
      return fault;
    }
    if (this.problem?.fault !== fault.fault) log.error(fields, 'the database failed: nothing that could not be recorded is sent; trying again every cycle');
    else log.debug(fields, 'the database still fails');
    this.problem = fault;
    return fault;
  }

  /** A cycle wrote without a storage failure. */
  works(): void {
    if (this.problem === undefined || this.fatalError !== undefined) return;
    this.deps.logger.info({ component: 'store', database: this.deps.dbPath, fault: this.problem.fault }, 'the database works again');
    this.problem = undefined;
  }

  /** Runs a database operation for the API: a storage failure is reported and becomes an UnavailableError (503). */
  async guard<T>(during: string, write: boolean, fn: () => Promise<T>): Promise<T> {
    const moved = write ? (this.fatalError ?? this.checkFile()) : undefined;
    try {
      if (moved) throw moved;
      return await fn();
    } catch (err) {
      const fault = this.report(err, during);
      if (fault === undefined) throw err;
      throw new UnavailableError(fault.message, fault.hint, { cause: fault });
    }
  }
}
