import type { OpenMetricsSeries } from './openmetrics.js';

/**
 * November 2026 for the report tests and docs/sample-report.*: request counters of checkout (10 req/s, 0.05 %
 * errors, and an incident of 30 % errors on November 22nd from 02:00 to 02:30 UTC) and of storefront's two
 * routes (/cart 5 req/s with a 20-minute incident of 25 % errors on November 9th, /products 20 req/s), one
 * sample a minute from late September (the ledger reads a period and the longest window before the range) to
 * the month's end. SLO files: test/fixtures/report/.
 */

export const MONTH = '2026-11';
export const TIMEZONE = 'Europe/Berlin';
const MINUTE = 60_000;
export const HISTORY_FROM = Date.parse('2026-09-25T00:00:00Z');
export const HISTORY_TO = Date.parse('2026-12-01T00:00:00Z');
export const CHECKOUT_INCIDENT = { fromMs: Date.parse('2026-11-22T02:00:00Z'), toMs: Date.parse('2026-11-22T02:30:00Z'), errorShare: 0.3 };
export const CART_INCIDENT = { fromMs: Date.parse('2026-11-09T14:00:00Z'), toMs: Date.parse('2026-11-09T14:20:00Z'), errorShare: 0.25 };

interface Service {
  readonly labels: Readonly<Record<string, string>>;
  readonly rps: number;
  readonly errorShare: (t: number) => number;
}

const inside = (incident: { fromMs: number; toMs: number }, t: number): boolean => t > incident.fromMs && t <= incident.toMs;

export const SERVICES: readonly Service[] = [
  { labels: { service: 'checkout' }, rps: 10, errorShare: (t) => (inside(CHECKOUT_INCIDENT, t) ? CHECKOUT_INCIDENT.errorShare : 0.0005) },
  { labels: { service: 'storefront', route: '/cart' }, rps: 5, errorShare: (t) => (inside(CART_INCIDENT, t) ? CART_INCIDENT.errorShare : 0.001) },
  { labels: { service: 'storefront', route: '/products' }, rps: 20, errorShare: () => 0.001 },
];

/** `http_requests_total{..., code="200"|"500"}`: the increments of the minute ending at each sample. */
export function monthSeries(fromMs = HISTORY_FROM, toMs = HISTORY_TO): OpenMetricsSeries[] {
  const out: OpenMetricsSeries[] = [];
  for (const s of SERVICES) {
    const ok: [number, number][] = [];
    const err: [number, number][] = [];
    let okCount = 0;
    let errCount = 0;
    for (let t = fromMs; t <= toMs; t += MINUTE) {
      if (t > fromMs) {
        const n = s.rps * 60;
        const bad = n * s.errorShare(t);
        errCount += bad;
        okCount += n - bad;
      }
      ok.push([t, Math.round(okCount * 1000) / 1000]);
      err.push([t, Math.round(errCount * 1000) / 1000]);
    }
    out.push({ name: 'http_requests_total', type: 'counter', labels: { ...s.labels, code: '200' }, samples: ok });
    out.push({ name: 'http_requests_total', type: 'counter', labels: { ...s.labels, code: '500' }, samples: err });
  }
  return out;
}
