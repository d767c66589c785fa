import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The demo shop: a tiny HTTP service that only pretends to serve requests. Its request counters are a pure
 * function of time (`requestCounts`), so the day of history loaded into Prometheus before it starts and the
 * live `/metrics` it serves afterwards are one continuous series, and a run is reproducible.
 */

export interface ShopRoute {
  readonly route: string;
  readonly ratePerSecond: number;
}

export interface Incident {
  readonly route: string;
  /** Epoch milliseconds. */
  readonly startMs: number;
  readonly durationMs: number;
  /** Share of the route's requests that fail (answer 500) during the incident. */
  readonly errorShare: number;
}

export interface ShopTraffic {
  readonly routes: readonly ShopRoute[];
  /** Share of requests that fail outside the incident (a healthy service is not perfect). */
  readonly baselineErrorShare: number;
  /** Epoch milliseconds from which requests are counted (the start of the history). */
  readonly sinceMs: number;
}

export const SHOP_SERVICE = 'shop';
export const METRIC = 'demo_http_requests_total';

export interface RouteCounts {
  readonly ok: number;
  readonly errors: number;
}

/**
 * Requests of `route` answered with 200 and with 500 between `traffic.sinceMs` and `atMs`, rounded down.
 * Both are computed directly (not the 200s as total minus 500s, whose rounding could make them drop), so
 * both counters only ever grow.
 */
export function requestCounts(traffic: ShopTraffic, incident: Incident | undefined, route: ShopRoute, atMs: number): RouteCounts {
  const perMs = route.ratePerSecond / 1000;
  const elapsed = Math.max(0, atMs - traffic.sinceMs);
  const base = traffic.baselineErrorShare;
  // The incident is written as a correction of the baseline, so that before it starts the result is the
  // very same floating-point number as without an incident (a count that drops by one is a counter reset).
  let overlap = 0;
  if (incident !== undefined && incident.route === route.route) {
    const from = Math.max(incident.startMs, traffic.sinceMs);
    const to = Math.min(incident.startMs + incident.durationMs, atMs);
    overlap = Math.max(0, to - from);
  }
  const extra = overlap === 0 ? 0 : (incident?.errorShare ?? base) - base;
  const ok = perMs * elapsed * (1 - base) - perMs * overlap * extra;
  const errors = perMs * elapsed * base + perMs * overlap * extra;
  return { ok: Math.floor(ok), errors: Math.floor(errors) };
}

function labelText(labels: Readonly<Record<string, string>>): string {
  return `{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
}

/** The shop's `/metrics` page (Prometheus text format 0.0.4) at `atMs`. */
export function renderMetrics(traffic: ShopTraffic, incident: Incident | undefined, atMs: number): string {
  const lines = [
    `# HELP ${METRIC} Requests answered by the demo shop, by route and status code.`,
    `# TYPE ${METRIC} counter`,
  ];
  for (const route of traffic.routes) {
    const counts = requestCounts(traffic, incident, route, atMs);
    lines.push(`${METRIC}${labelText({ service: SHOP_SERVICE, route: route.route, code: '200' })} ${counts.ok}`);
    // The 500 series exists from the start (at 0 errors if need be): a counter that first appears in the
    // middle of an incident would lose its first increase, as in Prometheus's own increase().
    lines.push(`${METRIC}${labelText({ service: SHOP_SERVICE, route: route.route, code: '500' })} ${counts.errors}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The shop's history from `traffic.sinceMs` to `toMs` (inclusive) every `stepMs`, as the OpenMetrics text
 * `promtool tsdb create-blocks-from openmetrics` reads: timestamps in seconds, samples in time order, no
 * blank line, `# EOF` at the end. `targetLabels` are the labels Prometheus adds when it scrapes the shop
 * (job, instance), so that history and live samples form the same series.
 */
export function renderHistory(traffic: ShopTraffic, toMs: number, stepMs: number, targetLabels: Readonly<Record<string, string>>): string {
  const family = METRIC.replace(/_total$/, '');
  const lines = [`# TYPE ${family} counter`];
  const series = traffic.routes.flatMap((route) => (['200', '500'] as const).map((code) => ({
    route,
    code,
    name: `${METRIC}${labelText({ ...targetLabels, service: SHOP_SERVICE, route: route.route, code })}`,
  })));
  for (let at = traffic.sinceMs; at <= toMs; at += stepMs) {
    const seconds = (at / 1000).toFixed(3);
    for (const s of series) {
      const counts = requestCounts(traffic, undefined, s.route, at);
      lines.push(`${s.name} ${s.code === '200' ? counts.ok : counts.errors} ${seconds}`);
    }
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

export interface RunningShop {
  /** `127.0.0.1:<port>` */
  readonly address: string;
  /** Sets the incident (once, before it starts; the counters stay continuous). */
  scheduleIncident(incident: Incident): void;
  countsAt(route: string, atMs: number): RouteCounts;
  close(): Promise<void>;
}

/** Starts the shop on a port of 127.0.0.1 the OS picks; `now` is the clock its counters follow. */
export async function startShop(traffic: ShopTraffic, now: () => number): Promise<RunningShop> {
  let incident: Incident | undefined;
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(renderMetrics(traffic, incident, now()));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('the demo shop serves only GET /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    scheduleIncident(next) {
      if (incident !== undefined) throw new Error('the demo shop has its incident already');
      if (next.startMs < now()) throw new Error('an incident must start in the future, or the counters would jump back');
      incident = next;
    },
    countsAt(route, atMs) {
      const r = traffic.routes.find((x) => x.route === route);
      if (r === undefined) throw new Error(`the demo shop has no route ${route}`);
      return requestCounts(traffic, incident, r, atMs);
    },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
