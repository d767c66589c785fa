import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Point } from '../source.js';
import { halveRangeChunk, halveRawRange, mergeSeries, planRangeChunks, planRawChunks, pointCount, sortAndDedupe } from './chunks.js';

/** Every evaluation timestamp of a range query, counted the way Prometheus steps: start, start+step, ... <= end. */
function timestamps(startMs: number, endMs: number, stepMs: number): number[] {
  const out: number[] = [];
  for (let t = startMs; t <= endMs; t += stepMs) out.push(t);
  return out;
}

describe('planRangeChunks', () => {
  it('keeps a range of exactly 11,000 points in one request and splits 11,001', () => {
    expect(planRangeChunks(0, 10_999_000, 1000)).toEqual([{ startMs: 0, endMs: 10_999_000 }]);
    expect(planRangeChunks(0, 11_000_000, 1000)).toEqual([
      { startMs: 0, endMs: 10_999_000 },
      { startMs: 11_000_000, endMs: 11_000_000 },
    ]);
  });

  it('splits 6 h at 1 s (21,601 points) into 11,000 + 10,601', () => {
    const chunks = planRangeChunks(0, 6 * 3_600_000, 1000);
    expect(chunks.map((c) => pointCount(c, 1000))).toEqual([11_000, 10_601]);
  });

  it('gives a single point for start = end', () => {
    expect(planRangeChunks(5000, 5000, 60_000)).toEqual([{ startMs: 5000, endMs: 5000 }]);
  });

  it('evaluates exactly the timestamps of one request, none twice, each chunk within the limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2_000_000_000_000 }),
        fc.integer({ min: 1, max: 600_000 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 600_000 }),
        fc.integer({ min: 1, max: 1200 }),
        (start, step, steps, tail, maxPoints) => {
          const end = start + steps * step + (tail % step);
          const chunks = planRangeChunks(start, end, step, maxPoints);
          const fromChunks = chunks.flatMap((c) => timestamps(c.startMs, c.endMs, step));
          expect(fromChunks).toEqual(timestamps(start, end, step));
          for (const c of chunks) expect(pointCount(c, step)).toBeLessThanOrEqual(maxPoints);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects a step that is not positive and an end before start', () => {
    expect(() => planRangeChunks(0, 10, 0)).toThrow(RangeError);
    expect(() => planRangeChunks(10, 0, 1)).toThrow(RangeError);
  });
});

describe('planRawChunks', () => {
  it('covers (start, end] with adjacent left-open ranges of at most the chunk length', () => {
    expect(planRawChunks(0, 13 * 3_600_000, 6 * 3_600_000)).toEqual([
      { startMs: 0, endMs: 6 * 3_600_000 },
      { startMs: 6 * 3_600_000, endMs: 12 * 3_600_000 },
      { startMs: 12 * 3_600_000, endMs: 13 * 3_600_000 },
    ]);
    expect(planRawChunks(100, 100)).toEqual([]);
  });

  it('puts every millisecond of (start, end] in exactly one chunk', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 100, max: 30_000 }), (start, length, chunk) => {
        const chunks = planRawChunks(start, start + length, chunk);
        const covered = chunks.reduce((sum, c) => sum + (c.endMs - c.startMs), 0);
        expect(covered).toBe(length);
        chunks.forEach((c, i) => {
          expect(c.endMs - c.startMs).toBeLessThanOrEqual(chunk);
          expect(c.startMs).toBe(i === 0 ? start : chunks[i - 1]?.endMs);
        });
      }),
      { numRuns: 200 },
    );
  });
});

describe('mergeSeries', () => {
  it('joins series by label set regardless of label order, dedupes boundary points, keeps first-seen order', () => {
    const merged = mergeSeries([
      [
        { labels: { job: 'a', code: '200' }, points: [[1, 10], [2, 20]] },
        { labels: { job: 'b' }, points: [[1, 1]] },
      ],
      [
        { labels: { code: '200', job: 'a' }, points: [[2, 20], [3, 30]] },
        { labels: { job: 'c' }, points: [[3, 3]] },
      ],
    ]);
    expect(merged).toEqual([
      { labels: { job: 'a', code: '200' }, points: [[1, 10], [2, 20], [3, 30]] },
      { labels: { job: 'b' }, points: [[1, 1]] },
      { labels: { job: 'c' }, points: [[3, 3]] },
    ]);
  });

  it('sorts out-of-order points; for a repeated timestamp the later answer wins', () => {
    const points: Point[] = [[3, 3], [1, 1], [2, 2], [1, 9]];
    expect(sortAndDedupe(points)).toEqual([[1, 9], [2, 2], [3, 3]]);
  });
});

describe('halving a request whose answer is too large', () => {
  it('halves a raw range on a whole second and stops at a minute', () => {
    expect(halveRawRange({ startMs: 0, endMs: 40 * 60_000 })).toEqual([{ startMs: 0, endMs: 20 * 60_000 }, { startMs: 20 * 60_000, endMs: 40 * 60_000 }]);
    expect(halveRawRange({ startMs: 500, endMs: 500 + 61_000 })).toEqual([{ startMs: 500, endMs: 30_500 }, { startMs: 30_500, endMs: 61_500 }]);
    expect(halveRawRange({ startMs: 0, endMs: 60_000 })).toBeUndefined();
  });

  it('halves a range-query chunk on its step grid, losing and repeating no timestamp', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 10_000 }), (start, points, step) => {
      const range = { startMs: start, endMs: start + (points - 1) * step + (points > 1 ? step - 1 : 0) };
      const halves = halveRangeChunk(range, step);
      if (pointCount(range, step) < 2) return halves === undefined;
      const [a, b] = halves ?? [range, range];
      const joined = [...timestamps(a.startMs, a.endMs, step), ...timestamps(b.startMs, b.endMs, step)];
      return JSON.stringify(joined) === JSON.stringify(timestamps(range.startMs, range.endMs, step))
        && pointCount(a, step) - pointCount(b, step) <= 1 && pointCount(b, step) >= 1;
    }));
  });
});
