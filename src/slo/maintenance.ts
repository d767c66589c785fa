import type { MaintenanceWindow } from './model.js';

/**
 * Maintenance windows: time inside one is left out of burn-rate windows and the budget, and alerts neither
 * fire nor resolve because of it. A repeating window (`everyMs`) recurs from its start onwards.
 */

/** The occurrence of `w` that contains `atMs`, if any: [start, end). */
export function occurrenceAt(w: MaintenanceWindow, atMs: number): { startMs: number; endMs: number } | undefined {
  if (atMs < w.startMs) return undefined;
  const start = w.everyMs === undefined || w.everyMs <= 0
    ? w.startMs
    : w.startMs + Math.floor((atMs - w.startMs) / w.everyMs) * w.everyMs;
  const end = start + w.durationMs;
  return atMs < end ? { startMs: start, endMs: end } : undefined;
}

export function isInMaintenance(windows: readonly MaintenanceWindow[], atMs: number): boolean {
  return windows.some((w) => occurrenceAt(w, atMs) !== undefined);
}

/** A ledger slot (endMs - slotMs, endMs] is excluded when its end falls inside a maintenance window. */
export function slotExcluded(windows: readonly MaintenanceWindow[], slotEndMs: number): boolean {
  return windows.length > 0 && isInMaintenance(windows, slotEndMs - 1);
}
