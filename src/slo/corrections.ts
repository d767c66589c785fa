import { occurrenceAt, occurrencesOverlapping } from './maintenance.js';
import type { BudgetCorrection, Slo } from './model.js';

/**
 * Budget corrections (`kind: BudgetCorrection`): the events of the ledger slots inside a correction count
 * neither as bad nor as total for the error budget. They are taken out when the sums are read, never written
 * out of the ledger, so a correction added (or removed) later applies to the past as well. Pure.
 *
 * An occurrence [start, end) of a correction takes out the ledger slots whose end falls in (start, end], as
 * maintenance windows do (`slotExcluded`): the sums over (start, end] are the difference of the cumulative
 * sums at its two ends. Occurrences that overlap (of one correction or of several) are taken out once.
 * Every instance of an SLO has the SLO's corrections.
 */

/** A stretch of time (startMs, endMs]: the ledger slots whose end falls in it. */
export interface TimeRange {
  readonly startMs: number;
  readonly endMs: number;
}

/** One occurrence of a correction, cut to the range it was looked up for. */
export interface CorrectionOccurrence extends TimeRange {
  readonly correction: BudgetCorrection;
}

/**
 * Occurrences looked at per correction and lookup. Validation keeps `every` at 1 hour or more, so a year's
 * period holds at most 8,784; this bounds what a correction made in code (not read from a file) can cost.
 */
export const MAX_OCCURRENCES = 10_000;

/** The occurrences of the SLO's corrections that overlap (fromMs, toMs], cut to it, earliest first. */
export function correctionsBetween(slo: Pick<Slo, 'corrections'>, fromMs: number, toMs: number): CorrectionOccurrence[] {
  const out: CorrectionOccurrence[] = [];
  for (const c of slo.corrections ?? []) {
    const { first, last } = occurrencesOverlapping(c, fromMs, toMs);
    for (let k = first; k <= last && k < first + MAX_OCCURRENCES; k++) {
      const startMs = c.startMs + k * (c.everyMs ?? 0);
      out.push({ correction: c, startMs: Math.max(startMs, fromMs), endMs: Math.min(startMs + c.durationMs, toMs) });
    }
  }
  return out.sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs);
}

/**
 * The time the SLO's corrections take out of (fromMs, toMs]: their occurrences cut to it, overlapping and
 * touching ones merged, earliest first. What composite SLOs, reports and the evaluation all call.
 */
export function correctedRanges(slo: Pick<Slo, 'corrections'>, fromMs: number, toMs: number): TimeRange[] {
  const merged: { startMs: number; endMs: number }[] = [];
  for (const o of correctionsBetween(slo, fromMs, toMs)) {
    const last = merged.at(-1);
    if (last !== undefined && o.startMs <= last.endMs) last.endMs = Math.max(last.endMs, o.endMs);
    else merged.push({ startMs: o.startMs, endMs: o.endMs });
  }
  return merged;
}

/** The correction that covers the instant (an occurrence [start, end) holds it), if any: the SLO's alerts hold their state then. */
export function correctionAt(slo: Pick<Slo, 'corrections'>, atMs: number): BudgetCorrection | undefined {
  return (slo.corrections ?? []).find((c) => occurrenceAt(c, atMs) !== undefined);
}
