import { DAY, HOUR, MINUTE, formatDuration } from './duration.js';
import type { CalendarUnit, Period, Severity, Tier } from './model.js';

/**
 * Multi-window multi-burn-rate tiers as data, in the shape of Sloth's `AlertWindows` catalogs
 * (google-30d.yaml / google-28d.yaml), which encode the SRE Workbook ("Alerting on SLOs", table 5-8 plus the
 * 1d/2h ticket pair of its iteration-6 example).
 */
export interface CatalogWindow {
  readonly severity: Severity;
  readonly speed: 'quick' | 'slow';
  /** Share of the period's error budget spent when the tier fires, in percent. */
  readonly budgetPercent: number;
  readonly shortMs: number;
  readonly longMs: number;
}

export interface AlertWindowCatalog {
  readonly periodMs: number;
  readonly windows: readonly CatalogWindow[];
}

const WORKBOOK_WINDOWS: readonly CatalogWindow[] = [
  { severity: 'page', speed: 'quick', budgetPercent: 2, shortMs: 5 * MINUTE, longMs: 1 * HOUR },
  { severity: 'page', speed: 'slow', budgetPercent: 5, shortMs: 30 * MINUTE, longMs: 6 * HOUR },
  { severity: 'ticket', speed: 'quick', budgetPercent: 10, shortMs: 2 * HOUR, longMs: 1 * DAY },
  { severity: 'ticket', speed: 'slow', budgetPercent: 10, shortMs: 6 * HOUR, longMs: 3 * DAY },
];

/** Sloth's built-in catalogs: the same windows and budget shares for 30 and 28 days. */
export const BUILTIN_CATALOGS: readonly AlertWindowCatalog[] = [
  { periodMs: 30 * DAY, windows: WORKBOOK_WINDOWS },
  { periodMs: 28 * DAY, windows: WORKBOOK_WINDOWS },
];

/**
 * Burn rate that spends `budgetPercent` of the period's budget within `longWindow`
 * (Sloth `getBurnRateFactor`): 2 % of a 30 d budget in 1 h -> 2 x 720 h / 100 / 1 h = 14.4.
 * The operation order matters for float64 equality with Sloth: (percent x periodHours / 100) / longHours,
 * which gives 13.44, 5.6000000000000005, 2.8000000000000003 and 0.9333333333333333 for 28 days.
 */
export function burnRateFactor(budgetPercent: number, periodMs: number, longWindowMs: number): number {
  return ((budgetPercent * goHours(periodMs)) / 100) / goHours(longWindowMs);
}

/** Hours of a duration computed as Go's `time.Duration.Hours()` does (whole hours plus the remainder), so
 *  factors of windows that are not whole hours round to the same float64 as in Sloth. */
function goHours(ms: number): number {
  return Math.trunc(ms / HOUR) + (ms % HOUR) / HOUR;
}

/** Nominal length of a calendar period, used to scale tiers (a month counts as 30 days, as in the workbook). */
export function nominalPeriodMs(period: Period): number {
  if (period.kind === 'rolling') return period.durationMs;
  return CALENDAR_NOMINAL_MS[period.unit];
}

const CALENDAR_NOMINAL_MS: Readonly<Record<CalendarUnit, number>> = {
  day: DAY,
  week: 7 * DAY,
  month: 30 * DAY,
  quarter: 90 * DAY,
  year: 365 * DAY,
};

/**
 * The catalog for a period: a built-in one when it exists (30 d, 28 d: identical to Sloth's), otherwise the
 * 30-day table with every window scaled by period/30d and rounded to the minute (at least one minute),
 * keeping the budget shares, so the factors stay near 14.4 / 6 / 3 / 1 and each tier still spends the same
 * share of the budget before it fires.
 */
export function catalogForPeriod(periodMs: number, catalogs: readonly AlertWindowCatalog[] = BUILTIN_CATALOGS): AlertWindowCatalog {
  const exact = catalogs.find((c) => c.periodMs === periodMs);
  if (exact) return exact;
  const scale = periodMs / (30 * DAY);
  const scaleWindow = (ms: number): number => Math.max(MINUTE, Math.round((ms * scale) / MINUTE) * MINUTE);
  return {
    periodMs,
    windows: WORKBOOK_WINDOWS.map((w) => ({ ...w, shortMs: scaleWindow(w.shortMs), longMs: scaleWindow(w.longMs) })),
  };
}

export function tierName(severity: Severity, longMs: number, shortMs: number): string {
  return `${severity}-${formatDuration(longMs)}-${formatDuration(shortMs)}`;
}

export function tiersFromCatalog(catalog: AlertWindowCatalog, periodMs: number = catalog.periodMs): Tier[] {
  return catalog.windows.map((w) => ({
    name: tierName(w.severity, w.longMs, w.shortMs),
    severity: w.severity,
    longMs: w.longMs,
    shortMs: w.shortMs,
    factor: burnRateFactor(w.budgetPercent, periodMs, w.longMs),
    budgetPercent: w.budgetPercent,
    forMs: 0,
  }));
}

/** A tier as an SLO file may override or add it. Either `budgetPercent` or `factor` sets the threshold. */
export interface TierOverride {
  readonly severity: Severity;
  readonly longMs: number;
  readonly shortMs?: number;
  readonly budgetPercent?: number;
  readonly factor?: number;
  readonly forMs?: number;
  readonly disabled?: boolean;
}

/**
 * Final tiers of an SLO: start from the period's catalog (unless `useDefaults` is false), then apply each
 * override. An override whose severity and long window match a default tier changes that tier (missing
 * fields keep the default's values); `disabled: true` removes it; any other override adds a tier
 * (its short window defaulting to 1/12 of the long one, the workbook's guideline).
 */
export function resolveTiers(periodMs: number, overrides: readonly TierOverride[], useDefaults: boolean): Tier[] {
  let tiers: Tier[] = useDefaults ? tiersFromCatalog(catalogForPeriod(periodMs), periodMs) : [];
  for (const o of overrides) {
    const index = tiers.findIndex((t) => t.severity === o.severity && t.longMs === o.longMs);
    const base = index >= 0 ? tiers[index] : undefined;
    if (o.disabled === true) {
      if (index >= 0) tiers = tiers.filter((_, i) => i !== index);
      continue;
    }
    const shortMs = o.shortMs ?? base?.shortMs ?? Math.max(MINUTE, Math.round(o.longMs / 12 / MINUTE) * MINUTE);
    const budgetPercent = o.factor === undefined ? (o.budgetPercent ?? base?.budgetPercent) : o.budgetPercent;
    const factor = o.factor ?? (budgetPercent === undefined ? base?.factor : burnRateFactor(budgetPercent, periodMs, o.longMs));
    if (factor === undefined) continue; // unreachable for validated input: schema requires one of the two for new tiers
    const tier: Tier = {
      name: tierName(o.severity, o.longMs, shortMs),
      severity: o.severity,
      longMs: o.longMs,
      shortMs,
      factor,
      ...(budgetPercent === undefined ? {} : { budgetPercent }),
      forMs: o.forMs ?? base?.forMs ?? 0,
    };
    if (index >= 0) tiers[index] = tier;
    else tiers.push(tier);
  }
  return tiers;
}

/**
 * A tier can never fire when its threshold on the error ratio, `factor x (1 - objective)`, is 1 or more:
 * the error ratio cannot exceed 1 (e.g. a 90 % objective with a 14.4x tier needs a 144 % error ratio).
 */
export function tierCanFire(tier: Tier, errorBudgetFraction: number): boolean {
  return tier.factor * errorBudgetFraction < 1;
}
