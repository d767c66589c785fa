import { formatTimeToExhaustion } from '../alert-text.js';
import type { AlertNotification } from '../notifier.js';

/**
 * The console destination's record: one JSON object per notification, on one line. Pure.
 *
 * The shape is stable: every key is always present (null when there is nothing to say) and keys come in
 * a fixed order, so `jq` filters and log pipelines can rely on them. Numbers that JSON cannot hold
 * (an infinite burn rate) are written as Prometheus writes them: "+Inf", "-Inf", "NaN".
 * `type` and `version` identify the record; a change of shape bumps `version`.
 */

export const CONSOLE_RECORD_TYPE = 'burnwatch.notification';
export const CONSOLE_RECORD_VERSION = 1;

export type JsonNumber = number | '+Inf' | '-Inf' | 'NaN';

export function jsonNumber(value: number): JsonNumber {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return value;
}

export interface ConsoleRecord {
  readonly type: typeof CONSOLE_RECORD_TYPE;
  readonly version: typeof CONSOLE_RECORD_VERSION;
  readonly receiver: string;
  readonly id: string;
  readonly alertKey: string;
  readonly status: 'firing' | 'resolved';
  readonly kind: AlertNotification['kind'];
  readonly severity: AlertNotification['severity'];
  readonly slo: {
    readonly id: string;
    readonly name: string;
    readonly service: string;
    readonly displayName: string | null;
    readonly objective: number;
    readonly period: string;
  };
  readonly instance: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly tiers: readonly {
    readonly name: string;
    readonly longWindow: string;
    readonly shortWindow: string;
    readonly longBurnRate: JsonNumber;
    readonly shortBurnRate: JsonNumber;
    readonly threshold: JsonNumber;
    readonly active: boolean;
  }[];
  readonly budget: {
    /** Fraction of the period's budget left (0.625 = 62.5 %); negative when overspent. */
    readonly remaining: JsonNumber;
    readonly timeToExhaustionMs: JsonNumber | null;
    /** `2d 4h` or `not burning`. */
    readonly timeToExhaustion: string;
  };
  readonly links: { readonly runbook: string | null; readonly sliQuery: string | null; readonly dashboard: string | null };
  readonly startsAt: string;
  readonly endsAt: string | null;
  readonly resolution: { readonly firedForMs: number; readonly budgetSpent: JsonNumber } | null;
  readonly createdAt: string;
}

export function consoleRecord(n: AlertNotification, receiver: string): ConsoleRecord {
  return {
    type: CONSOLE_RECORD_TYPE,
    version: CONSOLE_RECORD_VERSION,
    receiver,
    id: n.id,
    alertKey: n.alertKey,
    status: n.status,
    kind: n.kind,
    severity: n.severity,
    slo: {
      id: n.slo.id,
      name: n.slo.name,
      service: n.slo.service,
      displayName: n.slo.displayName ?? null,
      objective: n.slo.objective,
      period: n.slo.period,
    },
    instance: n.instance,
    labels: n.labels,
    annotations: n.annotations,
    tiers: n.tiers.map((t) => ({
      name: t.name,
      longWindow: t.longWindow,
      shortWindow: t.shortWindow,
      longBurnRate: jsonNumber(t.longBurnRate),
      shortBurnRate: jsonNumber(t.shortBurnRate),
      threshold: jsonNumber(t.threshold),
      active: t.active,
    })),
    budget: {
      remaining: jsonNumber(n.budget.remaining),
      timeToExhaustionMs: n.budget.timeToExhaustionMs === null ? null : jsonNumber(n.budget.timeToExhaustionMs),
      timeToExhaustion: formatTimeToExhaustion(n.budget.timeToExhaustionMs),
    },
    links: { runbook: n.links.runbook ?? null, sliQuery: n.links.sliQuery ?? null, dashboard: n.links.dashboard ?? null },
    startsAt: n.startsAt.toISOString(),
    endsAt: n.endsAt === undefined ? null : n.endsAt.toISOString(),
    resolution: n.resolution === undefined ? null : { firedForMs: n.resolution.firedForMs, budgetSpent: jsonNumber(n.resolution.budgetSpent) },
    createdAt: n.createdAt.toISOString(),
  };
}

/** The line written for a notification, newline included. JSON escapes line breaks, so it is one line. */
export function renderConsoleLine(n: AlertNotification, receiver: string): string {
  return `${JSON.stringify(consoleRecord(n, receiver))}\n`;
}
