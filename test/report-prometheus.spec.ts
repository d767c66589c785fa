import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadHtmlAssets } from '../src/cli/report.js';
import { reportFromPrometheus } from '../src/engine/report-data.js';
import { loadSpecs } from '../src/formats/load.js';
import { createPrometheusSource } from '../src/metrics/prometheus/client.js';
import type { Report } from '../src/report/model.js';
import { monthRange } from '../src/report/range.js';
import { renderCsv } from '../src/report/render-csv.js';
import { renderHtml } from '../src/report/render-html.js';
import { renderMarkdown } from '../src/report/render-markdown.js';
import { parse } from 'csv-parse/sync';
import type { Browser } from './support/browser.js';
import { browserSkipReason, launchChromium } from './support/browser.js';
import { repoRoot, runCli } from './support/cli.js';
import { hasBinary, startPrometheus, toOpenMetrics } from './support/prometheus.js';
import type { RunningPrometheus } from './support/prometheus.js';
import { CHECKOUT_INCIDENT, monthSeries, MONTH, TIMEZONE } from './support/report-month.js';
import { silentLogger } from './support/logger.js';

/**
 * `burnwatch report --prometheus` for November 2026 in Berlin, against a real Prometheus holding two months of
 * request counters (backfilled by promtool) with one incident on checkout. The expected figures come from
 * Prometheus itself: the same alert conditions evaluated by its query engine step by step (when the page and
 * the ticket start and stop), and the month's SLI from `increase()` over the range.
 */

const SLOS = join(repoRoot, 'test/fixtures/report');
const MINUTE = 60_000;
const range = monthRange(MONTH, TIMEZONE);
/** burnwatch counts raw counter increments per 60 s slot and Prometheus evaluates every 60 s: the edges agree within two steps. */
const EDGE_MS = 2 * MINUTE;

let prom: RunningPrometheus | undefined;
let report: Report;

const errors = 'http_requests_total{service="checkout",code="500"}';
const total = 'http_requests_total{service="checkout"}';
const ratio = (w: string) => `(sum(increase(${errors}[${w}])) / sum(increase(${total}[${w}])))`;
const budget = (100 - 99.9) / 100;
const PAGE = `(${ratio('1h')} > ${14.4 * budget} and ${ratio('5m')} > ${14.4 * budget}) or (${ratio('6h')} > ${6 * budget} and ${ratio('30m')} > ${6 * budget})`;
const TICKET = `(${ratio('1d')} > ${3 * budget} and ${ratio('2h')} > ${3 * budget}) or (${ratio('3d')} > ${budget} and ${ratio('6h')} > ${budget})`;

/** Where Prometheus finds a condition true, every minute from `fromMs` to `toMs`: the first true step and the first false one after it. */
async function episodeByPrometheus(expr: string, fromMs: number, toMs: number): Promise<{ startMs: number; endMs: number }> {
  const url = `${prom!.url}/api/v1/query_range?${new URLSearchParams({ query: expr, start: String(fromMs / 1000), end: String(toMs / 1000), step: '60' }).toString()}`;
  const body = (await (await fetch(url)).json()) as { data: { result: { values: [number, string][] }[] } };
  const times = (body.data.result[0]?.values ?? []).map(([t]) => t * 1000);
  expect(times.length).toBeGreaterThan(0);
  const startMs = times[0]!;
  let last = startMs;
  for (const t of times) {
    if (t - last > MINUTE) break; // a second episode: not expected here
    last = t;
  }
  return { startMs, endMs: last + MINUTE };
}

async function instant(expr: string, atMs: number): Promise<number> {
  const url = `${prom!.url}/api/v1/query?${new URLSearchParams({ query: expr, time: String(atMs / 1000) }).toString()}`;
  const body = (await (await fetch(url)).json()) as { data: { result: { value: [number, string] }[] } };
  return Number(body.data.result[0]!.value[1]);
}

describe.skipIf(!hasBinary('prometheus') || !hasBinary('promtool'))('report from Prometheus: November 2026 with one incident', () => {
  beforeAll(async () => {
    prom = await startPrometheus({ openMetrics: () => toOpenMetrics(monthSeries()), backfillBlockDuration: '720h' });
    const loaded = loadSpecs([SLOS], { cwd: repoRoot });
    expect(loaded.errors).toEqual([]);
    const started = performance.now();
    ({ report } = await reportFromPrometheus(createPrometheusSource({ url: prom.url, headers: {} }), loaded.slos, range, {
      groupBy: 'service',
      slotMs: MINUTE,
      rateWindowMs: 2 * MINUTE,
      logger: { ...silentLogger, warn: (o, m) => console.warn(m, o), error: (o, m) => console.error(m, o) },
    }));
    console.log(`report of a month (3 SLO instances, 60 s slots) replayed in ${Math.round(performance.now() - started)} ms`);
  }, 600_000);
  afterAll(async () => {
    await prom?.stop();
  });

  const checkout = () => report.instances.find((i) => i.slo.id === 'checkout-availability')!;

  it('lists the incident as one page and one ticket, starting and ending where Prometheus finds the alert conditions', async () => {
    const c = checkout();
    const page = await episodeByPrometheus(PAGE, CHECKOUT_INCIDENT.fromMs - 30 * MINUTE, CHECKOUT_INCIDENT.toMs + 3 * 60 * MINUTE);
    const ticket = await episodeByPrometheus(TICKET, CHECKOUT_INCIDENT.fromMs - 30 * MINUTE, CHECKOUT_INCIDENT.toMs + 12 * 60 * MINUTE);
    expect(c.pages).toHaveLength(1);
    expect(c.tickets).toHaveLength(1);
    const [p, t] = [c.pages[0]!, c.tickets[0]!];
    expect(Math.abs(p.startMs - page.startMs)).toBeLessThanOrEqual(EDGE_MS);
    expect(Math.abs(p.endMs - page.endMs)).toBeLessThanOrEqual(EDGE_MS);
    expect(Math.abs(p.durationMs - (page.endMs - page.startMs))).toBeLessThanOrEqual(EDGE_MS);
    expect(Math.abs(t.startMs - ticket.startMs)).toBeLessThanOrEqual(EDGE_MS);
    expect(Math.abs(t.endMs - ticket.endMs)).toBeLessThanOrEqual(EDGE_MS);
    // By hand: the 30-minute incident keeps the 6h/30m page tier above 6x for about half an hour after it ends.
    expect(p.durationMs).toBeGreaterThan(50 * MINUTE);
    expect(p.durationMs).toBeLessThan(65 * MINUTE);
    expect(c.pageMttrMs).toBe(p.durationMs);
  });

  it('gives the month\'s SLI and budget as increase() over the month does', async () => {
    const c = checkout();
    const hours = (range.toMs - range.fromMs) / 3_600_000;
    const errorRatio = await instant(`sum(increase(${errors}[${hours}h])) / sum(increase(${total}[${hours}h]))`, range.toMs);
    expect(c.sli).toBeCloseTo(1 - errorRatio, 5);
    expect(c.budgetSpent).toBeCloseTo(errorRatio / budget, 2);
    // November in Berlin is 30 days, the SLO's period: the budget left at its end is what the month left.
    expect(c.budgetRemaining).toBeCloseTo(1 - errorRatio / budget, 2);
    // By hand: 0.05 % errors all month (half the budget) plus 5,400 bad requests of 25.92 million (0.208 of it).
    expect(c.budgetSpent).toBeCloseTo(0.5 + 5400 / 25_920, 2);
  });

  it('lists the weekly maintenance of storefront and totals per service', () => {
    const cart = report.instances.find((i) => i.slo.id === 'storefront-availability' && i.labels['route'] === '/cart')!;
    // Sundays 01:00 UTC in November 2026: the 1st, 8th, 15th, 22nd and 29th.
    expect(cart.maintenanceCount).toBe(5);
    expect(report.groups.map((g) => [g.key, g.instances, g.pages])).toEqual([['checkout', 1, 1], ['storefront', 2, expect.any(Number)]]);
    expect(report.warnings).toEqual([]);
  });

  it('markdown, csv and html carry the incident', () => {
    const p = checkout().pages[0]!;
    const md = renderMarkdown(report);
    expect(md).toContain('## checkout');
    expect(md).toContain(`Pages: 1, mean time to resolve`);
    // 02:0x UTC is 03:0x in Berlin.
    expect(md).toMatch(/\| 2026-11-22 03:0\d \| 2026-11-22 0[34]:\d\d \| \d+m(\d+s)? \|/);
    const rows = parse<Record<string, string>>(renderCsv(report), { columns: true, record_delimiter: '\r\n' });
    expect(rows.map((r) => r['slo'])).toEqual(['checkout-availability', 'storefront-availability', 'storefront-availability']);
    expect(Number(rows[0]!['page_firing_seconds'])).toBe(p.durationMs / 1000);
    const html = renderHtml(report, loadHtmlAssets());
    expect(html.match(/data-chart="\d+"/g)).toHaveLength(3);
    expect(html).toContain('Checkout availability');
  });

  it('the command: --month --timezone --format json follows the contract and lists the page', () => {
    const run = runCli(['report', '--prometheus', prom!.url, '--slos', SLOS, '--month', MONTH, '--timezone', TIMEZONE, '--interval', '60s', '--format', 'json'], { timeoutMs: 600_000 });
    expect(run.status, run.stderr).toBe(0);
    const json = z.object({
      from: z.literal('2026-10-31T23:00:00Z'),
      to: z.literal('2026-11-30T23:00:00Z'),
      slos: z.array(z.object({
        id: z.string(),
        labels: z.record(z.string(), z.string()),
        objective: z.number(),
        sli: z.number().nullable(),
        budgetSpent: z.number().nullable(),
        budgetRemaining: z.number().nullable(),
        pages: z.array(z.object({ start: z.iso.datetime(), end: z.iso.datetime() }).passthrough()),
        tickets: z.array(z.object({ start: z.iso.datetime(), end: z.iso.datetime() }).passthrough()),
        corrections: z.array(z.unknown()),
      }).passthrough()),
    }).passthrough().parse(JSON.parse(run.stdout));
    const c = json.slos.find((s) => s.id === 'checkout-availability')!;
    expect(c.pages).toEqual([expect.objectContaining({ start: new Date(checkout().pages[0]!.startMs).toISOString().replace('.000Z', 'Z') })]);
  }, 600_000);

  describe.skipIf(browserSkipReason() !== undefined)('the html report in Chromium', () => {
    let browser: Browser;
    let dir: string;
    beforeAll(async () => {
      browser = await launchChromium();
      dir = mkdtempSync(join(tmpdir(), 'burnwatch-report-'));
    });
    afterAll(async () => {
      await browser?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('draws a chart per SLO instance and asks for nothing outside the file', async () => {
      const file = join(dir, 'report.html');
      const run = runCli(['report', '--prometheus', prom!.url, '--slos', SLOS, '--month', MONTH, '--timezone', TIMEZONE, '--interval', '60s', '--format', 'html', '--output', file], { timeoutMs: 600_000 });
      expect(run.status, run.stderr).toBe(0);
      expect(readFileSync(file, 'utf8')).toContain('<!doctype html>');
      const requests: string[] = [];
      const errors: string[] = [];
      const page = await browser.context.newPage();
      page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      await page.goto(`file://${file}`);
      await page.locator('[data-chart] canvas').nth(2).waitFor();
      const drawn = await page.locator('[data-chart] canvas').evaluateAll((canvases) => canvases.map((el) => {
        const c = el as unknown as { width: number; height: number; toDataURL(): string; ownerDocument: { createElement(tag: 'canvas'): { width: number; height: number; toDataURL(): string } } };
        const blank = c.ownerDocument.createElement('canvas');
        blank.width = c.width;
        blank.height = c.height;
        return c.width > 0 && c.toDataURL() !== blank.toDataURL();
      }));
      expect(drawn).toEqual([true, true, true]);
      // The legend names both series of each chart.
      expect(await page.locator('.u-legend').first().innerText()).toMatch(/Budget left[\s\S]*Burn rate/);
      expect(requests).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    }, 600_000);
  });
});
