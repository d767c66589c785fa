import { formatDuration } from '../slo/duration.js';
import type { Slo } from '../slo/model.js';

/** How reports write times, shares and durations. Pure. */

/** RFC 3339 in UTC, whole seconds unless the instant has milliseconds: `2026-11-22T02:00:00Z`. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

const localFormats = new Map<string, Intl.DateTimeFormat>();

/** `2026-11-22 03:00` as people in the zone read it. */
export function localTime(ms: number, timezone: string): string {
  let f = localFormats.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
    localFormats.set(timezone, f);
  }
  const parts = f.formatToParts(new Date(ms));
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

/** A fraction as a percentage: `99.979 %`; `–` for unknown. */
export function percent(fraction: number | null, digits: number): string {
  if (fraction === null || !Number.isFinite(fraction)) return '–';
  return `${(fraction * 100).toFixed(digits)} %`;
}

/** The SLI with enough digits to tell it from a 99.9 or 99.99 objective. */
export function sliText(sli: number | null): string {
  return percent(sli, 3);
}

/** A duration for people, to the minute above an hour and to the second below: `2h5m`, `38m`, `45s`; `–` for none. */
export function durationText(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '–';
  if (ms <= 0) return '0s';
  const rounded = ms >= 3_600_000 ? Math.round(ms / 60_000) * 60_000 : Math.round(ms / 1000) * 1000;
  return formatDuration(Math.max(1000, rounded));
}

export function seconds(ms: number | null): number | null {
  return ms === null || !Number.isFinite(ms) ? null : Math.round(ms) / 1000;
}

/** `route="/cart", region="eu"`, or `–` for an SLO without instances. */
export function labelsText(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length === 0 ? '–' : entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
}

export function periodText(slo: Slo): string {
  return slo.period.kind === 'rolling' ? formatDuration(slo.period.durationMs) : `calendar ${slo.period.unit} (${slo.period.timezone})`;
}

/** `99.9 %` as written in the SLO file. */
export function objectiveText(objective: number): string {
  return `${Number(objective.toPrecision(12))} %`;
}

export function countText(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 1 });
}
