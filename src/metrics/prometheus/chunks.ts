import type { Labels, Point, Series } from '../source.js';
import { labelsKey } from '../../slo/labels.js';

/**
 * Splitting long queries into requests the backend accepts, and merging the answers back. Pure.
 *
 * Prometheus rejects a range query when (end - start) / step > 11,000 ("exceeded maximum resolution of
 * 11,000 points per timeseries"), i.e. it allows 11,001 points; we stay at 11,000 to leave a margin.
 */
export const MAX_POINTS_PER_SERIES = 11_000;

/** Default longest range of one raw-samples request. */
export const RAW_CHUNK_MS = 6 * 60 * 60 * 1000;

export interface TimeRange {
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * Sub-ranges of a range query with at most `maxPoints` evaluation steps each. Every chunk starts on the
 * original step grid (start + k * step), so the chunks together evaluate exactly the timestamps one request
 * would, and no timestamp twice.
 */
export function planRangeChunks(startMs: number, endMs: number, stepMs: number, maxPoints = MAX_POINTS_PER_SERIES): TimeRange[] {
  if (!(stepMs > 0) || !Number.isFinite(stepMs)) throw new RangeError(`step must be a positive number of ms, got ${stepMs}`);
  if (!Number.isInteger(maxPoints) || maxPoints < 1) throw new RangeError(`maxPoints must be a positive integer, got ${maxPoints}`);
  if (endMs < startMs) throw new RangeError(`end ${endMs} is before start ${startMs}`);
  const chunks: TimeRange[] = [];
  const span = maxPoints * stepMs;
  for (let chunkStart = startMs; chunkStart <= endMs; chunkStart += span) {
    chunks.push({ startMs: chunkStart, endMs: Math.min(chunkStart + (maxPoints - 1) * stepMs, endMs) });
  }
  return chunks;
}

/** Points of a range query over [start, end] at `step`: floor((end - start) / step) + 1. */
export function pointCount(range: TimeRange, stepMs: number): number {
  return Math.floor((range.endMs - range.startMs) / stepMs) + 1;
}

/**
 * Left-open sub-ranges (start, end] of at most `chunkMs` each, covering (startMs, endMs] without overlap:
 * the ranges raw-sample requests ask for.
 */
export function planRawChunks(startMs: number, endMs: number, chunkMs = RAW_CHUNK_MS): TimeRange[] {
  if (!(chunkMs > 0) || !Number.isFinite(chunkMs)) throw new RangeError(`chunk length must be a positive number of ms, got ${chunkMs}`);
  if (endMs < startMs) throw new RangeError(`end ${endMs} is before start ${startMs}`);
  const chunks: TimeRange[] = [];
  for (let from = startMs; from < endMs; from += chunkMs) {
    chunks.push({ startMs: from, endMs: Math.min(from + chunkMs, endMs) });
  }
  return chunks;
}

/** A raw-samples range this long or shorter is not split when its answer is too large. */
export const MIN_RAW_SPLIT_MS = 60_000;

/**
 * The two halves of a raw-samples range (start, end], split on a whole second, for an answer that was too
 * large; undefined when the range is `minMs` or shorter (splitting time no longer helps: too many series).
 */
export function halveRawRange(range: TimeRange, minMs = MIN_RAW_SPLIT_MS): [TimeRange, TimeRange] | undefined {
  const length = range.endMs - range.startMs;
  if (length <= minMs) return undefined;
  const mid = range.startMs + Math.max(1000, Math.floor(length / 2000) * 1000);
  if (mid >= range.endMs) return undefined;
  return [{ startMs: range.startMs, endMs: mid }, { startMs: mid, endMs: range.endMs }];
}

/**
 * The two halves of a range-query chunk [start, end] on its step grid (the first half gets the odd point),
 * for an answer that was too large; undefined for a single point.
 */
export function halveRangeChunk(range: TimeRange, stepMs: number): [TimeRange, TimeRange] | undefined {
  const points = pointCount(range, stepMs);
  if (points < 2) return undefined;
  const first = Math.ceil(points / 2);
  return [
    { startMs: range.startMs, endMs: range.startMs + (first - 1) * stepMs },
    { startMs: range.startMs + first * stepMs, endMs: range.endMs },
  ];
}

/**
 * Merges series from several answers by label set: points in ascending time order, one point per
 * timestamp (a later answer wins, which only matters if a backend answered the same timestamp twice).
 * Series keep the order in which they first appear.
 */
export function mergeSeries(parts: readonly (readonly Series[])[]): Series[] {
  const byKey = new Map<string, { labels: Labels; points: Point[] }>();
  for (const part of parts) {
    for (const series of part) {
      const key = labelsKey(series.labels);
      const entry = byKey.get(key);
      if (entry === undefined) byKey.set(key, { labels: series.labels, points: [...series.points] });
      else entry.points.push(...series.points);
    }
  }
  return [...byKey.values()].map(({ labels, points }) => ({ labels, points: sortAndDedupe(points) }));
}

/** Ascending by time; of points with the same time the last one is kept. */
export function sortAndDedupe(points: Point[]): Point[] {
  let sorted = true;
  for (let i = 1; i < points.length; i++) {
    if ((points[i]?.[0] ?? 0) <= (points[i - 1]?.[0] ?? 0)) {
      sorted = false;
      break;
    }
  }
  if (sorted) return points;
  const ordered = points.map((p, i) => ({ p, i })).sort((a, b) => a.p[0] - b.p[0] || a.i - b.i);
  const out: Point[] = [];
  for (const { p } of ordered) {
    const last = out[out.length - 1];
    if (last !== undefined && last[0] === p[0]) out[out.length - 1] = p;
    else out.push(p);
  }
  return out;
}
