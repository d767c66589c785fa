import { describe, expect, it } from 'vitest';
import { sloModel } from '../../../test/support/slo-model.js';
import type { CumulativeRow } from '../../store/ledger.js';
import { PREFETCHED, SeriesCache } from './series-cache.js';
import type { SeriesQuery } from './series-cache.js';

/** The cache must never answer with figures computed from other inputs: each case changes one input. */

const slo = sloModel();
const query: SeriesQuery = { slo, labelsKey: '{}', fromMs: 0, toMs: 3_600_000, stepMs: 300_000 };
const row = (slotMs: number, bad: number, total = 100): CumulativeRow => ({ slotMs, sum: { bad, total, sliceBad: 0, slices: 0, dataSlots: 10 } });
const rows: CumulativeRow[] = [row(0, 0, 0), row(1_800_000, 5), row(3_600_000, 9, 200)];

/** A cache and a compute function that counts its calls and answers with its call number. */
function counted(limits?: { entries: number; chars: number }): { cache: SeriesCache; ask: (q: SeriesQuery, r: readonly CumulativeRow[]) => string; calls: () => number } {
  const cache = new SeriesCache(limits);
  let calls = 0;
  return {
    cache,
    ask: (q, r) => cache.answer(q, r, () => `answer ${++calls}`),
    calls: () => calls,
  };
}

describe('series cache', () => {
  it('answers the same inputs with the answer computed first', () => {
    const c = counted();
    expect(c.ask(query, rows)).toBe('answer 1');
    expect(c.ask({ ...query }, rows.map((r) => ({ ...r, sum: { ...r.sum } })))).toBe('answer 1');
    expect(c.calls()).toBe(1);
  });

  it.each<[string, SeriesQuery, CumulativeRow[]]>([
    ['a new ledger row', query, [...rows, row(3_630_000, 9, 201)]],
    ['one figure of one row', query, [rows[0] as CumulativeRow, row(1_800_000, 6), rows[2] as CumulativeRow]],
    ['the dataSlots of a row', query, [rows[0] as CumulativeRow, { slotMs: 1_800_000, sum: { ...(rows[1] as CumulativeRow).sum, dataSlots: 9 } }, rows[2] as CumulativeRow]],
    ['a row rolled up (fewer rows, same ends)', query, [rows[0] as CumulativeRow, rows[2] as CumulativeRow]],
    ['another instance', { ...query, labelsKey: '{"route":"/cart"}' }, rows],
    ['another start', { ...query, fromMs: 300_000 }, rows],
    ['another end', { ...query, toMs: 3_300_000 }, rows],
    ['another step', { ...query, stepMs: 600_000 }, rows],
    ['a reloaded SLO with another objective', { ...query, slo: sloModel({ objective: 99.5 }) }, rows],
  ])('computes again for %s', (_what, q, r) => {
    const c = counted();
    c.ask(query, rows);
    expect(c.ask(q, r)).toBe('answer 2');
  });

  it('keeps the answer of a reloaded SLO whose definition did not change, wherever it is written now', () => {
    const c = counted();
    c.ask(query, rows);
    expect(c.ask({ ...query, slo: sloModel() }, rows)).toBe('answer 1');
    expect(c.ask({ ...query, slo: sloModel({ source: { file: 'slos/moved.yaml', document: 2, line: 40, format: 'burnwatch/v1' } }) }, rows)).toBe('answer 1');
  });

  it('keeps at most `entries` answers, dropping the least recently used', () => {
    const c = counted({ entries: 2, chars: 1_000 });
    const at = (fromMs: number): SeriesQuery => ({ ...query, fromMs });
    c.ask(at(1), rows); // answer 1
    c.ask(at(2), rows); // answer 2
    c.ask(at(1), rows); // kept: 1 is now the most recently used
    c.ask(at(3), rows); // answer 3 drops 2
    expect(c.cache.size).toBe(2);
    expect(c.ask(at(1), rows)).toBe('answer 1');
    expect(c.ask(at(2), rows)).toBe('answer 4');
  });

  it('keeps at most `chars` characters of answers', () => {
    const c = counted({ entries: 10, chars: 20 });
    c.ask({ ...query, fromMs: 1 }, rows); // 'answer 1': 8 characters
    c.ask({ ...query, fromMs: 2 }, rows); // 16
    c.ask({ ...query, fromMs: 3 }, rows); // 24 > 20: the first goes
    expect(c.cache.size).toBe(2);
    expect(c.ask({ ...query, fromMs: 1 }, rows)).toBe('answer 4');
  });

  it('gives a prefetched answer to the next request of the same inputs, once, even when it keeps nothing', () => {
    const c = counted({ entries: 0, chars: 0 });
    c.cache.prefetch(query, rows, () => 'prefetched');
    expect(c.ask({ ...query }, rows.map((r) => ({ ...r, sum: { ...r.sum } })))).toBe('prefetched');
    expect(c.ask(query, rows)).toBe('answer 1');
    expect(c.calls()).toBe(1);
  });

  it.each<[string, SeriesQuery, CumulativeRow[]]>([
    ['a new ledger row', query, [...rows, row(3_630_000, 9, 201)]],
    ['one figure of one row', query, [rows[0] as CumulativeRow, row(1_800_000, 6), rows[2] as CumulativeRow]],
    ['another instance', { ...query, labelsKey: '{"route":"/cart"}' }, rows],
    ['another end', { ...query, toMs: 3_300_000 }, rows],
    ['a reloaded SLO with another objective', { ...query, slo: sloModel({ objective: 99.5 }) }, rows],
  ])('does not give a prefetched answer for %s', (_what, q, r) => {
    const c = counted({ entries: 0, chars: 0 });
    c.cache.prefetch(query, rows, () => 'prefetched');
    expect(c.ask(q, r)).toBe('answer 1');
  });

  it('keeps a prefetched answer like one it computed, and prefetches nothing it keeps already', () => {
    const c = counted();
    c.cache.prefetch(query, rows, () => 'prefetched');
    expect(c.ask(query, rows)).toBe('prefetched');
    expect(c.ask(query, rows)).toBe('prefetched');
    let computed = 0;
    c.cache.prefetch(query, rows, () => `again ${++computed}`);
    expect(computed).toBe(0);
  });

  it(`lets at most ${PREFETCHED} prefetched answers wait, dropping the oldest`, () => {
    const c = counted({ entries: 0, chars: 0 });
    for (let i = 0; i <= PREFETCHED; i++) c.cache.prefetch({ ...query, fromMs: i }, rows, () => `prefetched ${i}`);
    expect(c.ask({ ...query, fromMs: 0 }, rows)).toBe('answer 1');
    expect(c.ask({ ...query, fromMs: 1 }, rows)).toBe('prefetched 1');
    expect(c.ask({ ...query, fromMs: PREFETCHED }, rows)).toBe(`prefetched ${PREFETCHED}`);
  });

  it('keeps nothing with entries 0', () => {
    const c = counted({ entries: 0, chars: 1_000 });
    c.ask(query, rows);
    expect(c.ask(query, rows)).toBe('answer 2');
    expect(c.cache.size).toBe(0);
  });
});
