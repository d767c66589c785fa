import { formatDuration, parseDuration } from '../../slo/duration.js';
import type { Severity } from '../../slo/model.js';
import { BUILTIN_CATALOGS, tierName } from '../../slo/windows.js';
import type { AlertWindowCatalog, CatalogWindow } from '../../slo/windows.js';
import type { DetectedObject } from '../readers.js';
import type { Location, PathSegment, LocatedProblem } from '../located.js';
import { headerError, parseLenient } from './decode.js';
import { AlertWindowsV1 } from './schema.js';
import type { AlertWindow } from './schema.js';

/**
 * Sloth AlertWindows objects: catalogs of page/ticket burn-rate windows for one SLO period. They apply to all
 * SLO files of the same load, as Sloth's `--slo-period-windows-path` does. A loaded catalog replaces the
 * built-in one of its period; unlike Sloth, which drops all built-ins when given a windows path, the
 * built-in 30d and 28d catalogs stay available for the other periods.
 */

/** A catalog read from an AlertWindows object, with where each window was written. */
export interface LoadedCatalog {
  readonly catalog: AlertWindowCatalog;
  readonly at: Location;
  readonly windowAt: ReadonlyMap<string, Location>;
}

/** The alert windows of one SLO period, with where each window was written (nothing for a built-in catalog). */
export interface WindowsForPeriod {
  readonly catalog: AlertWindowCatalog;
  readonly at: ReadonlyMap<string, Location>;
}

function sameWindows(a: AlertWindowCatalog, b: AlertWindowCatalog): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Every AlertWindows catalog of one load, by period; a second catalog for a period is reported. */
export function readCatalogs(objects: readonly DetectedObject[]): { catalogs: ReadonlyMap<number, LoadedCatalog>; errors: LocatedProblem[] } {
  const errors: LocatedProblem[] = [];
  const catalogs = new Map<number, LoadedCatalog>();
  for (const o of objects) {
    if (o.format !== 'sloth/alert-windows-v1') continue;
    const r = readCatalog(o);
    errors.push(...r.errors);
    if (r.catalog === undefined) continue;
    const previous = catalogs.get(r.catalog.catalog.periodMs);
    if (previous === undefined) {
      catalogs.set(r.catalog.catalog.periodMs, r.catalog);
      continue;
    }
    const period = formatDuration(r.catalog.catalog.periodMs);
    const where = `${previous.at.file}:${previous.at.line}:${previous.at.col}`;
    errors.push(sameWindows(previous.catalog, r.catalog.catalog)
      ? { ...r.catalog.at, severity: 'warning', message: `AlertWindows for the ${period} SLO period is loaded twice (identical to ${where}); this copy is ignored`, hint: 'remove one of the copies' }
      : { ...r.catalog.at, message: `a second AlertWindows catalog for the ${period} SLO period differs from the one at ${where}`, hint: 'keep one catalog per SLO period' });
  }
  return { catalogs, errors };
}

/** The windows for `periodMs`: a loaded catalog, else the built-in one of that period, else none. */
export function windowsForPeriod(catalogs: ReadonlyMap<number, LoadedCatalog>, periodMs: number): WindowsForPeriod | undefined {
  const loadedCatalog = catalogs.get(periodMs);
  const builtin = BUILTIN_CATALOGS.find((c) => c.periodMs === periodMs);
  return loadedCatalog !== undefined
    ? { catalog: loadedCatalog.catalog, at: loadedCatalog.windowAt }
    : builtin === undefined ? undefined : { catalog: builtin, at: new Map() };
}

function readCatalog(o: DetectedObject): { catalog?: LoadedCatalog; errors: LocatedProblem[] } {
  const header = headerError(o);
  if (header) return { errors: [header] };
  const parsed = parseLenient(AlertWindowsV1, o.doc, o.value);
  const errors = [...parsed.errors];
  if (parsed.data === undefined) return { errors };
  const spec = parsed.data.spec;
  const periodMs = parseDuration(spec.sloPeriod);
  if (periodMs === undefined || periodMs <= 0) {
    errors.push({ ...o.doc.locate(['spec', 'sloPeriod']), message: `"${spec.sloPeriod}" is not an SLO period`, hint: 'write a duration such as 30d, 28d or 7d' });
  }
  const windows: CatalogWindow[] = [];
  const windowAt = new Map<string, Location>();
  const entries: [Severity, 'quick' | 'slow', AlertWindow][] = [
    ['page', 'quick', spec.page.quick],
    ['page', 'slow', spec.page.slow],
    ['ticket', 'quick', spec.ticket.quick],
    ['ticket', 'slow', spec.ticket.slow],
  ];
  for (const [severity, speed, w] of entries) {
    const path: PathSegment[] = ['spec', severity, speed];
    const shortMs = parseDuration(w.shortWindow);
    const longMs = parseDuration(w.longWindow);
    if (shortMs === undefined || shortMs <= 0) errors.push({ ...o.doc.locate([...path, 'shortWindow']), message: `"${w.shortWindow}" is not a window`, hint: 'write a duration such as 5m' });
    if (longMs === undefined || longMs <= 0) errors.push({ ...o.doc.locate([...path, 'longWindow']), message: `"${w.longWindow}" is not a window`, hint: 'write a duration such as 1h' });
    if (!(w.errorBudgetPercent > 0)) errors.push({ ...o.doc.locate([...path, 'errorBudgetPercent']), message: 'errorBudgetPercent must be above 0', hint: 'the share of the period\'s error budget this alert spends before it fires, in percent, e.g. 2' });
    if (shortMs === undefined || longMs === undefined) continue;
    windows.push({ severity, speed, budgetPercent: w.errorBudgetPercent, shortMs, longMs });
    windowAt.set(tierName(severity, longMs, shortMs), o.doc.locate(path));
  }
  if (errors.some((e) => e.severity !== 'warning') || periodMs === undefined) return { errors };
  return { catalog: { catalog: { periodMs, windows }, at: o.doc.locate(['spec', 'sloPeriod']), windowAt }, errors };
}
