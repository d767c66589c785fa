import type { StorageFault } from '../db.js';
import { StoreError } from '../db.js';

/**
 * PostgreSQL failures as storage faults (the same classes as SQLite's, so the daemon's storage health, its
 * metrics and its messages treat both alike), by SQLSTATE, or by the socket error when the server cannot be
 * reached. The message names the database (its URL without password) and the hint says what to do.
 */

const HINTS: Readonly<Record<StorageFault, string>> = {
  corrupt: 'PostgreSQL reports corrupt data: restore the database from a backup (the ledger can be rebuilt from Prometheus)',
  full: 'the database server is out of disk space: grow its volume; meanwhile burnwatch sends no notification it could not record, and retries',
  read_only: 'the database is read-only for burnwatch (a standby, or missing privileges): point database.url at the primary and grant burnwatch\'s user the right to write its tables',
  locked: 'a statement waited too long for a lock or was cancelled: another session holds burnwatch\'s rows; it is retried',
  io: 'the database server cannot be reached: check that it is up and that database.url, its password and the network allow the connection',
  moved: 'the database was replaced while burnwatch was running: restart burnwatch',
  schema: 'the database holds tables of another burnwatch version: run a newer burnwatch, or give it a database of its own',
  other: 'the burnwatch log has the details; report it if it persists',
};

const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

function faultOf(err: Error & { code?: unknown }): StorageFault {
  const code = typeof err.code === 'string' ? err.code : '';
  if (SOCKET_CODES.has(code) || /^08/.test(code) || /^57P0[1-3]$/.test(code)) return 'io';
  // The client's own words when the server goes away or a connection cannot be had in time.
  if (code === '' && /connection terminated|timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error/i.test(err.message)) return 'io';
  if (code === '53100') return 'full';
  if (code === '25006' || code === '42501') return 'read_only';
  if (code === '55P03' || code === '40P01' || code === '57014') return 'locked';
  if (code === 'XX001' || code === 'XX002') return 'corrupt';
  if (code === '42P01' || code === '42703') return 'schema';
  return 'other';
}

/** A StoreError for a failed PostgreSQL operation (`what`: what was being done), or the error itself if it is one. */
export function pgFault(err: unknown, location: string, what: string): StoreError {
  if (err instanceof StoreError) return err;
  const e: Error & { code?: unknown } = err instanceof Error ? err : new Error(String(err));
  const fault = faultOf(e);
  const code = typeof e.code === 'string' ? `${e.code}: ` : '';
  return new StoreError(fault, location, `${what} on the database ${location} failed (${code}${e.message})`, HINTS[fault], { cause: err });
}

export function pgStoreError(fault: StorageFault, location: string, message: string): StoreError {
  return new StoreError(fault, location, message, HINTS[fault]);
}
