import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { DAY, MINUTE } from '../src/slo/duration.js';
import type { Slo } from '../src/slo/model.js';
import { tiersFromCatalog, catalogForPeriod } from '../src/slo/windows.js';

/**
 * The synthetic estate of the benchmark: SERVICES services x ROUTES routes, each route exporting
 * `http_requests_total{service, route, code="200"|"500"}`, scraped every SCRAPE_MS at a per-service offset (as
 * real scrape targets are spread over the interval). Traffic follows a daily cycle; errors stay at 0.05 %
 * except for a few routes with a fast burn (3 % errors around the measured cycles) or a slow burn (0.4 %
 * over the last two days), so some page and ticket alerts are active while the cycles are measured.
 *
 * SLO sets (how they share series through label matchers):
 * - 1,000 SLOs: one per (service, route), errors `http_requests_total{service="s",route="r",code="500"}` over
 *   total `http_requests_total{service="s",route="r"}`. 1,000 selectors over 2,000 series.
 * - 10,000 SLOs: the same 1,000 selectors, each with 10 objective/period variants (99, 99.5, 99.9, 99.95,
 *   99.99 % x 28 d / 30 d). Still 2,000 series: the variants differ only in what is computed from them.
 */

export const SERVICES = 200;
export const ROUTES = 5;
export const SCRAPE_MS = 2 * MINUTE;
export const METRIC = 'http_requests_total';
/** Sloth's recording of the 5-minute error ratio, written for one SLO (see `writeOpenMetrics`). */
export const SLOTH_RECORDED_5M = 'slo:sli_error:ratio_rate5m';
export const SLOTH_RECORDED_ID = 'bench-recorded';
/** Sloth's default period window: the mean of the recorded 5m ratio (its `slo:sli_error:ratio_rate<period>` rule). */
export function slothPeriodWindowExpr(period: string): string {
  const sel = `${SLOTH_RECORDED_5M}{sloth_id="${SLOTH_RECORDED_ID}"}`;
  return `sum_over_time(${sel}[${period}])\n/ ignoring (sloth_window)\ncount_over_time(${sel}[${period}])`;
}

export interface Route {
  readonly index: number;
  readonly service: string;
  readonly route: string;
}

export function routes(): Route[] {
  const out: Route[] = [];
  for (let s = 0; s < SERVICES; s++) {
    for (let r = 0; r < ROUTES; r++) out.push({ index: s * ROUTES + r, service: `svc-${String(s).padStart(3, '0')}`, route: `/api/r${r}` });
  }
  return out;
}

/** Scrape offset of a service inside the interval, in whole seconds (deterministic). */
function scrapeOffsetMs(serviceIndex: number): number {
  return ((serviceIndex * 37) % (SCRAPE_MS / 1000)) * 1000;
}

export interface Scenario {
  /** Start of the data (first scrape window) and its end (last scrape at or before). */
  readonly startMs: number;
  readonly endMs: number;
  /** The evaluation instant of the backfill: incidents are placed around it. */
  readonly t0Ms: number;
}

/** Error share of a route at time t. */
function errorShare(index: number, t: number, scenario: Scenario): number {
  if (index % 97 === 3 && t > scenario.t0Ms - 40 * MINUTE && t <= scenario.t0Ms + 90 * MINUTE) return 0.03; // fast burn: pages
  if (index % 89 === 5 && t > scenario.t0Ms - 2 * DAY) return 0.004; // slow burn: tickets
  return 0.0005;
}

/** Requests per second of a route at time t: 1-20 rps, +-40 % over the day. */
function requestRate(index: number, t: number): number {
  const base = 1 + ((index * 7919) % 20);
  const phase = (index % 24) * (Math.PI / 12);
  return base * (1 + 0.4 * Math.sin((2 * Math.PI * t) / DAY + phase));
}

/** What a route's counters add at its scrape at t: one scrape interval of requests, and the failed ones. */
function scrapeIncrement(index: number, t: number, scenario: Scenario): { requests: number; failed: number } {
  const requests = requestRate(index, t) * (SCRAPE_MS / 1000);
  return { requests, failed: requests * errorShare(index, t, scenario) };
}

/**
 * The hand count of the benchmark: the whole-numbered values of a route's two counters (as written by
 * `writeOpenMetrics`) at its last scrape at or before each of `times`. The data has no gaps and no resets, so
 * the events of (a, b] are the values at b minus those at a.
 */
export function counterValuesAt(index: number, scenario: Scenario, times: readonly number[]): { ok: number; err: number }[] {
  const offset = scrapeOffsetMs(Math.floor(index / ROUTES));
  const out = times.map(() => ({ ok: 0, err: 0 }));
  let ok = 0;
  let err = 0;
  for (let base = scenario.startMs; base + SCRAPE_MS <= scenario.endMs + SCRAPE_MS; base += SCRAPE_MS) {
    const t = base + offset;
    if (t > scenario.endMs) continue;
    const { requests, failed } = scrapeIncrement(index, t, scenario);
    // The same float operations, in the same order, as writeOpenMetrics.
    ok = ok + requests - failed;
    err = err + failed;
    times.forEach((at, k) => {
      if (t <= at) out[k] = { ok: Math.floor(ok), err: Math.floor(err) };
    });
  }
  return out;
}

/**
 * Writes the OpenMetrics text for `promtool tsdb create-blocks-from openmetrics` to `file`, streaming (the text
 * is gigabytes): timestamps in seconds, samples in time order, no blank line, `# EOF` at the end. Counters are
 * whole numbers (a fractional carry keeps the long-run rate exact). Resolves with the sample count.
 */
export async function writeOpenMetrics(file: string, scenario: Scenario): Promise<{ samples: number; series: number; bytes: number }> {
  const all = routes();
  const out = createWriteStream(file, { highWaterMark: 4 * 1024 * 1024 });
  const okPrefix = all.map((r) => `${METRIC}{code="200",route="${r.route}",service="${r.service}"} `);
  const errPrefix = all.map((r) => `${METRIC}{code="500",route="${r.route}",service="${r.service}"} `);
  const ok = new Float64Array(all.length);
  const err = new Float64Array(all.length);
  const offsets = all.map((r) => scrapeOffsetMs(Math.floor(r.index / ROUTES)));
  let samples = 0;
  let bytes = 0;
  let buffer = `# TYPE ${METRIC} counter\n`;
  const flush = async (): Promise<void> => {
    bytes += Buffer.byteLength(buffer);
    if (!out.write(buffer)) await once(out, 'drain');
    buffer = '';
  };
  // Time-major, like successive scrapes; within a scrape interval, series in order of their offset.
  const order = all.map((r) => r.index).sort((a, b) => (offsets[a] ?? 0) - (offsets[b] ?? 0));
  for (let base = scenario.startMs; base + SCRAPE_MS <= scenario.endMs + SCRAPE_MS; base += SCRAPE_MS) {
    for (const i of order) {
      const t = base + (offsets[i] ?? 0);
      if (t > scenario.endMs) continue;
      const { requests, failed } = scrapeIncrement(i, t, scenario);
      ok[i] = (ok[i] ?? 0) + requests - failed;
      err[i] = (err[i] ?? 0) + failed;
      const ts = String(t / 1000);
      buffer += `${okPrefix[i]}${Math.floor(ok[i] ?? 0)} ${ts}\n${errPrefix[i]}${Math.floor(err[i] ?? 0)} ${ts}\n`;
      samples += 2;
    }
    if (buffer.length > 2 * 1024 * 1024) await flush();
  }
  // Sloth's recorded 5m error ratio of ONE SLO, every minute (a rule evaluation interval of 1 m), so the cost of
  // Sloth's default period window (a mean of this series over 30 d) can be measured and scaled per SLO.
  const recorded = `${SLOTH_RECORDED_5M}{sloth_id="${SLOTH_RECORDED_ID}",sloth_window="5m"} `;
  buffer += `# TYPE ${SLOTH_RECORDED_5M} gauge\n`;
  for (let t = scenario.startMs + 5 * MINUTE; t <= scenario.endMs; t += MINUTE) {
    buffer += `${recorded}${errorShare(0, t, scenario)} ${t / 1000}\n`;
    samples += 1;
    if (buffer.length > 2 * 1024 * 1024) await flush();
  }
  buffer += '# EOF\n';
  await flush();
  out.end();
  await once(out, 'finish');
  return { samples, series: 2 * all.length + 1, bytes };
}

export interface SloVariant {
  readonly objective: number;
  readonly periodDays: number;
}

/** The 10 objective/period variants of the 10,000-SLO set; the 1,000-SLO set uses the first (99.9 %, 30 d). */
export const VARIANTS: readonly SloVariant[] = [
  { objective: 99.9, periodDays: 30 },
  ...[99, 99.5, 99.95, 99.99].map((objective) => ({ objective, periodDays: 30 })),
  ...[99, 99.5, 99.9, 99.95, 99.99].map((objective) => ({ objective, periodDays: 28 })),
];

export function sloId(route: Route, variant: number): string {
  return variant === 0 ? `${route.service}-r${route.route.slice(-1)}` : `${route.service}-r${route.route.slice(-1)}-v${variant}`;
}

export function errorsSelector(route: Route): string {
  return `${METRIC}{service="${route.service}",route="${route.route}",code="500"}`;
}

export function totalSelector(route: Route): string {
  return `${METRIC}{service="${route.service}",route="${route.route}"}`;
}

/** One SLO over a (service, route) selector pair. */
export function benchSlo(route: Route, variantIndex: number): Slo {
  const variant = VARIANTS[variantIndex] ?? { objective: 99.9, periodDays: 30 };
  const period = variant.periodDays * DAY;
  return {
    id: sloId(route, variantIndex),
    name: sloId(route, variantIndex),
    service: route.service,
    labels: {},
    objective: variant.objective,
    period: { kind: 'rolling', durationMs: period },
    budgeting: { kind: 'occurrences' },
    indicator: {
      kind: 'events',
      count: 'bad',
      events: { kind: 'selector', selector: errorsSelector(route) },
      total: { kind: 'selector', selector: totalSelector(route) },
    },
    groupBy: [],
    alerting: {
      name: 'SLOBurnRate',
      labels: {},
      annotations: {},
      minEvents: 0,
      keepFiringForMs: 0,
      tiers: tiersFromCatalog(catalogForPeriod(period), period),
      page: { enabled: true, labels: {}, annotations: {} },
      ticket: { enabled: true, labels: {}, annotations: {} },
    },
    maintenance: [],
    source: { file: 'bench/synthetic.ts', document: 0, format: 'burnwatch/v1' },
  };
}

/** `count` SLOs: each selector pair with the first `count / 1000` variants. */
export function sloSet(count: number): Slo[] {
  const all = routes();
  const perRoute = Math.max(1, Math.round(count / all.length));
  const out: Slo[] = [];
  for (let v = 0; v < perRoute; v++) for (const r of all) out.push(benchSlo(r, v));
  return out;
}

