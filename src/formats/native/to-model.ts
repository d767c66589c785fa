import { isTimeZone } from '../../slo/calendar.js';
import { parseDuration } from '../../slo/duration.js';
import type {
  AlertingPolicy,
  Budgeting,
  CompositeIndicator,
  Indicator,
  MaintenanceWindow,
  Period,
  SeverityPolicy,
  Slo,
} from '../../slo/model.js';
import { parseBudgetShare } from '../../slo/gate.js';
import { nominalPeriodMs, resolveTiers } from '../../slo/windows.js';
import type { TierOverride } from '../../slo/windows.js';
import type { LoadedSlo, ReadResult } from '../loaded.js';
import type { Location, LocatedDocument, PathSegment, LocatedProblem } from '../located.js';
import { checkEventQuery, checkMatchers, checkSelector, checkWindowTemplate } from '../query-checks.js';
import { issuesToErrors } from '../zod-errors.js';
import { NativeComposite, NativeSlo } from './schema.js';

export const DEFAULT_ALERT_NAME = 'SLOBurnRate';

/** Reads one `burnwatch/v1` SLO object into the model, or returns every located problem it has. */
export function readNative(doc: LocatedDocument): ReadResult {
  const raw = doc.value();
  if (isObject(raw) && raw['kind'] === 'CompositeSLO') return readComposite(doc, raw);
  const parsed = NativeSlo.safeParse(raw, { reportInput: true });
  const errors: LocatedProblem[] = parsed.success ? [] : issuesToErrors(parsed.error.issues, doc, NativeSlo);
  // Semantic checks run on the raw value too, so a file with both a schema error and a bad query reports both.
  const semantic = semanticChecks(doc, raw);
  errors.push(...semantic.errors.filter((e) => !errors.some((o) => o.line === e.line && o.col === e.col)));
  if (!parsed.success || errors.length > 0 || semantic.indicator === undefined) return { slos: [], errors };
  return { slos: [toModel(doc, parsed.data, semantic.indicator)], errors: [] };
}

/**
 * Reads one `burnwatch/v1` CompositeSLO. Its children are checked against the other SLOs once every file is
 * read (`formats/composites.ts`), which also gives it their `groupBy`.
 */
function readComposite(doc: LocatedDocument, raw: Record<string, unknown>): ReadResult {
  const parsed = NativeComposite.safeParse(raw, { reportInput: true });
  const errors: LocatedProblem[] = parsed.success ? [] : issuesToErrors(parsed.error.issues, doc, NativeComposite);
  const semantic = checkPeriodAndTiers(doc, field(raw, 'spec'));
  errors.push(...semantic.filter((e) => !errors.some((o) => o.line === e.line && o.col === e.col)));
  if (!parsed.success || errors.length > 0) return { slos: [], errors };
  const { spec } = parsed.data;
  const indicator: CompositeIndicator = {
    kind: 'composite',
    method: spec.method ?? 'weightedEvents',
    children: spec.children.map((c) => ({ sloId: c.slo, weight: c.weight ?? 1 })),
  };
  const loaded = toModel(doc, { ...parsed.data, kind: 'SLO', spec: { ...spec, indicator: {} } }, indicator);
  const inhibit = spec.alerting?.inhibitChildren;
  const slo: Slo = { ...loaded.slo, ...(inhibit === undefined ? {} : { alerting: { ...loaded.slo.alerting, inhibitChildren: inhibit } }) };
  const at: Record<string, Location> = { ...loaded.at };
  spec.children.forEach((_, i) => {
    at[`child:${i}`] = doc.locate(['spec', 'children', i, 'slo']);
  });
  return { slos: [{ slo, at }], errors: [] };
}

function toModel(doc: LocatedDocument, file: NativeSlo, indicator: Indicator): LoadedSlo {
  const { metadata, spec } = file;
  const period = toPeriod(spec.period);
  const periodMs = nominalPeriodMs(period);
  const alerting = spec.alerting ?? {};
  const overrides: TierOverride[] = (alerting.tiers ?? []).map((t) => ({
    severity: t.severity,
    longMs: ms(t.long),
    ...(t.short === undefined ? {} : { shortMs: ms(t.short) }),
    ...(t.budgetPercent === undefined ? {} : { budgetPercent: t.budgetPercent }),
    ...(t.burnRate === undefined ? {} : { factor: t.burnRate }),
    ...(t.for === undefined ? {} : { forMs: ms(t.for) }),
    ...(t.disabled === undefined ? {} : { disabled: t.disabled }),
  }));
  const tiers = resolveTiers(periodMs, overrides, alerting.defaultTiers ?? true);
  const severity = (s: { disabled?: boolean | undefined; labels?: Record<string, string> | undefined; annotations?: Record<string, string> | undefined } | undefined): SeverityPolicy => ({
    enabled: s?.disabled !== true,
    labels: s?.labels ?? {},
    annotations: s?.annotations ?? {},
  });
  const exhaustion = alerting.exhaustion;
  const policy: AlertingPolicy = {
    name: alerting.name ?? DEFAULT_ALERT_NAME,
    ...(alerting.runbook === undefined ? {} : { runbook: alerting.runbook }),
    labels: alerting.labels ?? {},
    annotations: alerting.annotations ?? {},
    minEvents: alerting.minEvents ?? 0,
    ...(alerting.noData === undefined ? {} : { noDataAfterMs: ms(alerting.noData.after), ...(alerting.noData.severity === undefined ? {} : { noDataSeverity: alerting.noData.severity }) }),
    keepFiringForMs: alerting.keepFiringFor === undefined ? 0 : ms(alerting.keepFiringFor),
    tiers,
    page: severity(alerting.page),
    ticket: severity(alerting.ticket),
    ...(exhaustion?.disabled === true ? {} : { exhaustion: { threshold: exhaustion?.threshold ?? 0, severity: exhaustion?.severity ?? 'ticket' } }),
  };
  const slo: Slo = {
    id: metadata.id ?? metadata.name,
    name: metadata.name,
    service: metadata.service,
    ...(metadata.displayName === undefined ? {} : { displayName: metadata.displayName }),
    ...(metadata.description === undefined ? {} : { description: metadata.description }),
    labels: metadata.labels ?? {},
    objective: spec.objective,
    period,
    budgeting: toBudgeting(spec.budgeting),
    indicator,
    groupBy: spec.groupBy ?? [],
    alerting: policy,
    maintenance: (spec.maintenance ?? []).map((m): MaintenanceWindow => ({
      startMs: Date.parse(m.start),
      durationMs: ms(m.duration),
      ...(m.every === undefined ? {} : { everyMs: ms(m.every) }),
      reason: m.reason ?? '',
    })),
    ...(spec.policy === undefined ? {} : { policy: { freezeBelow: share(spec.policy.freezeBelow) } }),
    source: { file: doc.file, document: doc.index, format: 'burnwatch/v1' },
  };
  const at: Record<string, Location> = {
    id: doc.locate(['metadata', metadata.id === undefined ? 'name' : 'id']),
    objective: doc.locate(['spec', 'objective']),
    period: doc.locate(spec.period === undefined ? ['spec'] : ['spec', 'period']),
    alerting: doc.locate(spec.alerting === undefined ? ['spec'] : ['spec', 'alerting']),
  };
  if (alerting.runbook !== undefined) at['runbook'] = doc.locate(['spec', 'alerting', 'runbook']);
  const written = spec.indicator;
  if (written.events) {
    at['query:events'] = doc.locate(['spec', 'indicator', 'events', written.events.errors === undefined ? 'good' : 'errors']);
    at['query:total'] = doc.locate(['spec', 'indicator', 'events', 'total']);
  }
  if (written.ratio) at['query:ratio'] = doc.locate(['spec', 'indicator', 'ratio', written.ratio.errorRatio === undefined ? 'successRatio' : 'errorRatio']);
  if (written.latency) at['query:latency'] = doc.locate(['spec', 'indicator', 'latency']);
  // Tiers written in the file point at their entry; default tiers point at `alerting` (or `objective`).
  (alerting.tiers ?? []).forEach((t, i) => {
    const match = tiers.find((tier) => tier.severity === t.severity && tier.longMs === ms(t.long));
    if (match) at[`tier:${match.name}`] = doc.locate(['spec', 'alerting', 'tiers', i]);
  });
  return { slo, at };
}

/** A share of the budget the schema has checked (`10%` or 0.1) as a fraction. */
function share(value: string | number): number {
  const r = parseBudgetShare(String(value));
  return r.ok ? r.value : 0;
}

function ms(duration: string): number {
  return parseDuration(duration) ?? 0;
}

function toPeriod(period: NativeSlo['spec']['period']): Period {
  if (period === undefined) return { kind: 'rolling', durationMs: ms('30d') };
  if (typeof period === 'string') return { kind: 'rolling', durationMs: ms(period) };
  return { kind: 'calendar', unit: period.calendar, timezone: period.timezone ?? 'UTC' };
}

function toBudgeting(budgeting: NativeSlo['spec']['budgeting']): Budgeting {
  if (budgeting === undefined || budgeting === 'occurrences') return { kind: 'occurrences' };
  if ('timeslices' in budgeting) return { kind: 'timeslices', sliceMs: ms(budgeting.timeslices.slice), target: budgeting.timeslices.target };
  return { kind: 'ratioTimeslices', sliceMs: ms(budgeting.ratioTimeslices.slice) };
}

/** Checks the schema cannot express: queries, time zones, windows against the period. */
function semanticChecks(doc: LocatedDocument, raw: unknown): { errors: LocatedProblem[]; indicator?: Indicator } {
  const errors: LocatedProblem[] = [];
  const spec = field(raw, 'spec');
  const indicatorRaw = field(spec, 'indicator');
  const base: PathSegment[] = ['spec', 'indicator'];
  let indicator: Indicator | undefined;

  const events = field(indicatorRaw, 'events');
  if (isObject(events)) {
    const countKey = typeof events['errors'] === 'string' ? 'errors' : typeof events['good'] === 'string' ? 'good' : undefined;
    const total = events['total'];
    const first = countKey === undefined ? undefined : checkEventQuery(doc, [...base, 'events', countKey], String(events[countKey]));
    const second = typeof total === 'string' ? checkEventQuery(doc, [...base, 'events', 'total'], total) : undefined;
    errors.push(...(first?.errors ?? []), ...(second?.errors ?? []));
    if (first?.query && second?.query) {
      if (first.query.kind !== second.query.kind) {
        errors.push({
          ...doc.locate([...base, 'events', 'total']),
          message: `${countKey} is ${first.query.kind === 'selector' ? 'a counter selector' : 'an expression with {{.window}}'} but total is ${second.query.kind === 'selector' ? 'a counter selector' : 'an expression with {{.window}}'}`,
          hint: 'write both as counter selectors, or both as expressions with [{{.window}}]',
        });
      } else {
        indicator = { kind: 'events', count: countKey === 'good' ? 'good' : 'bad', events: first.query, total: second.query };
      }
    }
  }

  const latency = field(indicatorRaw, 'latency');
  if (isObject(latency)) {
    const selector = latency['selector'];
    if (typeof selector === 'string') errors.push(...checkMatchers(doc, [...base, 'latency', 'selector'], selector));
    const histogram = latency['histogram'];
    if (typeof histogram === 'string' && /_(count|sum)$/.test(histogram)) {
      errors.push({ ...doc.locate([...base, 'latency', 'histogram']), message: `"${histogram}" names a ${histogram.endsWith('_sum') ? '_sum' : '_count'} series, not the histogram`, hint: `write the base name: ${histogram.replace(/_(count|sum)$/, '')}` });
    }
    const threshold = latency['threshold'];
    const seconds = typeof threshold === 'number' ? threshold : typeof threshold === 'string' ? (parseDuration(threshold) ?? NaN) / 1000 : NaN;
    if (typeof histogram === 'string' && Number.isFinite(seconds) && seconds > 0) {
      indicator = {
        kind: 'latency',
        histogram: histogram.replace(/_bucket$/, ''),
        thresholdSeconds: seconds,
        matchers: typeof selector === 'string' ? selector.trim() : '',
        native: latency['native'] === true,
      };
    }
  }

  const ratio = field(indicatorRaw, 'ratio');
  if (isObject(ratio)) {
    for (const key of ['errorRatio', 'successRatio'] as const) {
      const q = ratio[key];
      if (typeof q !== 'string') continue;
      const found = checkWindowTemplate(doc, [...base, 'ratio', key], q);
      errors.push(...found);
      if (found.length === 0) indicator = { kind: 'ratio', template: q.trim(), meaning: key === 'errorRatio' ? 'error' : 'success' };
    }
  }

  const boolGauge = field(indicatorRaw, 'boolGauge');
  if (isObject(boolGauge) && typeof boolGauge['selector'] === 'string') {
    const found = checkSelector(doc, [...base, 'boolGauge', 'selector'], boolGauge['selector']);
    errors.push(...found);
    if (found.length === 0) indicator = { kind: 'boolGauge', selector: boolGauge['selector'].trim() };
  }

  errors.push(...checkPeriodAndTiers(doc, spec));
  return indicator === undefined ? { errors } : { errors, indicator };
}

/** Checks of the period, the slices and the tiers, shared by SLOs and composites. */
function checkPeriodAndTiers(doc: LocatedDocument, spec: unknown): LocatedProblem[] {
  const errors: LocatedProblem[] = [];
  const period = field(spec, 'period');
  const timezone = field(period, 'timezone');
  if (typeof timezone === 'string' && !isTimeZone(timezone)) {
    errors.push({ ...doc.locate(['spec', 'period', 'timezone']), message: `unknown time zone "${timezone}"`, hint: 'use an IANA time zone name such as UTC, Europe/Berlin or America/New_York' });
  }
  const periodMs = typeof period === 'string' ? parseDuration(period) : isObject(period) ? nominalCalendar(period['calendar']) : parseDuration('30d');

  const budgeting = field(spec, 'budgeting');
  const slice = field(field(budgeting, 'timeslices') ?? field(budgeting, 'ratioTimeslices'), 'slice');
  const sliceMs = typeof slice === 'string' ? parseDuration(slice) : undefined;
  if (sliceMs !== undefined && periodMs !== undefined && sliceMs > periodMs) {
    const key = isObject(budgeting) && 'timeslices' in budgeting ? 'timeslices' : 'ratioTimeslices';
    errors.push({ ...doc.locate(['spec', 'budgeting', key, 'slice']), message: 'the slice is longer than the period', hint: 'use a slice such as 1m or 5m' });
  }

  const tiers = field(field(spec, 'alerting'), 'tiers');
  if (Array.isArray(tiers)) {
    tiers.forEach((t: unknown, i) => {
      const long = field(t, 'long');
      const short = field(t, 'short');
      const longMs = typeof long === 'string' ? parseDuration(long) : undefined;
      const shortMs = typeof short === 'string' ? parseDuration(short) : undefined;
      const path: PathSegment[] = ['spec', 'alerting', 'tiers', i];
      if (longMs !== undefined && shortMs !== undefined && shortMs >= longMs) {
        errors.push({ ...doc.locate([...path, 'short']), message: `the short window (${String(short)}) must be shorter than the long window (${String(long)})`, hint: 'the workbook uses 1/12 of the long window, e.g. long: 1h, short: 5m' });
      }
      if (longMs !== undefined && periodMs !== undefined && longMs > periodMs) {
        errors.push({ ...doc.locate([...path, 'long']), message: `the long window (${String(long)}) is longer than the SLO period`, hint: 'a window cannot exceed the period; use a shorter long window' });
      }
      const disabled = field(t, 'disabled');
      if (disabled !== true && field(t, 'budgetPercent') === undefined && field(t, 'burnRate') === undefined && longMs !== undefined && periodMs !== undefined) {
        const defaults = resolveTiers(periodMs, [], true);
        const sev = field(t, 'severity');
        if (!defaults.some((d) => d.severity === sev && d.longMs === longMs)) {
          errors.push({ ...doc.locate(path), message: 'a new tier needs budgetPercent or burnRate', hint: `no default ${String(sev)} tier has a ${String(long)} long window; add e.g. budgetPercent: 2` });
        }
      }
    });
  }
  return errors;
}

function nominalCalendar(unit: unknown): number | undefined {
  if (unit !== 'day' && unit !== 'week' && unit !== 'month' && unit !== 'quarter' && unit !== 'year') return undefined;
  return nominalPeriodMs({ kind: 'calendar', unit, timezone: 'UTC' });
}

export { isTimeZone };

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function field(v: unknown, key: string): unknown {
  return isObject(v) ? v[key] : undefined;
}
