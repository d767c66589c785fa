import { calendarBounds } from '../slo/calendar.js';
import { rfc3339 } from './format.js';
import type { Report, ReportRange } from './model.js';
import type { DigestUnit } from './range.js';
import { previousPeriod } from './range.js';
import type { JsonGroup, JsonInstance } from './render-json.js';
import { jsonGroup, jsonInstance } from './render-json.js';

/**
 * Weekly and monthly digests that the daemon posts (settings `reports.digests`): when one is due, and what it
 * carries through the outbox. Pure.
 */

export interface DigestSchedule {
  readonly name: string;
  readonly every: DigestUnit;
  readonly timezone: string;
  /** Local time of day (`HH:MM`) on the first day of the new week or month at which the last one's digest goes out. */
  readonly at: string;
}

/** A digest that is later than this after its time is not sent any more (the daemon was down too long). */
export const DIGEST_LATENESS_MS: Readonly<Record<DigestUnit, number>> = { week: 2 * 86_400_000, month: 7 * 86_400_000 };

export interface DueDigest {
  /** Outbox id: one digest per schedule and period, whatever restarts happen. */
  readonly id: string;
  readonly range: ReportRange;
  readonly sendAtMs: number;
}

/** `digest:<name>`: the digest's queue in the outbox (alert keys start with an SLO id and a slash). */
export function digestKey(name: string): string {
  return `digest:${name}`;
}

/** The digest of the last complete period, when its time has come and is not long past; undefined otherwise. */
export function dueDigest(schedule: DigestSchedule, nowMs: number): DueDigest | undefined {
  const current = calendarBounds(nowMs, schedule.every, schedule.timezone);
  const [h, m] = schedule.at.split(':').map(Number);
  // The first day's local midnight plus the time of day (on a day the clocks change before it, one hour off).
  const sendAtMs = current.startMs + ((h ?? 0) * 60 + (m ?? 0)) * 60_000;
  if (nowMs < sendAtMs || nowMs - sendAtMs > DIGEST_LATENESS_MS[schedule.every]) return undefined;
  const range = previousPeriod(schedule.every, nowMs, schedule.timezone);
  return { id: `${digestKey(schedule.name)}@${rfc3339(range.fromMs)}`, range, sendAtMs };
}

/** What a digest carries to Slack, a webhook or the console: the report's JSON figures without the chart points. */
export interface ReportDigest {
  readonly id: string;
  readonly name: string;
  readonly every: DigestUnit;
  readonly title: string;
  readonly from: string;
  readonly to: string;
  readonly timezone: string;
  readonly label: string;
  readonly groupBy: string;
  readonly createdAt: string;
  readonly slos: readonly Omit<JsonInstance, 'timeline'>[];
  readonly groups: readonly JsonGroup[];
  readonly warnings: readonly string[];
}

export function toDigest(schedule: DigestSchedule, due: DueDigest, report: Report, createdAtMs: number): ReportDigest {
  const label = due.range.label ?? `${rfc3339(due.range.fromMs)} to ${rfc3339(due.range.toMs)}`;
  return {
    id: due.id,
    name: schedule.name,
    every: schedule.every,
    title: `SLO ${schedule.every === 'week' ? 'weekly' : 'monthly'} report: ${label}`,
    from: rfc3339(due.range.fromMs),
    to: rfc3339(due.range.toMs),
    timezone: due.range.timezone,
    label,
    groupBy: report.groupBy,
    createdAt: rfc3339(createdAtMs),
    slos: report.instances.map((i) => {
      const { timeline: _timeline, ...rest } = jsonInstance(i);
      return rest;
    }),
    groups: report.groups.map(jsonGroup),
    warnings: [...report.warnings, ...report.instances.flatMap((i) => i.warnings.map((w) => `${i.slo.id}: ${w}`))],
  };
}
