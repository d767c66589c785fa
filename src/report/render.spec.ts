import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sloModel } from '../../test/support/slo-model.js';
import type { WindowSum } from '../slo/evaluate.js';
import { buildReport } from './build.js';
import type { InstanceHistory, Report } from './model.js';
import { monthRange } from './range.js';
import { csvField, renderCsv } from './render-csv.js';
import { renderHtml } from './render-html.js';
import { renderJson } from './render-json.js';
import { renderMarkdown } from './render-markdown.js';

/** The report of November 2026 (Berlin) with one incident on checkout and a hostile SLO name, in every format. */

const HOUR = 3_600_000;
const at = (iso: string): number => Date.parse(iso);
const range = monthRange('2026-11', 'Europe/Berlin');
const INCIDENT = [at('2026-11-22T02:00:00Z'), at('2026-11-22T02:30:00Z')] as const;

function history(id: string, over: Partial<InstanceHistory> = {}): InstanceHistory {
  const overlap = (a: number, b: number) => Math.max(0, Math.min(b, INCIDENT[1]) - Math.max(a, INCIDENT[0]));
  return {
    slo: sloModel({ id, name: id }),
    labels: {},
    sumBetween: (a, b): WindowSum => ({ bad: (overlap(a, b) / HOUR) * 300, total: ((b - a) / HOUR) * 1000, sliceBad: 0, slices: 0, dataSlots: 1 }),
    budgetAt: () => ({ remaining: 0.75, consumed: 0.25, timeToExhaustionMs: null, errorRatio: 0, events: 1, periodStartMs: 0, periodEndMs: 0 }),
    transitions: [
      { severity: 'page', atMs: at('2026-11-22T02:04:00Z'), from: 'inactive', to: 'firing' },
      { severity: 'page', atMs: at('2026-11-22T02:42:30Z'), from: 'firing', to: 'inactive' },
    ],
    corrections: [],
    warnings: [],
    ...over,
  };
}

function report(): Report {
  const hostile = history('storefront', {
    slo: sloModel({ id: 'storefront', name: 'storefront', displayName: 'Store <script>alert(1)</script> | "front", =cmd', service: 'shop,front' }),
    labels: { route: '/cart"\n,x' },
    transitions: [],
  });
  return buildReport(range, [history('checkout-availability'), hostile], { groupBy: 'service', source: 'Prometheus http://127.0.0.1:9090' });
}

/** The JSON contract, written from the issue independently of the code. */
const Episode = z.object({ start: z.iso.datetime(), end: z.iso.datetime() }).passthrough();
const Fraction = z.number().nullable();
const JsonReport = z.object({
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  slos: z.array(z.object({
    id: z.string(),
    labels: z.record(z.string(), z.string()),
    objective: z.number(),
    sli: Fraction,
    budgetSpent: Fraction,
    budgetRemaining: Fraction,
    pages: z.array(Episode),
    tickets: z.array(Episode),
    corrections: z.array(z.unknown()),
  }).passthrough()),
}).passthrough();

describe('report formats', () => {
  it('json: follows the contract; the incident is a page of 38 min 30 s', () => {
    const parsed = JsonReport.parse(JSON.parse(renderJson(report())));
    expect(parsed.from).toBe('2026-10-31T23:00:00Z');
    expect(parsed.to).toBe('2026-11-30T23:00:00Z');
    const checkout = parsed.slos.find((s) => s.id === 'checkout-availability')!;
    expect(checkout.pages).toEqual([expect.objectContaining({ start: '2026-11-22T02:04:00Z', end: '2026-11-22T02:42:30Z', durationSeconds: 2310 })]);
    // 720 h x 1,000 events; 150 bad: SLI 1 - 150 / 720,000.
    expect(checkout.sli).toBeCloseTo(1 - 150 / 720_000, 12);
    expect(checkout.budgetRemaining).toBe(0.75);
    expect(checkout.objective).toBe(99.9);
    expect(checkout.corrections).toEqual([]);
  });

  it('csv: a header and one row per instance that a CSV parser reads back, quoting included', () => {
    const rows = parse<Record<string, string>>(renderCsv(report()), { columns: true, record_delimiter: "\r\n" });
    expect(rows).toHaveLength(2);
    const checkout = rows.find((r) => r['slo'] === 'checkout-availability')!;
    expect(checkout).toMatchObject({ group: 'checkout', objective: '99.9', pages: '1', page_firing_seconds: '2310', tickets: '0', from: '2026-10-31T23:00:00Z', to: '2026-11-30T23:00:00Z' });
    expect(Number(checkout['budget_spent'])).toBeCloseTo(150 / 720, 9);
    const store = rows.find((r) => r['slo'] === 'storefront')!;
    expect(store['service']).toBe('shop,front');
    expect(JSON.parse(store['labels']!)).toEqual({ route: '/cart"\n,x' });
  });

  it('csv fields: RFC 4180 quoting, and no formula a spreadsheet would run', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField(-0.25)).toBe('-0.25');
    expect(csvField(null)).toBe('');
  });

  it('markdown: the summary, the instance table and the page with its times in Berlin and its duration', () => {
    const md = renderMarkdown(report());
    expect(md).toContain('# Error-budget report: 2026-11');
    expect(md).toContain('- Range: 2026-11-01 00:00 to 2026-12-01 00:00 (Europe/Berlin)');
    expect(md).toMatch(/^\| checkout \| 1 \| 1 \/ 0 \| 1 \| 38m30s \| 0 \| 99\.979 % \| 75\.0 % \| 0 \|$/m);
    // 03:04 and 03:42 in Berlin (UTC+1). The page saw 26 of the incident's 30 minutes: 26/60 x 300 = 130 bad
    // events of the range's budget of 720 = 18.1 %.
    expect(md).toContain('| 2026-11-22 03:04 | 2026-11-22 03:42 | 38m30s | 18.1 % |');
    expect(md).toContain('Pages: 1, mean time to resolve 38m30s.');
    expect(md).toContain('Corrections: none.');
    // Text from SLO files cannot make markup or break a table.
    expect(md).toContain('Store \\<script\\>alert(1)\\</script\\> \\| "front", =cmd');
    expect(md).not.toMatch(/<script>/);
    for (const line of md.split('\n').filter((l) => l.startsWith('| Store'))) expect(line.split(/(?<!\\)\|/)).toHaveLength(11);
  });

  it('html: self-contained, escaped, with one chart per instance and its data', () => {
    const html = renderHtml(report(), { uplotScript: 'window.uPlot = function () {}; // </script> inside', uplotStyle: '.uplot { display: block }' });
    expect(html).toContain('<h1>Error-budget report: 2026-11</h1>');
    expect(html).toContain('<td>2026-11-22 03:04</td><td>2026-11-22 03:42</td><td class="num">38m30s</td><td class="num">18.1 %</td>');
    expect(html).toContain('Store &lt;script&gt;alert(1)&lt;/script&gt; | &quot;front&quot;, =cmd');
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//);
    expect(html).toContain("default-src 'none'");
    expect(html.match(/data-chart="\d+"/g)).toHaveLength(2);
    // The library's text cannot end its script element early.
    expect(html).toContain('// <\\/script> inside');
    const data = JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]!) as { timezone: string; charts: { t: number[]; budget: (number | null)[] }[] };
    expect(data.timezone).toBe('Europe/Berlin');
    expect(data.charts[0]!.t[0]).toBe(range.fromMs / 1000);
    expect(data.charts[0]!.budget[0]).toBe(75);
  });
});
