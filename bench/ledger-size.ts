import { statSync } from 'node:fs';
import type { Db } from '../src/store/db.js';
import { FINE_RETENTION_MS, MEDIUM_RETENTION_MS, MEDIUM_STEP_MS, COARSE_STEP_MS } from '../src/store/ledger.js';

/** Size of the SQLite ledger, measured after a WAL checkpoint (so the main file holds everything). */
export interface LedgerSize {
  readonly slos: number;
  readonly instances: number;
  readonly rows: number;
  readonly pageSize: number;
  readonly pageCount: number;
  readonly freePages: number;
  /** Pages in use x page size: what the data takes (deleted rows' pages are on the free list until VACUUM). */
  readonly usedBytes: number;
  /** Size of the database file on disk (after the checkpoint; includes free pages). */
  readonly fileBytes: number;
  readonly usedBytesPerInstance: number;
  readonly rowsPerInstance: number;
  /** Used bytes per ledger row, all overheads (B-tree, instances, cursors, alert tables) included. */
  readonly bytesPerRow: number;
}

export function measureLedger(db: Db, file: string): LedgerSize {
  db.pragma('wal_checkpoint(TRUNCATE)');
  const one = (sql: string): number => Number((db.prepare(sql).pluck().get() as number | bigint | undefined) ?? 0);
  const pageSize = Number(db.pragma('page_size', { simple: true }));
  const pageCount = Number(db.pragma('page_count', { simple: true }));
  const freePages = Number(db.pragma('freelist_count', { simple: true }));
  const slos = one('SELECT COUNT(*) FROM slo_cursors');
  const instances = one('SELECT COUNT(*) FROM slo_instances');
  const rows = one('SELECT COUNT(*) FROM ledger');
  const usedBytes = (pageCount - freePages) * pageSize;
  return {
    slos,
    instances,
    rows,
    pageSize,
    pageCount,
    freePages,
    usedBytes,
    fileBytes: statSync(file).size,
    usedBytesPerInstance: instances === 0 ? 0 : usedBytes / instances,
    rowsPerInstance: instances === 0 ? 0 : rows / instances,
    bytesPerRow: rows === 0 ? 0 : usedBytes / rows,
  };
}

/**
 * Ledger rows an instance keeps in the steady state (Ledger.rollup): every slot for the fine retention (7 h),
 * 5-minute boundaries to the medium retention (73 h), hourly boundaries for the rest of the retention, which
 * the engine sets to the SLO's period + its longest window + 1 day, plus the base row before the cut-off.
 */
export function steadyStateRows(slotMs: number, retentionMs: number): { fine: number; medium: number; coarse: number; total: number } {
  const fine = FINE_RETENTION_MS / slotMs;
  const medium = (MEDIUM_RETENTION_MS - FINE_RETENTION_MS) / MEDIUM_STEP_MS;
  const coarse = Math.max(0, (retentionMs - MEDIUM_RETENTION_MS) / COARSE_STEP_MS);
  return { fine, medium, coarse, total: fine + medium + coarse + 1 };
}
