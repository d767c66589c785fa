import { isDeepStrictEqual } from 'node:util';
import { Document, isMap, isSeq } from 'yaml';
import { formatDuration } from '../../slo/duration.js';
import type { AlertingPolicy, Budgeting, EventQuery, Indicator, MaintenanceWindow, Period, SeverityPolicy, Slo, Tier } from '../../slo/model.js';
import { burnRateFactor, nominalPeriodMs, resolveTiers } from '../../slo/windows.js';
import { DEFAULT_ALERT_NAME } from './to-model.js';

/**
 * The model -> a `burnwatch/v1` document that loads back to the same model (apart from `source`). Fields
 * equal to the burnwatch/v1 defaults are left out; everything else is written explicitly, in particular
 * tiers that differ from the period's default tiers (`defaultTiers: false` and each tier with its exact
 * burn rate, so a float factor such as 5.6000000000000005 survives) and the absence of an exhaustion alert.
 */
export interface NativeDocument {
  /** The document as plain data (for tests and JSON output). */
  readonly value?: Record<string, unknown>;
  /** What the native format cannot express; empty when `value` is complete. */
  readonly problems: readonly string[];
}

export function toNativeDocument(slo: Slo): NativeDocument {
  const problems: string[] = [];
  const metadata: Record<string, unknown> = { name: slo.name };
  if (slo.id !== slo.name) metadata['id'] = slo.id;
  metadata['service'] = slo.service;
  if (slo.displayName !== undefined) metadata['displayName'] = slo.displayName;
  if (slo.description !== undefined) metadata['description'] = slo.description;
  if (Object.keys(slo.labels).length > 0) metadata['labels'] = { ...slo.labels };

  const spec: Record<string, unknown> = {
    objective: slo.objective,
    period: periodOf(slo.period),
  };
  const composite = slo.indicator.kind === 'composite' ? slo.indicator : undefined;
  if (slo.budgeting.kind !== 'occurrences') spec['budgeting'] = budgetingOf(slo.budgeting);
  if (composite) {
    // A composite's groupBy is its children's: not written.
    if (composite.method !== 'weightedEvents') spec['method'] = composite.method;
    spec['children'] = composite.children.map((c) => (c.weight === 1 ? { slo: c.sloId } : { slo: c.sloId, weight: c.weight }));
  } else {
    spec['indicator'] = indicatorOf(slo.indicator, problems);
    if (slo.groupBy.length > 0) spec['groupBy'] = [...slo.groupBy];
  }
  const alerting = alertingOf(slo.alerting, nominalPeriodMs(slo.period), problems);
  if (slo.alerting.inhibitChildren !== undefined) alerting['inhibitChildren'] = slo.alerting.inhibitChildren;
  if (Object.keys(alerting).length > 0) spec['alerting'] = alerting;
  if (slo.maintenance.length > 0) spec['maintenance'] = slo.maintenance.map(maintenanceOf);
  if (slo.policy !== undefined) spec['policy'] = { freezeBelow: shareOf(slo.policy.freezeBelow) };

  if (problems.length > 0) return { problems };
  return { value: { apiVersion: 'burnwatch/v1', kind: composite ? 'CompositeSLO' : 'SLO', metadata, spec }, problems };
}

/** The document as YAML text (no comments, no `---`). */
export function toNativeYaml(slo: Slo): { readonly text?: string; readonly problems: readonly string[] } {
  const doc = toNativeDocument(slo);
  if (doc.value === undefined) return { problems: doc.problems };
  const yaml = new Document(doc.value);
  // One line per tier, maintenance window and groupBy list, as people write them by hand.
  for (const path of [['spec', 'alerting', 'tiers'], ['spec', 'maintenance'], ['spec', 'children']]) {
    const seq = yaml.getIn(path, true);
    if (isSeq(seq)) for (const item of seq.items) if (isMap(item)) item.flow = true;
  }
  const groupBy = yaml.getIn(['spec', 'groupBy'], true);
  if (isSeq(groupBy)) groupBy.flow = true;
  // lineWidth 0: never fold long queries, so they stay greppable and copy-pasteable.
  return { text: yaml.toString({ lineWidth: 0 }), problems: [] };
}

function periodOf(period: Period): unknown {
  if (period.kind === 'rolling') return formatDuration(period.durationMs);
  return { calendar: period.unit, timezone: period.timezone };
}

function budgetingOf(budgeting: Exclude<Budgeting, { kind: 'occurrences' }>): unknown {
  if (budgeting.kind === 'timeslices') return { timeslices: { slice: formatDuration(budgeting.sliceMs), target: budgeting.target } };
  return { ratioTimeslices: { slice: formatDuration(budgeting.sliceMs) } };
}

function queryOf(q: EventQuery): string {
  return q.kind === 'selector' ? q.selector : q.template;
}

function indicatorOf(indicator: Indicator, problems: string[]): unknown {
  switch (indicator.kind) {
    case 'events':
      if (indicator.events.kind !== indicator.total.kind) {
        problems.push(`the indicator mixes a ${indicator.events.kind} and a ${indicator.total.kind} query, which burnwatch/v1 cannot express`);
      }
      return { events: { [indicator.count === 'bad' ? 'errors' : 'good']: queryOf(indicator.events), total: queryOf(indicator.total) } };
    case 'latency': {
      if (/_(bucket|count|sum)$/.test(indicator.histogram)) {
        problems.push(`the latency histogram "${indicator.histogram}" ends in a series suffix, which burnwatch/v1 reads as a different histogram`);
      }
      return {
        latency: {
          histogram: indicator.histogram,
          threshold: indicator.thresholdSeconds,
          ...(indicator.matchers === '' ? {} : { selector: indicator.matchers }),
          ...(indicator.native ? { native: true } : {}),
        },
      };
    }
    case 'ratio':
      return { ratio: { [indicator.meaning === 'error' ? 'errorRatio' : 'successRatio']: indicator.template } };
    case 'boolGauge':
      return { boolGauge: { selector: indicator.selector } };
    case 'composite':
      return undefined;
  }
}

function alertingOf(policy: AlertingPolicy, periodMs: number, problems: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (policy.name !== DEFAULT_ALERT_NAME) out['name'] = policy.name;
  if (policy.runbook !== undefined) out['runbook'] = policy.runbook;
  if (Object.keys(policy.labels).length > 0) out['labels'] = { ...policy.labels };
  if (Object.keys(policy.annotations).length > 0) out['annotations'] = { ...policy.annotations };
  if (policy.minEvents !== 0) out['minEvents'] = policy.minEvents;
  if (policy.noDataAfterMs !== undefined) {
    if (policy.noDataAfterMs <= 0) problems.push('a no-data alert that fires at once cannot be written (noData.after must be a positive duration)');
    out['noData'] = { after: formatDuration(policy.noDataAfterMs), ...(policy.noDataSeverity === undefined ? {} : { severity: policy.noDataSeverity }) };
  }
  if (policy.keepFiringForMs !== 0) out['keepFiringFor'] = formatDuration(policy.keepFiringForMs);
  if (!isDeepStrictEqual(policy.tiers, resolveTiers(periodMs, [], true))) {
    out['defaultTiers'] = false;
    out['tiers'] = policy.tiers.map((t) => tierOf(t, periodMs, problems));
    const keys = policy.tiers.map((t) => `${t.severity} ${formatDuration(t.longMs)}`);
    const repeated = keys.find((k, i) => keys.indexOf(k) !== i);
    if (repeated !== undefined) problems.push(`two ${repeated.replace(' ', ' tiers with long window ')}: burnwatch/v1 merges tiers of the same severity and long window`);
  }
  const page = severityOf(policy.page);
  if (page !== undefined) out['page'] = page;
  const ticket = severityOf(policy.ticket);
  if (ticket !== undefined) out['ticket'] = ticket;
  if (policy.exhaustion === undefined) out['exhaustion'] = { disabled: true };
  else if (policy.exhaustion.threshold !== 0 || policy.exhaustion.severity !== 'ticket') out['exhaustion'] = { threshold: policy.exhaustion.threshold, severity: policy.exhaustion.severity };
  return out;
}

/**
 * A tier with the number that reproduces it exactly: budgetPercent when the model has one and the
 * workbook formula gives back the same factor, otherwise the factor itself as burnRate.
 */
function tierOf(t: Tier, periodMs: number, problems: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { severity: t.severity, long: formatDuration(t.longMs), short: formatDuration(t.shortMs) };
  if (t.budgetPercent === undefined) out['burnRate'] = t.factor;
  else if (burnRateFactor(t.budgetPercent, periodMs, t.longMs) === t.factor) out['budgetPercent'] = t.budgetPercent;
  else problems.push(`tier ${t.name} has burn rate ${t.factor} and budget share ${t.budgetPercent} %, which do not match for this period; burnwatch/v1 takes one of them`);
  if (t.forMs !== 0) out['for'] = formatDuration(t.forMs);
  return out;
}

function severityOf(policy: SeverityPolicy): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  if (!policy.enabled) out['disabled'] = true;
  if (Object.keys(policy.labels).length > 0) out['labels'] = { ...policy.labels };
  if (Object.keys(policy.annotations).length > 0) out['annotations'] = { ...policy.annotations };
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A budget share as a percentage (`10%`) when that reads back to the same number, else as the fraction. */
function shareOf(fraction: number): string | number {
  const percent = Number((fraction * 100).toPrecision(12));
  return percent / 100 === fraction ? `${percent}%` : fraction;
}

function maintenanceOf(m: MaintenanceWindow): Record<string, unknown> {
  return {
    start: new Date(m.startMs).toISOString(),
    duration: formatDuration(m.durationMs),
    ...(m.everyMs === undefined ? {} : { every: formatDuration(m.everyMs) }),
    ...(m.reason === '' ? {} : { reason: m.reason }),
  };
}
