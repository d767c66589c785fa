import { DAY, formatDuration } from '../../slo/duration.js';
import { errorBudget } from '../../slo/model.js';
import type { AlertingPolicy, Indicator, SeverityPolicy, Slo, SpecFormat } from '../../slo/model.js';
import { tierCanFire, tiersFromCatalog } from '../../slo/windows.js';
import { SLO_NAME_RE } from '../common-schema.js';
import type { DetectedObject, ReadOptions } from '../readers.js';
import type { LoadedSlo, ReadResult } from '../loaded.js';
import type { Location, LocatedDocument, PathSegment, LocatedProblem } from '../located.js';
import { DEFAULT_ALERT_NAME } from '../native/to-model.js';
import { checkWindowTemplate } from '../query-checks.js';
import type { WindowsForPeriod } from './alert-windows.js';
import { readCatalogs, windowsForPeriod } from './alert-windows.js';
import { headerError, parseLenient } from './decode.js';
import { ALERT_WINDOWS_KIND, CAMEL_CASE_KEYS, SLOTH_API_V1, SNAKE_CASE_KEYS, SlothPrometheusV1, SlothServiceLevel } from './schema.js';
import type { DialectKeys, DialectServiceLevel, SeverityAlert, SloPlugins } from './schema.js';

/** Sloth's default SLO period (`sloth generate --default-slo-period`). */
export const SLOTH_DEFAULT_PERIOD_MS = 30 * DAY;

/** One of the two SLO dialects: snake_case (prometheus/v1) at the root, camelCase (CRD) under `spec`. */
interface Dialect extends DialectKeys {
  readonly format: SpecFormat;
  /** Where `service`, `labels` and `slos` live: the document root or `spec`. */
  readonly root: readonly PathSegment[];
}

const PROMETHEUS_DIALECT: Dialect = { format: 'sloth/prometheus-v1', root: [], ...SNAKE_CASE_KEYS };

const CRD_DIALECT: Dialect = { format: 'sloth/kubernetes-v1', root: ['spec'], ...CAMEL_CASE_KEYS };

/** One Sloth service level (a file or CRD object) with the dialect differences removed. */
interface ServiceLevel {
  readonly service: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly sloPlugins: SloPlugins | undefined;
  readonly slos: readonly SlothSlo[];
}

interface SlothSlo {
  readonly name: string;
  readonly description: string | undefined;
  readonly objective: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly plugins: SloPlugins | undefined;
  readonly sli: {
    readonly events: { readonly errorQuery: string; readonly totalQuery: string } | undefined;
    readonly raw: { readonly errorRatioQuery: string } | undefined;
    readonly plugin: { readonly id: string } | undefined;
  };
  readonly alerting: {
    readonly name: string | undefined;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
    readonly page: SeverityAlert | undefined;
    readonly ticket: SeverityAlert | undefined;
  } | undefined;
}

/** A service level of either dialect, read by that dialect's key names. */
function fromDialect<E extends string, T extends string, R extends string, P extends string, K extends string, S extends string>(
  level: DialectServiceLevel<E, T, R, P, K, S>,
  keys: DialectKeys<E, T, R, P, K, S>,
): ServiceLevel {
  return {
    service: level.service,
    labels: level.labels ?? {},
    sloPlugins: level[keys.sloPlugins],
    slos: level.slos.map((slo) => ({
      name: slo.name,
      description: slo.description,
      objective: slo.objective,
      labels: slo.labels ?? {},
      plugins: slo.plugins,
      sli: {
        events: slo.sli.events && { errorQuery: slo.sli.events[keys.errorQuery], totalQuery: slo.sli.events[keys.totalQuery] },
        raw: slo.sli.raw && { errorRatioQuery: slo.sli.raw[keys.errorRatioQuery] },
        plugin: slo.sli.plugin,
      },
      alerting: slo.alerting && {
        name: slo.alerting.name,
        labels: slo.alerting.labels ?? {},
        annotations: slo.alerting.annotations ?? {},
        page: slo.alerting[keys.pageAlert],
        ticket: slo.alerting[keys.ticketAlert],
      },
    })),
  };
}

/**
 * Reads every Sloth object of one load: AlertWindows catalogs first (`alert-windows.ts`: they apply to all SLO
 * files of the same load), then the service levels with the windows of their period.
 */
export function readSloth(objects: readonly DetectedObject[], options: ReadOptions): ReadResult {
  const out: ReadResult = { slos: [], errors: [] };
  const { catalogs, errors } = readCatalogs(objects);
  out.errors.push(...errors);
  const periodMs = options.defaultPeriodMs ?? SLOTH_DEFAULT_PERIOD_MS;
  const windows = windowsForPeriod(catalogs, periodMs);

  for (const o of objects) {
    if (o.format === 'sloth/alert-windows-v1') continue;
    const r = readServiceLevel(o, periodMs, windows);
    out.slos.push(...r.slos);
    out.errors.push(...r.errors);
  }
  return out;
}

function readServiceLevel(o: DetectedObject, periodMs: number, windows: WindowsForPeriod | undefined): ReadResult {
  const header = headerError(o);
  if (header) return { slos: [], errors: [header] };
  const dialect = o.format === 'sloth/kubernetes-v1' ? CRD_DIALECT : PROMETHEUS_DIALECT;
  let level: ServiceLevel | undefined;
  const errors: LocatedProblem[] = [];
  if (dialect === CRD_DIALECT) {
    const parsed = parseLenient(SlothServiceLevel, o.doc, o.value);
    errors.push(...parsed.errors);
    if (parsed.data) level = fromDialect(parsed.data.spec, CAMEL_CASE_KEYS);
  } else {
    const parsed = parseLenient(SlothPrometheusV1, o.doc, o.value);
    errors.push(...parsed.errors);
    if (parsed.data) level = fromDialect(parsed.data, SNAKE_CASE_KEYS);
  }
  if (level === undefined) return { slos: [], errors };
  const doc = o.doc;
  const at = (...path: PathSegment[]): Location => doc.locate([...dialect.root, ...path]);

  const groupErrors: LocatedProblem[] = [];
  if (level.slos.length === 0) groupErrors.push({ ...at('slos'), message: 'the file has no SLOs', hint: 'add at least one SLO under slos' });
  groupErrors.push(...nameErrors(level.service, 'service', at('service')));
  groupErrors.push(...labelErrors(level.labels, (k) => at('labels', k), 'label'));
  groupErrors.push(...pluginErrors(level.sloPlugins, (j) => at(dialect.sloPlugins, 'chain', j, 'id')));
  if (windows === undefined) {
    const period = periodMs % DAY === 0 ? `${periodMs / DAY}d` : formatDuration(periodMs);
    groupErrors.push({
      ...doc.locate([]),
      message: `window period ${period} missing: no alert windows are known for a ${period} SLO period`,
      hint: `add an AlertWindows file for it (apiVersion: ${SLOTH_API_V1}, kind: ${ALERT_WINDOWS_KIND}, spec.sloPeriod: ${period}) to the files you load, or use the built-in 30d or 28d period`,
    });
  }
  errors.push(...groupErrors);

  const slos: LoadedSlo[] = [];
  level.slos.forEach((slo, i) => {
    const r = readSlo(doc, dialect, level, slo, i, periodMs, windows);
    errors.push(...r.errors);
    if (r.slo) slos.push(r.slo);
  });
  // Like the native format: a document with any error yields no SLOs, so nothing half-read is evaluated.
  return errors.some((e) => e.severity !== 'warning') ? { slos: [], errors } : { slos, errors };
}

function readSlo(doc: LocatedDocument, dialect: Dialect, level: ServiceLevel, slo: SlothSlo, i: number, periodMs: number, windows: WindowsForPeriod | undefined): { slo?: LoadedSlo; errors: LocatedProblem[] } {
  const base: PathSegment[] = [...dialect.root, 'slos', i];
  const at = (...path: PathSegment[]): Location => doc.locate([...base, ...path]);
  const errors: LocatedProblem[] = [];

  errors.push(...nameErrors(slo.name, 'name', at('name')));
  errors.push(...objectiveErrors(slo.objective, at('objective')));
  errors.push(...labelErrors(slo.labels, (k) => at('labels', k), 'label'));
  errors.push(...pluginErrors(slo.plugins, (j) => at('plugins', 'chain', j, 'id')));

  const indicator = readIndicator(doc, dialect, base, slo, errors);

  const alerting = slo.alerting;
  const pageOn = alerting !== undefined && alerting.page?.disable !== true;
  const ticketOn = alerting !== undefined && alerting.ticket?.disable !== true;
  if (alerting === undefined) {
    errors.push({
      ...at('name'),
      severity: 'warning',
      message: 'the SLO has no alerting section, so burnwatch loads it without alerts',
      hint: 'Sloth rejects this (its page and ticket alerts are on by default and need alerting.name); add alerting with a name, or disable page and ticket alerts explicitly',
    });
  } else {
    if ((pageOn || ticketOn) && (alerting.name === undefined || alerting.name === '')) {
      errors.push({
        ...at('alerting', ...(alerting.name === undefined ? [] : ['name'])),
        message: 'alerting.name is required while page or ticket alerts are enabled',
        hint: `give the alert name, e.g. name: MyServiceHighErrorRate, or set ${dialect.pageAlert}.disable and ${dialect.ticketAlert}.disable to true`,
      });
    } else if (alerting.name !== undefined && (pageOn || ticketOn) && !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(alerting.name)) {
      errors.push({
        ...at('alerting', 'name'),
        severity: 'warning',
        message: `alert name "${alerting.name}" is not a classic Prometheus metric name`,
        hint: 'Prometheus before 3.0 rejects such alert names in rule files; use letters, digits, _ and :',
      });
    }
    if (pageOn || ticketOn) {
      errors.push(...labelErrors(alerting.labels, (k) => at('alerting', 'labels', k), 'alert label'));
      errors.push(...annotationErrors(alerting.annotations, (k) => at('alerting', 'annotations', k)));
    }
    for (const [on, key, policy] of [[pageOn, dialect.pageAlert, alerting.page], [ticketOn, dialect.ticketAlert, alerting.ticket]] as const) {
      if (!on || policy === undefined) continue;
      errors.push(...labelErrors(policy.labels ?? {}, (k) => at('alerting', key, 'labels', k), 'alert label'));
      errors.push(...annotationErrors(policy.annotations ?? {}, (k) => at('alerting', key, 'annotations', k)));
    }
  }

  if (indicator === undefined || windows === undefined || errors.some((e) => e.severity !== 'warning')) return { errors };

  const severity = (on: boolean, s: SeverityAlert | undefined): SeverityPolicy => ({
    enabled: on,
    labels: on ? (s?.labels ?? {}) : {},
    annotations: on ? (s?.annotations ?? {}) : {},
  });
  const annotations = alerting?.annotations ?? {};
  const runbookKey = ['runbook_url', 'runbook'].find((k) => isHttpUrl(annotations[k]));
  const runbook = runbookKey === undefined ? undefined : annotations[runbookKey];
  // A tier whose threshold is an error ratio of 100 % or more can never fire (e.g. 14.4 x 10 % budget at a
  // 90 % objective). Sloth still writes it; burnwatch leaves it out with a warning, so the file stays valid.
  const budget = errorBudget(slo.objective);
  const tiers = tiersFromCatalog(windows.catalog, periodMs).filter((t) => {
    if (tierCanFire(t, budget)) return true;
    if (t.severity === 'page' ? pageOn : ticketOn) {
      errors.push({
        ...at('objective'),
        severity: 'warning',
        message: `the ${t.severity} alert on ${formatDuration(t.shortMs)}/${formatDuration(t.longMs)} can never fire with objective ${slo.objective}: its threshold ${t.factor} x ${Math.round(budget * 1e6) / 1e6} is an error ratio of 100 % or more, so burnwatch leaves it out`,
        hint: 'nothing changes: under Sloth this condition could not fire either; a higher objective or an AlertWindows catalog with a smaller errorBudgetPercent gives a tier that can',
      });
    }
    return false;
  });
  const policy: AlertingPolicy = {
    name: alerting?.name !== undefined && alerting.name !== '' ? alerting.name : DEFAULT_ALERT_NAME,
    ...(runbook === undefined ? {} : { runbook }),
    labels: alerting?.labels ?? {},
    annotations,
    minEvents: 0,
    keepFiringForMs: 0,
    tiers,
    page: severity(pageOn, alerting?.page),
    ticket: severity(ticketOn, alerting?.ticket),
  };
  const model: Slo = {
    id: `${level.service}-${slo.name}`,
    name: slo.name,
    service: level.service,
    ...(slo.description === undefined ? {} : { description: slo.description }),
    labels: { ...level.labels, ...slo.labels },
    objective: slo.objective,
    period: { kind: 'rolling', durationMs: periodMs },
    budgeting: { kind: 'occurrences' },
    indicator,
    groupBy: [],
    alerting: policy,
    maintenance: [],
    source: { file: doc.file, document: doc.index, format: dialect.format },
  };
  const locations: Record<string, Location> = {
    id: at('name'),
    objective: at('objective'),
    period: doc.locate([]),
    alerting: alerting === undefined ? at('name') : at('alerting'),
  };
  if (runbookKey !== undefined) locations['runbook'] = at('alerting', 'annotations', runbookKey);
  if (slo.sli.events) {
    locations['query:events'] = at('sli', 'events', dialect.errorQuery);
    locations['query:total'] = at('sli', 'events', dialect.totalQuery);
  }
  if (slo.sli.raw) locations['query:ratio'] = at('sli', 'raw', dialect.errorRatioQuery);
  for (const t of tiers) {
    const where = windows.at.get(t.name);
    if (where) locations[`tier:${t.name}`] = where;
  }
  return { slo: { slo: model, at: locations }, errors };
}

function readIndicator(doc: LocatedDocument, dialect: Dialect, base: readonly PathSegment[], slo: SlothSlo, errors: LocatedProblem[]): Indicator | undefined {
  const sliPath: PathSegment[] = [...base, 'sli'];
  const { events, raw, plugin } = slo.sli;
  const kinds = [events && 'events', raw && 'raw', plugin && 'plugin'].filter((k): k is string => typeof k === 'string');
  if (kinds.length === 0) {
    errors.push({ ...doc.locate(sliPath), message: 'the SLI is empty', hint: `give one of events (${dialect.errorQuery} and ${dialect.totalQuery}) or raw (${dialect.errorRatioQuery})` });
    return undefined;
  }
  if (kinds.length > 1) {
    errors.push({ ...doc.locate([...sliPath, kinds[1] ?? '']), message: `the SLI has both ${kinds[0]} and ${kinds[1]}`, hint: 'keep exactly one SLI type: events, raw or plugin' });
    return undefined;
  }
  if (plugin) {
    errors.push({
      ...doc.locate([...sliPath, 'plugin', 'id']),
      message: `SLI plugin "${plugin.id}" is not supported: Sloth SLI plugins are Go code, which burnwatch does not run`,
      hint: `write the query the plugin generates as sli.raw.${dialect.errorRatioQuery} (or sli.events) with {{.window}}; the plugin's documentation shows it`,
    });
    return undefined;
  }
  if (events) {
    const errorPath: PathSegment[] = [...sliPath, 'events', dialect.errorQuery];
    const totalPath: PathSegment[] = [...sliPath, 'events', dialect.totalQuery];
    const found = [...checkWindowTemplate(doc, errorPath, events.errorQuery), ...checkWindowTemplate(doc, totalPath, events.totalQuery)];
    if (events.errorQuery.trim() === events.totalQuery.trim()) {
      found.push({ ...doc.locate(totalPath), message: `${dialect.errorQuery} and ${dialect.totalQuery} are the same query`, hint: `${dialect.errorQuery} counts the failed events, ${dialect.totalQuery} all events` });
    }
    errors.push(...found);
    if (found.length > 0) return undefined;
    return {
      kind: 'events',
      count: 'bad',
      events: { kind: 'template', template: events.errorQuery.trim() },
      total: { kind: 'template', template: events.totalQuery.trim() },
    };
  }
  if (raw) {
    const found = checkWindowTemplate(doc, [...sliPath, 'raw', dialect.errorRatioQuery], raw.errorRatioQuery);
    errors.push(...found);
    if (found.length > 0) return undefined;
    return { kind: 'ratio', template: raw.errorRatioQuery.trim(), meaning: 'error' };
  }
  return undefined;
}

function nameErrors(value: string, field: 'service' | 'name', at: Location): LocatedProblem[] {
  if (value === '') {
    return [{ ...at, message: `${field} is empty`, hint: field === 'service' ? 'give the service name, e.g. service: myservice' : 'give the SLO a name, e.g. name: requests-availability' }];
  }
  if (!SLO_NAME_RE.test(value)) {
    return [{ ...at, message: `${field} "${value}" is not a valid name`, hint: 'use letters, digits, "-", "_" and ".", starting and ending with a letter or digit' }];
  }
  return [];
}

function objectiveErrors(objective: number, at: Location): LocatedProblem[] {
  if (!Number.isFinite(objective) || objective <= 0) {
    return [{ ...at, message: `objective ${objective} must be above 0`, hint: 'the objective is a percentage, e.g. 99.9' }];
  }
  if (objective > 100) {
    return [{ ...at, message: `objective ${objective} is above 100`, hint: 'the objective is a percentage between 0 and 100, e.g. 99.9' }];
  }
  if (objective === 100) {
    return [{ ...at, message: 'objective 100 leaves no error budget', hint: 'Sloth accepts it, but every error would exhaust the budget and burn rates would be infinite; use e.g. 99.99' }];
  }
  return [];
}

const CLASSIC_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Sloth's label checks (`pkg/common/validation/promql.go`): names not `__name__` and non-empty, values non-empty. */
function labelErrors(labels: Readonly<Record<string, string>>, at: (key: string) => Location, what: string): LocatedProblem[] {
  const errors: LocatedProblem[] = [];
  for (const [k, v] of Object.entries(labels)) {
    if (k === '' || k === '__name__') {
      errors.push({ ...at(k), message: `${what} name ${JSON.stringify(k)} is not allowed`, hint: 'rename the label, e.g. team' });
    } else if (!CLASSIC_LABEL_NAME.test(k)) {
      errors.push({ ...at(k), severity: 'warning', message: `${what} name "${k}" is not a classic Prometheus label name`, hint: 'Prometheus before 3.0 rejects it in rule files; use letters, digits and underscores' });
    }
    if (v === '') errors.push({ ...at(k), message: `${what} "${k}" has an empty value`, hint: 'give a value or remove the label' });
  }
  return errors;
}

function annotationErrors(annotations: Readonly<Record<string, string>>, at: (key: string) => Location): LocatedProblem[] {
  const errors: LocatedProblem[] = [];
  for (const [k, v] of Object.entries(annotations)) {
    if (k === '') errors.push({ ...at(k), message: 'annotation name is empty', hint: 'name the annotation, e.g. summary' });
    if (v === '') errors.push({ ...at(k), message: `annotation "${k}" has an empty value`, hint: 'give a value or remove the annotation' });
  }
  return errors;
}

function pluginErrors(plugins: SloPlugins | undefined, at: (index: number) => Location): LocatedProblem[] {
  const chain = plugins?.chain ?? [];
  // One error per distinct plugin id of a chain (Sloth examples repeat `sloth.dev/core/debug/v1` five times).
  return chain.filter((p, j) => chain.findIndex((q) => q.id === p.id) === j).map((p) => ({
    ...at(chain.indexOf(p)),
    message: `SLO plugin "${p.id}" is not supported: Sloth SLO plugins are Go code, which burnwatch does not run`,
    hint: 'remove the plugin chain; burnwatch generates its own rules, so the plugin\'s changes to Sloth\'s rules are not reproduced',
  }));
}

function isHttpUrl(value: string | undefined): boolean {
  if (value === undefined) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
