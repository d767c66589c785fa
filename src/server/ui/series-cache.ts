import { createHash } from 'node:crypto';
import type { Slo } from '../../slo/model.js';
import type { CumulativeRow } from '../../store/ledger.js';
import { sloDigest } from './slo-digest.js';

/**
 * Answers of the series endpoint, kept by everything they are computed from: the SLO's definition, the
 * instance, the points asked for, and the ledger rows read for them (a digest of every row, so a new row, a
 * rollup or a rebuilt ledger is a new answer). A page that refreshes, and everyone else looking at the same
 * SLO, get the answer computed once: a 30-day series changes only when a new point is due or the rows move.
 *
 * Bounded by entries and bytes; the least recently used go first.
 */

export interface SeriesCacheLimits {
  /** Answers kept (0: none, every request computes). */
  readonly entries: number;
  /** Characters of all answers kept together (a 30-day series is about 0.5 MB). */
  readonly chars: number;
}

export const DEFAULT_SERIES_CACHE: SeriesCacheLimits = { entries: 64, chars: 32_000_000 };

/** What a series answer is computed from, besides its ledger rows. */
export interface SeriesQuery {
  readonly slo: Slo;
  readonly labelsKey: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly stepMs: number;
}

interface Entry {
  readonly rows: string;
  readonly text: string;
}

export class SeriesCache {
  private readonly entries = new Map<string, Entry>();
  private chars = 0;

  constructor(private readonly limits: SeriesCacheLimits = DEFAULT_SERIES_CACHE) {}

  /** The answer to `query` over `rows`: the one kept, or `compute()`'s, which is then kept. */
  answer(query: SeriesQuery, rows: readonly CumulativeRow[], compute: () => string): string {
    if (this.limits.entries <= 0) return compute();
    const key = JSON.stringify([sloDigest(query.slo), query.labelsKey, query.fromMs, query.toMs, query.stepMs]);
    const digest = rowsDigest(rows);
    const kept = this.entries.get(key);
    if (kept !== undefined) {
      this.remove(key, kept);
      if (kept.rows === digest) {
        this.entries.set(key, kept);
        this.chars += kept.text.length;
        return kept.text;
      }
    }
    const text = compute();
    if (text.length <= this.limits.chars) {
      this.entries.set(key, { rows: digest, text });
      this.chars += text.length;
      for (const [k, e] of this.entries) {
        if (this.entries.size <= this.limits.entries && this.chars <= this.limits.chars) break;
        this.remove(k, e);
      }
    }
    return text;
  }

  /** Answers kept now (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.chars -= entry.text.length;
  }
}

/** A digest of every field of every row, in order. */
function rowsDigest(rows: readonly CumulativeRow[]): string {
  const columns = new Float64Array(rows.length * 6);
  rows.forEach((r, i) => {
    columns.set([r.slotMs, r.sum.bad, r.sum.total, r.sum.sliceBad, r.sum.slices, r.sum.dataSlots], i * 6);
  });
  return createHash('sha256').update(columns).digest('base64');
}
