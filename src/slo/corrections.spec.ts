import { describe, expect, it } from 'vitest';
import { sloModel } from '../../test/support/slo-model.js';
import { correctedRanges, correctionAt, correctionsBetween } from './corrections.js';
import { HOUR, MINUTE, WEEK } from './duration.js';
import type { SumReader, WindowSum } from './evaluate.js';
import { evaluateInstance, readSums, withoutRanges } from './evaluate.js';
import type { BudgetCorrection, Slo, Tier } from './model.js';

/**
 * Budget corrections over hand-made data: every expected figure is worked out in the comment beside it from
 * the events given, not from burnwatch.
 */

const T = Date.parse('2026-11-22T00:00:00Z');
const at = (h: number, m = 0): number => T + h * HOUR + m * MINUTE;

function correction(name: string, start: number, durationMs: number, everyMs?: number): BudgetCorrection {
  return { name, startMs: start, durationMs, ...(everyMs === undefined ? {} : { everyMs }), reason: `${name} reason`, source: { file: 'slos/corrections.yaml', line: 3 } };
}

const PAGE: Tier = { name: 'page-1h-5m', severity: 'page', longMs: HOUR, shortMs: 5 * MINUTE, factor: 14.4, forMs: 0 };

function slo(corrections: readonly BudgetCorrection[]): Slo {
  // Objective 99 %: the budget is 0.01 of the events. A 1-day period.
  return { ...sloModel({ objective: 99, period: { kind: 'rolling', durationMs: 24 * HOUR } }, { tiers: [PAGE] }), corrections };
}

/**
 * A ledger of one-minute slots: each slot (end - 1m, end] holds `good` good and `bad` bad events. `since(a)`
 * is the events of the slots whose end falls in (a, atMs], as the ledger's cumulative rows give them.
 */
function minuteLedger(events: (slotEndMs: number) => { bad: number; total: number }, atMs: number): SumReader {
  const since = (startMs: number): WindowSum => {
    let bad = 0;
    let total = 0;
    let dataSlots = 0;
    for (let end = Math.floor(startMs / MINUTE) * MINUTE + MINUTE; end <= atMs; end += MINUTE) {
      const e = events(end);
      bad += e.bad;
      total += e.total;
      dataSlots++;
    }
    return { bad, total, sliceBad: 0, slices: 0, dataSlots };
  };
  return { since, window: (ms) => since(atMs - ms) };
}

describe('correctedRanges', () => {
  it('cuts occurrences to the range, merges the overlapping and touching ones, earliest first', () => {
    const s = slo([
      correction('a', at(2), 20 * MINUTE),
      correction('b', at(2, 10), 30 * MINUTE), // overlaps a: together 02:00-02:40
      correction('c', at(2, 40), 5 * MINUTE), // touches the end of b: 02:00-02:45
      correction('d', at(5), HOUR),
      correction('e', at(9), HOUR), // after the range
    ]);
    expect(correctedRanges(s, at(1), at(5, 30))).toEqual([
      { startMs: at(2), endMs: at(2, 45) },
      { startMs: at(5), endMs: at(5, 30) },
    ]);
    expect(correctedRanges(s, at(2, 5), at(2, 20))).toEqual([{ startMs: at(2, 5), endMs: at(2, 20) }]);
    expect(correctedRanges(s, at(6), at(9))).toEqual([]); // d ends at 06:00: nothing of it is in (06:00, 09:00]
  });

  it('repeats a recurring correction from its start onwards, every occurrence in the range', () => {
    const weekly = slo([correction('weekly', at(2), 2 * HOUR, WEEK)]);
    expect(correctedRanges(weekly, at(0) - WEEK, at(0) + 3 * WEEK)).toEqual([0, 1, 2].map((k) => ({ startMs: at(2) + k * WEEK, endMs: at(4) + k * WEEK })));
    expect(correctedRanges(weekly, at(3) + WEEK, at(3) + 2 * WEEK)).toEqual([
      { startMs: at(3) + WEEK, endMs: at(4) + WEEK },
      { startMs: at(2) + 2 * WEEK, endMs: at(3) + 2 * WEEK },
    ]);
  });

  it('has nothing to take out of an SLO without corrections', () => {
    expect(correctedRanges(sloModel(), at(0), at(24))).toEqual([]);
  });
});

describe('correctionAt', () => {
  it.each([
    ['01:59', at(1, 59), undefined],
    ['02:00', at(2), 'dns'], // an occurrence [start, end) holds its start
    ['02:19', at(2, 19), 'dns'],
    ['02:20', at(2, 20), undefined],
    ['02:01 a week later', at(2) + WEEK + MINUTE, undefined], // not recurring
  ])('at %s the correction covering it is %s', (_name, t, name) => {
    expect(correctionAt(slo([correction('dns', at(2), 20 * MINUTE)]), t)?.name).toBe(name);
  });

  it('covers every occurrence of a recurring one', () => {
    expect(correctionAt(slo([correction('weekly', at(2), 2 * HOUR, WEEK)]), at(3) + 2 * WEEK)?.name).toBe('weekly');
  });
});

describe('correctionsBetween', () => {
  it('lists each occurrence with its correction, cut to the range', () => {
    const dns = correction('dns', at(2), 20 * MINUTE);
    const weekly = correction('weekly', at(1), HOUR, WEEK);
    expect(correctionsBetween(slo([dns, weekly]), at(1, 30), at(1, 30) + WEEK)).toEqual([
      { correction: weekly, startMs: at(1, 30), endMs: at(2) },
      { correction: dns, startMs: at(2), endMs: at(2, 20) },
      { correction: weekly, startMs: at(1) + WEEK, endMs: at(1, 30) + WEEK },
    ]);
  });
});

describe('the budget without corrected events', () => {
  // 100 events a minute, 0.1 % of them bad, but all 100 bad from 02:00 to 02:20 (slots ending 02:01 .. 02:20).
  const outage = (end: number): { bad: number; total: number } => ({ bad: end > at(2) && end <= at(2, 20) ? 100 : 0.1, total: 100 });
  const AT = at(12);
  // The 1-day period at 12:00 is (yesterday 12:00, 12:00]: 1,440 minutes, 144,000 events; bad: 20 x 100 +
  // 1,420 x 0.1 = 2,142. Without the outage: 1,420 minutes, 142,000 events, 142 bad.

  it('leaves the outage in without a correction: 2,142 / 144,000 = 0.014875, 1.4875 budgets spent', () => {
    const obs = evaluateInstance(slo([]), readSums(slo([]), AT, minuteLedger(outage, AT)), AT);
    expect(obs.budget.consumed).toBeCloseTo(1.4875, 9);
  });

  it('takes the corrected slots out of both bad and total: 142 / 142,000 = 0.001, a tenth of the budget spent', () => {
    const s = slo([correction('dns', at(2), 20 * MINUTE)]);
    const obs = evaluateInstance(s, readSums(s, AT, minuteLedger(outage, AT)), AT);
    expect(obs.budget.consumed).toBeCloseTo(0.1, 9);
    expect(obs.budget.remaining).toBeCloseTo(0.9, 9);
  });

  it('counts overlapping corrections once: three corrections over the outage leave the same 142 of 142,000', () => {
    const s = slo([correction('dns', at(2), 20 * MINUTE), correction('dns-again', at(2, 10), 10 * MINUTE), correction('dns-whole', at(2), 20 * MINUTE)]);
    expect(evaluateInstance(s, readSums(s, AT, minuteLedger(outage, AT)), AT).budget.consumed).toBeCloseTo(0.1, 9);
  });

  it('takes the corrected slots out of the burn-rate windows too, and so out of the burn time to exhaustion assumes', () => {
    // At 02:30 the 1-hour window (01:30, 02:30] holds 6,000 events, 2,000 + 40 x 0.1 = 2,004 bad: burn rate
    // 2,004 / 6,000 / 0.01 = 33.4 uncorrected. Corrected it holds 40 x 100 = 4,000 events, 4 bad: burn rate 0.1.
    // The 5-minute window (02:25, 02:30] is outside the correction: 0.5 bad of 500, burn rate 0.1 either way.
    const s = slo([correction('dns', at(2), 20 * MINUTE)]);
    const t = at(2, 30);
    const plain = evaluateInstance(slo([]), readSums(slo([]), t, minuteLedger(outage, t)), t);
    expect(plain.tiers[0]?.longBurnRate).toBeCloseTo(33.4, 9);
    const obs = evaluateInstance(s, readSums(s, t, minuteLedger(outage, t)), t);
    expect(obs.tiers[0]?.longBurnRate).toBeCloseTo(0.1, 9);
    expect(obs.tiers[0]?.shortBurnRate).toBeCloseTo(0.1, 9);
    expect(obs.tiers[0]?.longEvents).toBe(4000);
    expect(obs.currentBurnRate).toBeCloseTo(0.1, 9);
    // Budget: (yesterday 02:30, 02:30], 1,420 minutes not corrected: 142,000 events, 142 bad: 0.1 spent, 0.9 left.
    // At a burn of 0.1 the 0.9 left lasts 0.9 x 24 h / 0.1 = 216 h.
    expect(obs.budget.remaining).toBeCloseTo(0.9, 9);
    expect(obs.budget.timeToExhaustionMs).toBeCloseTo(216 * HOUR, 0);
  });

  it('does not make a corrected window "without data": its slots had data', () => {
    const s = slo([correction('all-day', at(0), 24 * HOUR)]);
    const t = at(2, 30);
    const obs = evaluateInstance(s, readSums(s, t, minuteLedger(outage, t)), t);
    expect(obs.unknown).toBe(false);
    expect(obs.tiers[0]?.longEvents).toBe(0);
  });

  it('takes out a recurring correction in every period it falls in', () => {
    // Bad 02:00-02:20 every day; corrected every day. At noon on day 3 the 1-day period (day 2 12:00, day 3 12:00]
    // holds one occurrence (day 3 02:00-02:20): 1,420 minutes, 142,000 events, 142 bad: 0.001, 0.1 spent.
    const daily = (end: number): { bad: number; total: number } => {
      const inDay = ((end - T) % (24 * HOUR) + 24 * HOUR) % (24 * HOUR);
      return { bad: inDay > 2 * HOUR && inDay <= 2 * HOUR + 20 * MINUTE ? 100 : 0.1, total: 100 };
    };
    const t = at(12) + 2 * 24 * HOUR;
    const s = slo([correction('nightly', at(2), 20 * MINUTE, 24 * HOUR)]);
    expect(evaluateInstance(s, readSums(s, t, minuteLedger(daily, t)), t).budget.consumed).toBeCloseTo(0.1, 9);
    // Without it: 142 + 2,000 = 2,142 bad of 144,000: 1.4875 spent.
    expect(evaluateInstance(slo([]), readSums(slo([]), t, minuteLedger(daily, t)), t).budget.consumed).toBeCloseTo(1.4875, 9);
  });

  it('never takes out more than there is, and keeps the slots with data', () => {
    const sum = { bad: 5, total: 50, sliceBad: 1, slices: 2, dataSlots: 7 };
    const between = (): WindowSum => ({ bad: 9, total: 90, sliceBad: 3, slices: 4, dataSlots: 3 });
    expect(withoutRanges(sum, [{ startMs: 0, endMs: 10 }], between)).toEqual({ bad: 0, total: 0, sliceBad: 0, slices: 0, dataSlots: 7 });
    expect(withoutRanges(sum, [{ startMs: 10, endMs: 10 }], between)).toEqual(sum);
  });
});
