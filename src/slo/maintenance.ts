import type { MaintenanceWindow, RecurringSpan } from './model.js';

/**
 * Maintenance windows: time inside one is left out of burn-rate windows and the budget, and alerts neither
 * fire nor resolve because of it. A repeating window (`everyMs`) recurs from its start onwards.
 */

/** The occurrence of `w` that contains `atMs`, if any: [start, end). */
export function occurrenceAt(w: RecurringSpan, atMs: number): { startMs: number; endMs: number } | undefined {
  if (atMs < w.startMs) return undefined;
  const start = w.everyMs === undefined || w.everyMs <= 0
    ? w.startMs
    : w.startMs + Math.floor((atMs - w.startMs) / w.everyMs) * w.everyMs;
  const end = start + w.durationMs;
  return atMs < end ? { startMs: start, endMs: end } : undefined;
}

/**
 * Which occurrences of `w` overlap (fromMs, toMs]: occurrence k runs [start + k x every, + duration), and the
 * ones from `first` to `last` (inclusive) overlap; none when `last < first`. Computed, not enumerated: a span
 * repeating every minute over a year costs nothing here.
 */
export function occurrencesOverlapping(w: RecurringSpan, fromMs: number, toMs: number): { first: number; last: number } {
  if (w.durationMs <= 0) return { first: 0, last: -1 };
  const every = w.everyMs !== undefined && w.everyMs > 0 ? w.everyMs : undefined;
  if (every === undefined) return w.startMs < toMs && w.startMs + w.durationMs > fromMs ? { first: 0, last: 0 } : { first: 0, last: -1 };
  // The first that ends after fromMs, the last that starts before toMs.
  const first = Math.max(0, Math.floor((fromMs - w.durationMs - w.startMs) / every) + 1);
  const last = Math.ceil((toMs - w.startMs) / every) - 1;
  return { first, last };
}

export function isInMaintenance(windows: readonly MaintenanceWindow[], atMs: number): boolean {
  return windows.some((w) => occurrenceAt(w, atMs) !== undefined);
}

/** A ledger slot (endMs - slotMs, endMs] is excluded when its end falls inside a maintenance window. */
export function slotExcluded(windows: readonly MaintenanceWindow[], slotEndMs: number): boolean {
  return windows.length > 0 && isInMaintenance(windows, slotEndMs - 1);
}
