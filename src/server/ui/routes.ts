import type { InstanceStatus, SloStatus } from '../../engine/engine.js';
import { formatDuration, parseDuration } from '../../slo/duration.js';
import { nominalPeriodMs } from '../../slo/windows.js';
import { labelsKey } from '../../slo/labels.js';
import type { Reply } from '../http.js';
import { HttpError } from '../http.js';
import type { Route } from '../server.js';
import { route } from '../server.js';
import type { Assets } from './assets.js';
import { loadAssets } from './assets.js';
import { backtestJson, instancesJson, timelineJson } from './json.js';
import type { Backtests } from './backtest.js';
import { BACKTEST_DAYS } from './backtest.js';
import type { PageName } from './pages.js';
import { alertsBody, missingBody, overviewBody, RANGES, shell, silencesBody, sloBody } from './pages.js';
import type { StatusReader } from './reader.js';
import { computeSeries, MAX_POINTS, seriesReadStart } from './series.js';
import type { SeriesCacheLimits } from './series-cache.js';
import { SeriesCache } from './series-cache.js';

/**
 * The status page: HTML pages (`/`, `/slos/:id`, `/alerts`, `/silences`), their files under `/ui/`, and the
 * JSON they read besides the API's own (`/api/v1/instances`, `/api/v1/slos/:id/series`,
 * `/api/v1/slos/:id/timeline`, `/api/v1/slos/:id/backtest`, `/api/v1/history`). Read-only, without a token;
 * data only from the StatusReader (the ledger and the alert store), never from Prometheus, except a backtest
 * a viewer asks for (POST .../backtest: bounded, queued and kept, see backtest.ts).
 *
 * Every page is sent with a Content-Security-Policy that allows nothing but this server's own scripts,
 * styles and API (no inline code, no other origin, no framing), and files are cached for good under a
 * versioned path while pages are revalidated.
 */

export interface StatusPageOptions {
  readonly version: string;
  /** Whether silences can be created through the API (a token is configured). */
  readonly silencesWritable: boolean;
  /** How often pages refresh (default: the evaluation interval, at least 5 s). */
  readonly refreshMs?: number;
  readonly assets?: Assets;
  /** How many series answers are kept for the next request with the same inputs (default DEFAULT_SERIES_CACHE). */
  readonly seriesCache?: SeriesCacheLimits;
  /** The backtests of the SLO page's panel; without them the panel says that none can run here. */
  readonly backtests?: Backtests;
}

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Cache-Control': 'no-cache',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const HISTORY_LIMIT = 1_000;
const DELIVERY_LIMIT = 2_000;
/** Points a chart gets by default: 30 days at 5-minute steps. */
const DEFAULT_POINTS = 8_640;
const MAX_RANGE_MS = 400 * 86_400_000;

export function statusPageRoutes(reader: StatusReader, options: StatusPageOptions): Route[] {
  const assets = options.assets ?? loadAssets();
  const refreshMs = options.refreshMs ?? Math.max(5_000, reader.intervalMs);
  const seriesCache = new SeriesCache(options.seriesCache);

  const page = (root: string, name: PageName, title: string, body: string, extra: { charts?: boolean; mainData?: Record<string, string>; feeds?: Record<string, string>; status?: number } = {}): Reply => ({
    status: extra.status ?? 200,
    text: shell({ title, page: name, root, assetVersion: assets.version, refreshMs, version: options.version, body, ...(extra.charts === undefined ? {} : { charts: extra.charts }), ...(extra.mainData === undefined ? {} : { mainData: extra.mainData }), ...(extra.feeds === undefined ? {} : { feeds: extra.feeds }) }),
    contentType: 'text/html; charset=utf-8',
    headers: PAGE_HEADERS,
  });

  const sloOf = (id: string): SloStatus => {
    const status = reader.slos().find((s) => s.slo.id === id);
    if (!status) throw new HttpError(404, `no SLO with id "${id}"`, 'GET /api/v1/slos lists the loaded SLOs and their ids');
    return status;
  };

  /**
   * The series of an SLO instance over a range (GET .../series with `query`): answered, or prefetched for the
   * request an SLO page is about to make (see SeriesCache.prefetch).
   */
  function series(status: SloStatus, query: URLSearchParams, use: 'answer'): Promise<string>;
  function series(status: SloStatus, query: URLSearchParams, use: 'prefetch'): Promise<void>;
  async function series(status: SloStatus, query: URLSearchParams, use: 'answer' | 'prefetch'): Promise<string | void> {
    const labels = instanceLabels(status, query.get('instance'));
    const r = seriesRange(status, query, reader.now(), reader.intervalMs);
    const rows = await reader.ledgerRows(status.slo.id, labels, seriesReadStart(status.slo, r.fromMs), r.toMs);
    if (rows === undefined) throw new HttpError(404, `the SLO "${status.slo.id}" has no instance ${labelsKey(labels)}`, 'GET /api/v1/slos/{id} lists its instances');
    const compute = (): string => {
      const s = computeSeries(status.slo, rows, r.fromMs, r.toMs, r.stepMs);
      return compactText({
        slo: status.slo.id,
        labels,
        from: new Date(s.fromMs).toISOString(),
        to: new Date(s.toMs).toISOString(),
        step: formatDuration(s.stepMs),
        stepSeconds: s.stepMs / 1000,
        objective: status.slo.objective,
        tiers: s.tiers,
        times: s.times,
        budgetRemaining: s.budgetRemaining,
        ideal: s.ideal,
        sli: s.sli,
        burnRates: s.windows,
        maintenance: s.maintenance.map((m) => ({ start: m.startMs / 1000, end: m.endMs / 1000, reason: m.reason })),
        corrections: s.corrections.map((c) => ({ start: c.startMs / 1000, end: c.endMs / 1000, name: c.name, reason: c.reason })),
      });
    };
    const q = { slo: status.slo, labelsKey: labelsKey(labels), ...r };
    if (use === 'answer') return seriesCache.answer(q, rows, compute);
    seriesCache.prefetch(q, rows, compute);
  }

  const asset = (path: string, version: string): Reply => {
    const file = assets.files.get(path);
    if (file === undefined) throw new HttpError(404, `no such file: /ui/${version}/${path}`, 'the status page links its files itself: reload the page');
    return {
      status: 200,
      text: file.body,
      contentType: file.contentType,
      // An old version's URL gets today's file, but must not be kept.
      headers: { 'Cache-Control': version === assets.version ? 'public, max-age=31536000, immutable' : 'no-cache', 'Cross-Origin-Resource-Policy': 'same-origin' },
    };
  };

  return [
    route('/', { GET: () => page('./', 'overview', 'Overview', overviewBody()) }),
    route('/alerts', { GET: () => page('./', 'alerts', 'Alerts', alertsBody()) }),
    route('/silences', { GET: () => page('./', 'silences', 'Silences', silencesBody(options.silencesWritable)) }),
    route('/slos/:id', {
      GET: ({ params, query }) => {
        const id = params[0] ?? '';
        const status = reader.slos().find((s) => s.slo.id === id);
        if (!status) return page('../', 'missing', 'Not found', missingBody('../', `There is no SLO with the id "${id}".`), { status: 404 });
        const chosen = chooseInstance(status, query.get('instance'));
        const rangeName = query.get('range') ?? defaultRange(status);
        const range = RANGES.find(([name]) => name === rangeName) ?? RANGES.find(([name]) => name === defaultRange(status)) ?? ['1d', 86_400_000];
        const feeds = sloFeeds(status.slo.id, chosen.labels, range[1]);
        // The series is computed once the page is sent, while the browser reads it (it asks for it from the
        // page's head). A failure here is the page's own request's to report.
        setImmediate(() => {
          series(status, new URLSearchParams(seriesFeedQuery(chosen.labels, range[1])), 'prefetch').catch(() => {
            // reported by GET .../series
          });
        });
        return page('../', 'slo', status.slo.displayName ?? status.slo.name, sloBody({
          root: '../',
          status,
          instance: chosen.instance,
          labels: chosen.labels,
          range: range[0],
          step: formatDuration(defaultStepMs(range[1], reader.intervalMs)),
          ...(reader.links.prometheusUrl === undefined ? {} : { prometheusUrl: reader.links.prometheusUrl }),
          ...(reader.links.runbookBaseUrl === undefined ? {} : { runbookBaseUrl: reader.links.runbookBaseUrl }),
        }), { charts: true, mainData: { slo: status.slo.id, instance: labelsKey(chosen.labels), 'range-ms': String(range[1]), 'interval-ms': String(reader.intervalMs) }, feeds });
      },
    }),
    route('/ui/:version/:file', { GET: ({ params }) => asset(params[1] ?? '', params[0] ?? '') }),
    route('/ui/:version/vendor/:file', { GET: ({ params }) => asset(`vendor/${params[1] ?? ''}`, params[0] ?? '') }),
    route('/api/v1/instances', { GET: () => compactJson(instancesJson([...reader.slos()].sort((a, b) => (a.slo.id < b.slo.id ? -1 : a.slo.id > b.slo.id ? 1 : 0)))) }),
    route('/api/v1/history', {
      GET: async ({ query }) => {
        const now = reader.now();
        const since = optionalTime(query.get('since'), 'since') ?? now - 86_400_000;
        const histories = await Promise.all(reader.slos().map((s) => reader.history(s.slo.id, 100)));
        const events = histories
          .flatMap((list) => list.filter((h) => h.atMs >= since))
          .sort((a, b) => b.atMs - a.atMs)
          .slice(0, 500);
        return { status: 200, json: events.map((h) => ({ alert: h.alertKey, slo: h.sloId, at: new Date(h.atMs).toISOString(), from: h.from, to: h.to })) };
      },
    }),
    route('/api/v1/slos/:id/series', {
      GET: async ({ params, query }) => ({ status: 200, text: await series(sloOf(params[0] ?? ''), query, 'answer'), contentType: JSON_TYPE }),
    }),
    route('/api/v1/slos/:id/backtest', {
      GET: ({ params }) => {
        const status = sloOf(params[0] ?? '');
        const backtests = options.backtests;
        return {
          status: 200,
          json: {
            slo: status.slo.id,
            available: backtests !== undefined,
            days: BACKTEST_DAYS,
            backtests: (backtests?.list(status.slo) ?? []).map(backtestJson),
          },
        };
      },
      POST: ({ params, query }) => {
        const status = sloOf(params[0] ?? '');
        const days = Number(query.get('days'));
        if (!BACKTEST_DAYS.includes(days)) throw new HttpError(400, `days must be one of ${BACKTEST_DAYS.join(', ')}, not ${JSON.stringify((query.get('days') ?? '').slice(0, 20))}`, 'e.g. POST /api/v1/slos/{id}/backtest?days=7');
        if (options.backtests === undefined) throw new HttpError(503, 'this server runs no backtests', 'run burnwatch backtest on the SLO file instead');
        const started = options.backtests.start(status.slo, days, status.instances.length);
        if (!started.ok) throw new HttpError(started.status, started.message, started.hint, {}, started.status === 429 ? { 'Retry-After': '30' } : {});
        const done = started.backtest.state === 'done' || started.backtest.state === 'failed';
        return { status: done ? 200 : 202, json: backtestJson(started.backtest) };
      },
    }),
    route('/api/v1/slos/:id/timeline', {
      GET: async ({ params, query }) => {
        const status = sloOf(params[0] ?? '');
        const labels = instanceLabels(status, query.get('instance'));
        const now = reader.now();
        const toMs = optionalTime(query.get('to'), 'to') ?? now;
        const fromMs = optionalTime(query.get('from'), 'from') ?? toMs - (optionalDuration(query.get('range'), 'range') ?? 86_400_000);
        if (toMs < fromMs) throw new HttpError(400, 'to is before from', 'give from < to, as RFC 3339 times or unix seconds');
        const t = timelineJson(status.slo, labels, await reader.history(status.slo.id, HISTORY_LIMIT), await reader.deliveries(status.slo.id, fromMs, now, DELIVERY_LIMIT), await reader.silences(), fromMs, toMs);
        return {
          status: 200,
          json: {
            slo: status.slo.id,
            labels,
            from: new Date(fromMs).toISOString(),
            to: new Date(toMs).toISOString(),
            events: t.events,
            firing: t.firing.map((b) => ({ kind: b.kind, severity: b.severity, start: b.startMs / 1000, end: b.endMs === null ? null : b.endMs / 1000 })),
          },
        };
      },
    }),
  ];
}

/**
 * Large answers (a series, every instance) without indentation: a 30-day series is 1.8 MB compact and a third
 * more indented. Every number in them is finite or null already.
 */
function compactJson(body: unknown): Reply {
  return { status: 200, text: compactText(body), contentType: JSON_TYPE };
}

const JSON_TYPE = 'application/json; charset=utf-8';

function compactText(body: unknown): string {
  return `${JSON.stringify(body)}\n`;
}

/**
 * What the SLO page reads first (URLs relative to the page): its series over the range, its alert timeline,
 * the SLO's figures now and its release gate. The series first: it takes longest to answer, and the charts
 * wait for it and the timeline.
 */
function sloFeeds(sloId: string, labels: Readonly<Record<string, string>>, rangeMs: number): Record<string, string> {
  const base = `../api/v1/slos/${encodeURIComponent(sloId)}`;
  const query = seriesFeedQuery(labels, rangeMs);
  return { series: `${base}/series?${query}`, timeline: `${base}/timeline?${query}`, detail: base, gate: `../api/v1/gate?slo=${encodeURIComponent(sloId)}` };
}

/** The query of an SLO page's series (and timeline) feed: the instance and the range in seconds. */
function seriesFeedQuery(labels: Readonly<Record<string, string>>, rangeMs: number): string {
  return `instance=${encodeURIComponent(labelsKey(labels))}&range=${Math.round(rangeMs / 1000)}`;
}

/** The default chart range: the SLO's period, at most 30 days. */
function defaultRange(status: SloStatus): string {
  const period = nominalPeriodMs(status.slo.period);
  const fits = RANGES.filter(([, ms]) => ms <= Math.max(period, 3_600_000) && ms <= 2_592_000_000);
  return fits.at(-1)?.[0] ?? '1d';
}

/** The instance a page shows: the one named (labels as JSON), else the one with the least budget left. */
function chooseInstance(status: SloStatus, param: string | null): { instance: InstanceStatus | undefined; labels: Readonly<Record<string, string>> } {
  if (param !== null) {
    const labels = parseLabels(param);
    return { instance: status.instances.find((i) => labelsKey(i.labels) === labelsKey(labels)), labels };
  }
  const worst = [...status.instances].sort((a, b) => (a.observation.budget.remaining || 0) - (b.observation.budget.remaining || 0))[0];
  return { instance: worst, labels: worst?.labels ?? {} };
}

function parseLabels(param: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(param);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) {
    throw new HttpError(400, `instance must be the instance's labels as a JSON object, not ${JSON.stringify(param.slice(0, 100))}`, 'e.g. instance={"route":"/cart"} (percent-encoded); GET /api/v1/slos/{id} lists the instances');
  }
  return parsed as Record<string, string>;
}

/** The labels of the instance a request names; an SLO without groupBy has the one instance {}. */
function instanceLabels(status: SloStatus, param: string | null): Record<string, string> {
  if (param !== null) return parseLabels(param);
  if (status.slo.groupBy.length === 0) return {};
  throw new HttpError(400, `the SLO "${status.slo.id}" is grouped by ${status.slo.groupBy.join(', ')}: name the instance`, 'add instance={"<label>":"<value>"} (percent-encoded); GET /api/v1/slos/{id} lists the instances');
}

/** A time parameter: RFC 3339 or unix seconds (as Prometheus's API takes them). */
function optionalTime(text: string | null, name: string): number | undefined {
  if (text === null || text === '') return undefined;
  const ms = /^\d+(\.\d+)?$/.test(text) ? Math.round(Number(text) * 1000) : /^\d{4}-\d\d-\d\d/.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(ms)) throw new HttpError(400, `${name} must be an RFC 3339 time or unix seconds, not ${JSON.stringify(text.slice(0, 100))}`, `e.g. ${name}=2026-11-20T10:00:00Z or ${name}=1795168800`);
  return ms;
}

/** A duration parameter: a Prometheus duration (5m) or seconds, at least 1 s. */
function optionalDuration(text: string | null, name: string): number | undefined {
  if (text === null || text === '') return undefined;
  const ms = /^\d+(\.\d+)?$/.test(text) ? Math.round(Number(text) * 1000) : parseDuration(text);
  if (ms === undefined || ms < 1_000) throw new HttpError(400, `${name} must be a duration of at least 1s (30s, 5m) or seconds, not ${JSON.stringify(text.slice(0, 100))}`, `e.g. ${name}=5m`);
  return ms;
}

/** The step of a series over `spanMs` that asks for none: the evaluation interval, or a multiple of it that keeps the range within 8,640 points. */
function defaultStepMs(spanMs: number, intervalMs: number): number {
  return Math.max(intervalMs, Math.ceil(spanMs / DEFAULT_POINTS / intervalMs) * intervalMs);
}

/**
 * from, to and step of a series request. Defaults: to = now, from = to minus the SLO's period (at most 30
 * days), step = the evaluation interval or a multiple of it that keeps the range within 8,640 points. The
 * points are the multiples of step from the first at or after from.
 */
function seriesRange(status: SloStatus, query: URLSearchParams, nowMs: number, intervalMs: number): { fromMs: number; toMs: number; stepMs: number } {
  const to = optionalTime(query.get('to'), 'to') ?? nowMs;
  const from = optionalTime(query.get('from'), 'from') ?? to - (optionalDuration(query.get('range'), 'range') ?? Math.min(nominalPeriodMs(status.slo.period), 2_592_000_000));
  if (to <= from) throw new HttpError(400, 'to must be after from', 'give from < to, as RFC 3339 times or unix seconds');
  if (to - from > MAX_RANGE_MS) throw new HttpError(400, 'the range is longer than 400 days', 'ask for a shorter range');
  const stepMs = optionalDuration(query.get('step'), 'step') ?? defaultStepMs(to - from, intervalMs);
  const fromMs = Math.ceil(from / stepMs) * stepMs;
  const toMs = Math.floor(to / stepMs) * stepMs;
  const points = Math.floor((toMs - fromMs) / stepMs) + 1;
  if (points > MAX_POINTS) throw new HttpError(400, `${points} points: more than ${MAX_POINTS} per request`, `ask for a larger step (at least ${formatDuration(Math.ceil((to - from) / MAX_POINTS / 1000) * 1000)}) or a shorter range`);
  if (toMs < fromMs) throw new HttpError(400, 'the range holds no step', 'ask for a range longer than the step');
  return { fromMs, toMs, stepMs };
}
