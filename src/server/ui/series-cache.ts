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
 *
 * An SLO page asks for its series a moment after the page itself is served (its head names the URL): the
 * page's route calls `prefetch` once the page is sent, so that the series is computed while the browser reads
 * the page, not after it asks. A prefetched answer waits for one request, whatever the limits (the bench's
 * "computed per view" is still one computation per view), and is given only for the same inputs (the rows are
 * compared again). At most PREFETCHED answers wait; the oldest go first.
 */

export interface SeriesCacheLimits {
  /** Answers kept (0: none, every request computes). */
  readonly entries: number;
  /** Characters of all answers kept together (a 30-day series is about 0.5 MB). */
  readonly chars: number;
}

export const DEFAULT_SERIES_CACHE: SeriesCacheLimits = { entries: 64, chars: 32_000_000 };

/** Prefetched answers waiting for their request (pages opened at once; a 30-day series is about 0.5 MB). */
export const PREFETCHED = 8;

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
  private readonly prefetched = new Map<string, Entry>();

  constructor(private readonly limits: SeriesCacheLimits = DEFAULT_SERIES_CACHE) {}

  /** The answer to `query` over `rows`: the one prefetched or kept, or `compute()`'s, which is then kept. */
  answer(query: SeriesQuery, rows: readonly CumulativeRow[], compute: () => string): string {
    const key = keyOf(query);
    const waiting = this.prefetched.get(key);
    if (this.limits.entries <= 0 && waiting === undefined) return compute();
    const digest = rowsDigest(rows);
    this.prefetched.delete(key);
    if (waiting?.rows === digest) return this.keep(key, waiting);
    const kept = this.entries.get(key);
    if (kept !== undefined) {
      this.remove(key, kept);
      if (kept.rows === digest) {
        this.entries.set(key, kept);
        this.chars += kept.text.length;
        return kept.text;
      }
    }
    return this.keep(key, { rows: digest, text: compute() });
  }

  /** Computes the answer to `query` over `rows` for the next request of it, unless it is kept already. */
  prefetch(query: SeriesQuery, rows: readonly CumulativeRow[], compute: () => string): void {
    const key = keyOf(query);
    const digest = rowsDigest(rows);
    if (this.entries.get(key)?.rows === digest || this.prefetched.get(key)?.rows === digest) return;
    this.prefetched.delete(key);
    this.prefetched.set(key, { rows: digest, text: compute() });
    for (const k of this.prefetched.keys()) {
      if (this.prefetched.size <= PREFETCHED) break;
      this.prefetched.delete(k);
    }
  }

  /** Keeps an answer within the limits (the least recently used go) and returns its text. */
  private keep(key: string, entry: Entry): string {
    const { text } = entry;
    if (this.limits.entries > 0 && text.length <= this.limits.chars) {
      this.entries.set(key, entry);
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

/** What an answer is computed from, besides its rows. */
function keyOf(query: SeriesQuery): string {
  return JSON.stringify([sloDigest(query.slo), query.labelsKey, query.fromMs, query.toMs, query.stepMs]);
}

/** A digest of every field of every row, in order. */
function rowsDigest(rows: readonly CumulativeRow[]): string {
  const columns = new Float64Array(rows.length * 6);
  rows.forEach((r, i) => {
    columns.set([r.slotMs, r.sum.bad, r.sum.total, r.sum.sliceBad, r.sum.slices, r.sum.dataSlots], i * 6);
  });
  return createHash('sha256').update(columns).digest('base64');
}
