import { DAY, HOUR, MINUTE } from '../../slo/duration.js';

/**
 * Pyrra's multi-window burn-rate alerts as data (Pyrra `slo/rules.go`, `Windows()`), so that an SLO imported
 * from Pyrra pages exactly as it did under Pyrra. Pyrra-specific, hence here and not in `slo/windows.ts`:
 * Sloth and burnwatch derive the factor from a budget share, Pyrra fixes the factor and scales the windows.
 *
 * Every window is given at Pyrra's 28-day base and scaled linearly with the SLO window, then rounded to the
 * minute (Go `time.Duration.Round(time.Minute)`: halves away from zero). Pyrra divides the window by an
 * integer (`window / (28 * 24)` for the 1 h long window), which is the same rational number as
 * `window x 1h / 28d`, so the exact scaling below rounds to the same minute.
 */

/** Pyrra's severity label of a tier: its `alerting.severities` key, and the default value. */
export type PyrraTierKey = 'fastBurn' | 'mediumBurn' | 'slowBurn' | 'longTermBurn';

export interface PyrraBaseWindow {
  readonly key: PyrraTierKey;
  /** Pyrra's default `severity` label. */
  readonly severity: 'critical' | 'warning';
  /** Burn-rate factor, fixed whatever the SLO window. */
  readonly factor: number;
  readonly longMs: number;
  readonly shortMs: number;
  /** Pyrra's `for:` on the alert rule ("half short"). */
  readonly forMs: number;
}

export const PYRRA_BASE_WINDOW_MS = 28 * DAY;

/**
 * At 28 days: 14x spends 50 % of the budget in a day (2.08 % per 1 h), 7x 20 % in a day, 2x 10 % in a day,
 * 1x the whole budget by the end of the window (Pyrra's own comments).
 */
export const PYRRA_WINDOWS: readonly PyrraBaseWindow[] = [
  { key: 'fastBurn', severity: 'critical', factor: 14, longMs: 1 * HOUR, shortMs: 5 * MINUTE, forMs: 2 * MINUTE },
  { key: 'mediumBurn', severity: 'critical', factor: 7, longMs: 6 * HOUR, shortMs: 30 * MINUTE, forMs: 15 * MINUTE },
  { key: 'slowBurn', severity: 'warning', factor: 2, longMs: 1 * DAY, shortMs: 2 * HOUR, forMs: 1 * HOUR },
  { key: 'longTermBurn', severity: 'warning', factor: 1, longMs: 4 * DAY, shortMs: 6 * HOUR, forMs: 3 * HOUR },
];

export interface PyrraWindow extends PyrraBaseWindow {
  readonly windowMs: number;
}

/** `baseMs` (a duration at the 28-day base) scaled to an SLO window, rounded to the minute as Go does. */
export function scaleToWindow(baseMs: number, windowMs: number): number {
  // Exact integer arithmetic: window x base can exceed 2^53 for windows of a year.
  const numerator = BigInt(windowMs) * BigInt(baseMs);
  const minute = BigInt(PYRRA_BASE_WINDOW_MS) * BigInt(MINUTE);
  const minutes = (2n * numerator + minute) / (2n * minute); // floor(x + 1/2) for x >= 0: halves round up
  return Number(minutes) * MINUTE;
}

/** Pyrra's four alert windows for an SLO window (Pyrra `Windows(sloWindow)`). */
export function pyrraWindows(windowMs: number): PyrraWindow[] {
  return PYRRA_WINDOWS.map((w) => ({
    ...w,
    windowMs,
    longMs: scaleToWindow(w.longMs, windowMs),
    shortMs: scaleToWindow(w.shortMs, windowMs),
    forMs: scaleToWindow(w.forMs, windowMs),
  }));
}

/**
 * How long the total metric must be absent before Pyrra's `SLOMetricAbsent` alert fires (Pyrra
 * `AbsentDuration()`): the time a 100 % error ratio needs to lift the fast tier's long window over its
 * threshold, `14 x (1 - target) x long`, truncated to whole seconds, plus that tier's `for`, rounded to the
 * minute. 99 % over 28 d: 14 x 0.01 x 3600 s = 504 s, + 2 m = 10 m 24 s -> 10 m.
 */
export function pyrraAbsentDurationMs(targetPercent: number, windowMs: number): number {
  const [fast] = pyrraWindows(windowMs);
  if (fast === undefined) return 0;
  const threshold = fast.factor * (1 - targetPercent / 100);
  const seconds = Math.trunc(threshold * (fast.longMs / 1000));
  const ms = seconds * 1000 + fast.forMs;
  return Math.floor((ms + MINUTE / 2) / MINUTE) * MINUTE;
}
