import type { InstanceStatus, SloStatus } from '../../engine/engine.js';
import { runbookLink } from '../../alerting/notification.js';
import { sourceLocation } from '../api-json.js';
import { formatDuration } from '../../slo/duration.js';
import type { Slo } from '../../slo/model.js';
import { errorRatioQuery } from '../../slo/queries.js';
import { labelsKey } from '../../slo/labels.js';
import { BACKTEST_DAYS } from './backtest.js';

/**
 * The status page's HTML. Pages are small shells rendered here with what does not change while they are
 * open (names, definitions, links); the scripts fill in the live figures from the JSON API and refresh them.
 * Every value is escaped; nothing inline runs (the Content-Security-Policy forbids it): scripts and styles
 * are files, settings travel in data attributes.
 */

export type PageName = 'overview' | 'slo' | 'alerts' | 'silences' | 'missing';

export interface ShellOptions {
  readonly title: string;
  readonly page: PageName;
  /** Relative path from the page to the root (`./` or `../`), so the page works under any path prefix. */
  readonly root: string;
  readonly assetVersion: string;
  readonly refreshMs: number;
  readonly version: string;
  readonly charts?: boolean;
  readonly body: string;
  readonly mainData?: Readonly<Record<string, string>>;
  /**
   * JSON the page's script reads first, by name (URL relative to the page): the browser starts fetching it
   * while it reads the page (`<link rel="preload" as="fetch">`), and the script's fetch of the same URL is
   * answered from that request instead of waiting for the script to load (`feedUrl` in common.js).
   */
  readonly feeds?: Readonly<Record<string, string>>;
}

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

function attrs(data: Readonly<Record<string, string>>): string {
  return Object.entries(data).map(([k, v]) => ` data-${k}="${escapeHtml(v)}"`).join('');
}

const NAV: readonly [PageName, string, string][] = [
  ['overview', '', 'Overview'],
  ['alerts', 'alerts', 'Alerts'],
  ['silences', 'silences', 'Silences'],
];

export function shell(o: ShellOptions): string {
  const asset = (path: string): string => `${o.root}ui/${o.assetVersion}/${path}`;
  const nav = NAV.map(([page, href, label]) => `<a href="${o.root}${href}"${page === o.page ? ' aria-current="page"' : ''}>${label}</a>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(o.title)} · burnwatch</title>
${Object.entries(o.feeds ?? {}).map(([name, href]) => `<link rel="preload" as="fetch" crossorigin="anonymous" href="${escapeHtml(href)}" data-feed="${escapeHtml(name)}">\n`).join('')}<link rel="icon" href="${asset('favicon.svg')}" type="image/svg+xml">
${o.charts === true ? `<link rel="stylesheet" href="${asset('vendor/uPlot.min.css')}">\n<script src="${asset('vendor/uPlot.iife.min.js')}" defer></script>\n` : ''}<link rel="stylesheet" href="${asset('app.css')}">
<link rel="modulepreload" href="${asset('common.js')}">
<script type="module" src="${asset(`${o.page === 'missing' ? 'common' : o.page}.js`)}"></script>
</head>
<body data-page="${o.page}" data-root="${escapeHtml(o.root)}" data-refresh-ms="${o.refreshMs}">
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<a class="brand" href="${o.root}">burnwatch</a>
<nav class="pages" aria-label="Pages">${nav}</nav>
<p class="updated" id="updated" role="status"></p>
</header>
<main id="main" tabindex="-1"${attrs(o.mainData ?? {})}>
${o.body}
</main>
<footer class="foot">burnwatch ${escapeHtml(o.version)} · figures from the error-budget ledger, refreshed every ${Math.round(o.refreshMs / 1000)} s</footer>
</body>
</html>
`;
}

export function overviewBody(): string {
  return `<h1>Service level objectives</h1>
<form class="controls" id="controls" role="search" action="">
<label>Search <input type="search" name="q" id="q" placeholder="checkout, team=payments, route=/cart" autocomplete="off"></label>
<label>Show <select name="state" id="state">
<option value="">every instance</option><option value="firing">firing</option><option value="pending">pending</option><option value="nodata">no data</option><option value="ok">not alerting</option>
</select></label>
<label>Sort <select name="sort" id="sort">
<option value="firing">firing first, then least budget</option><option value="budget">least budget left</option><option value="burn">highest burn rate</option><option value="name">name</option>
</select></label>
</form>
<p class="summary" id="summary">Loading…</p>
<table class="slos" id="slos" role="table" aria-label="Every SLO instance: alert states, budget left, burn rate and time to exhaustion">
<thead role="rowgroup"><tr role="row">${['State', 'SLO', 'Objective', 'Budget left', 'Burn rate (1h)', 'Tiers (long / short window)', 'Exhausted in'].map((c) => `<th scope="col" role="columnheader">${c}</th>`).join('')}</tr></thead>
<tbody id="rows" role="rowgroup"></tbody>
</table>
<noscript><p>The status page needs JavaScript for its figures; the same data is at <a href="api/v1/slos">api/v1/slos</a>.</p></noscript>`;
}

/** The backtests the SLO page offers (BACKTEST_DAYS) and their buttons' words. */
const BACKTEST_CHOICES: readonly [number, string][] = BACKTEST_DAYS.map((d) => [d, d === 1 ? 'Last day' : `Last ${d} days`]);

export const RANGES: readonly [string, number][] = [['1h', 3_600_000], ['6h', 21_600_000], ['1d', 86_400_000], ['7d', 604_800_000], ['30d', 2_592_000_000], ['90d', 7_776_000_000]];

function describePeriod(slo: Slo): string {
  return slo.period.kind === 'rolling' ? `rolling ${formatDuration(slo.period.durationMs)}` : `calendar ${slo.period.unit} (${slo.period.timezone})`;
}

function describeIndicator(slo: Slo): string {
  const i = slo.indicator;
  switch (i.kind) {
    case 'events':
      return `events: ${i.count === 'bad' ? 'errors' : 'good events'} over all events`;
    case 'latency':
      return `latency: requests of ${i.histogram} faster than ${i.thresholdSeconds} s`;
    case 'ratio':
      return `ratio expression (${i.meaning} ratio)`;
    case 'boolGauge':
      return `0/1 gauge ${i.selector}`;
    case 'composite':
      return `composite (${i.method}) of ${i.children.map((c) => `${c.sloId} x${c.weight}`).join(', ')}`;
  }
}

function instanceText(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return pairs.length === 0 ? 'the whole SLO' : pairs.join(', ');
}

export function sloHref(root: string, sloId: string, labels: Readonly<Record<string, string>>, range?: string): string {
  const params = new URLSearchParams();
  if (Object.keys(labels).length > 0) params.set('instance', labelsKey(labels));
  if (range !== undefined) params.set('range', range);
  const query = params.toString();
  return `${root}slos/${encodeURIComponent(sloId)}${query === '' ? '' : `?${query}`}`;
}

function link(href: string, text: string): string {
  return `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;
}

export interface SloPageOptions {
  readonly root: string;
  readonly status: SloStatus;
  readonly instance: InstanceStatus | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly range: string;
  /** The step of the range's series (`5m`): the SLI chart's legend says it. */
  readonly step: string;
  readonly prometheusUrl?: string;
  readonly runbookBaseUrl?: string;
}

/** The SLO page: definition, links and queries here; live figures, charts and the timeline from the script. */
export function sloBody(o: SloPageOptions): string {
  const { slo } = o.status;
  const runbook = runbookLink(slo.alerting.runbook, o.runbookBaseUrl);
  const windows = [...new Set(slo.alerting.tiers.flatMap((t) => [t.longMs, t.shortMs]))].sort((a, b) => a - b);
  const indicator = slo.indicator;
  const queryRows = indicator.kind === 'composite' ? indicator.children.map((c) => `<li>child <a href="${escapeHtml(sloHref(o.root, c.sloId, o.labels, o.range))}">${escapeHtml(c.sloId)}</a>, weight ${escapeHtml(String(c.weight))}</li>`).join('\n') : windows.map((ms) => {
    const w = formatDuration(ms);
    const expr = errorRatioQuery(slo.indicator, slo.groupBy, w);
    const prom = o.prometheusUrl === undefined || o.prometheusUrl === ''
      ? ''
      : ` ${link(`${o.prometheusUrl.replace(/\/+$/, '')}/graph?${new URLSearchParams({ 'g0.expr': expr, 'g0.tab': '0', 'g0.range_input': formatDuration(Math.max(3_600_000, 4 * ms)) }).toString()}`, `open the ${w} error ratio in Prometheus`)}`;
    return `<li><span class="window">${escapeHtml(w)}</span> <code>${escapeHtml(expr)}</code>${prom}</li>`;
  }).join('\n');
  const instances = o.status.instances.length > 1 || slo.groupBy.length > 0
    ? `<nav class="instances" aria-label="Instances"><h2>Instances (grouped by ${escapeHtml(slo.groupBy.join(', '))})</h2><ul>${o.status.instances.map((i) => {
      const current = labelsKey(i.labels) === labelsKey(o.labels);
      return `<li><a href="${escapeHtml(sloHref(o.root, slo.id, i.labels, o.range))}"${current ? ' aria-current="page"' : ''}>${escapeHtml(instanceText(i.labels))}</a></li>`;
    }).join('')}</ul></nav>`
    : '';
  const ranges = RANGES.map(([name]) => `<a href="${escapeHtml(sloHref(o.root, slo.id, o.labels, name))}"${name === o.range ? ' aria-current="true"' : ''}>${name}</a>`).join('');
  const tierCharts = slo.alerting.tiers.map((t) => `<figure class="chart-box">
<figcaption><strong>${escapeHtml(t.severity)}</strong> tier ${escapeHtml(t.name)}: fires when the ${escapeHtml(formatDuration(t.longMs))} and the ${escapeHtml(formatDuration(t.shortMs))} burn rates are both above ${escapeHtml(String(Math.round(t.factor * 100) / 100))}×${t.forMs > 0 ? ` for ${escapeHtml(formatDuration(t.forMs))}` : ''} (log scale)</figcaption>
<div class="chart" data-chart="burn-rate" data-tier="${escapeHtml(t.name)}" data-long-window="${escapeHtml(formatDuration(t.longMs))}" data-short-window="${escapeHtml(formatDuration(t.shortMs))}" data-threshold="${t.factor}" role="img" aria-label="Burn rate of tier ${escapeHtml(t.name)} over time"></div>
</figure>`).join('\n');
  const facts: [string, string][] = [
    ['Service', escapeHtml(slo.service)],
    ['Objective', `${escapeHtml(String(slo.objective))}% over a ${escapeHtml(describePeriod(slo))} period`],
    ['Budgeting', escapeHtml(slo.budgeting.kind)],
    ['Indicator', escapeHtml(describeIndicator(slo))],
    ['Instance', escapeHtml(instanceText(o.labels))],
    ['Alert name', escapeHtml(slo.alerting.name)],
    ['Runbook', runbook !== undefined ? link(runbook, runbook) : slo.alerting.runbook !== undefined ? `<code>${escapeHtml(slo.alerting.runbook)}</code>` : 'none'],
    ['Defined in', `<code data-source>${escapeHtml(sourceLocation(slo.source))}</code> (${slo.source.line === undefined ? `document ${slo.source.document + 1}, ` : ''}${escapeHtml(slo.source.format)})`],
  ];
  return `<p class="crumbs"><a href="${o.root}">Overview</a> › ${escapeHtml(slo.service)}</p>
<h1>${escapeHtml(slo.displayName ?? slo.name)} <span class="id">${escapeHtml(slo.id)}</span></h1>
${slo.description === undefined ? '' : `<p class="description">${escapeHtml(slo.description)}</p>`}
${instances}
<section aria-labelledby="now-title"><h2 id="now-title">Now</h2><div id="now" class="now"><p>Loading…</p></div></section>
<section aria-labelledby="history-title">
<h2 id="history-title">History</h2>
<nav class="ranges" aria-label="Time range">${ranges}</nav>
<p class="legend" id="legend">Shaded: <span class="key firing-page">page firing</span> <span class="key firing-ticket">ticket firing</span> <span class="key maintenance">maintenance</span> <span class="key correction">budget correction</span></p>
<figure class="chart-box">
<figcaption>Error budget left over the period (solid), and steady spending of one budget per period (dashed)</figcaption>
<div class="chart" data-chart="budget" role="img" aria-label="Error budget left over time"></div>
</figure>
${tierCharts}
<figure class="chart-box">
<figcaption>SLI: share of good events per step, against the objective of ${escapeHtml(String(slo.objective))}%</figcaption>
<div class="chart" data-chart="sli" data-objective="${slo.objective}" data-step="${escapeHtml(o.step)}" role="img" aria-label="SLI over time"></div>
</figure>
</section>
<section aria-labelledby="timeline-title"><h2 id="timeline-title">Alert timeline</h2><ol id="timeline" class="timeline" reversed><li>Loading…</li></ol></section>
<section aria-labelledby="backtest-title" class="backtest">
<h2 id="backtest-title">Backtest</h2>
<p>How many pages and tickets this SLO, as defined now, would have raised: burnwatch replays Prometheus's history through the same evaluation and alert rules (as <code>burnwatch backtest</code> does), counting what it would have notified. A backtest runs when asked, one at a time; its result is kept for a while for everyone.</p>
<p class="backtest-ask" role="group" aria-label="Backtest over">${BACKTEST_CHOICES.map(([days, label]) => `<button type="button" data-backtest-days="${days}">${label}</button>`).join(' ')}</p>
<div id="backtests" aria-live="polite"></div>
</section>
<section aria-labelledby="definition-title"><h2 id="definition-title">Definition</h2>
<dl class="facts">${facts.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>
<h3>${indicator.kind === 'composite' ? 'Children (their budgets and queries are on their pages)' : 'Error-ratio queries'}</h3>
<ul class="queries">${queryRows}</ul>
${correctionsSection(slo)}
</section>`;
}

/**
 * The budget corrections of the SLO, with their reason and where they are written: their events count neither
 * as bad nor as total for the budget shown above.
 */
function correctionsSection(slo: Slo): string {
  const list = slo.corrections ?? [];
  if (list.length === 0) return '<h3>Budget corrections</h3>\n<p class="corrections">None.</p>';
  const rows = list.map((c) => {
    const every = c.everyMs === undefined ? '' : `, every ${escapeHtml(formatDuration(c.everyMs))}`;
    return `<li><strong>${escapeHtml(c.name)}</strong>: <time datetime="${new Date(c.startMs).toISOString()}">${escapeHtml(isoMinute(c.startMs))}</time> to <time datetime="${new Date(c.startMs + c.durationMs).toISOString()}">${escapeHtml(isoMinute(c.startMs + c.durationMs))}</time>${every}. ${escapeHtml(c.reason)} <code>${escapeHtml(`${c.source.file}:${c.source.line}`)}</code></li>`;
  }).join('\n');
  return `<h3>Budget corrections</h3>
<p>Events inside these count neither as bad nor as total for the error budget; while one covers the current time the SLO's alerts hold their state.</p>
<ul class="corrections">${rows}</ul>`;
}

/** `2026-11-22 02:00 UTC` */
function isoMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function alertsBody(): string {
  return `<h1>Alerts</h1>
<section aria-labelledby="active-title"><h2 id="active-title">Firing, pending and without data</h2>
<table class="alerts"><thead><tr><th scope="col">State</th><th scope="col">SLO</th><th scope="col">Alert</th><th scope="col">Since</th><th scope="col">Notified</th></tr></thead><tbody id="active"><tr><td colspan="5">Loading…</td></tr></tbody></table></section>
<section aria-labelledby="recent-title"><h2 id="recent-title">State changes in the last 24 hours</h2>
<table class="alerts"><thead><tr><th scope="col">When</th><th scope="col">SLO</th><th scope="col">Alert</th><th scope="col">Change</th></tr></thead><tbody id="recent"><tr><td colspan="4">Loading…</td></tr></tbody></table></section>`;
}

export function silencesBody(tokenConfigured: boolean): string {
  return `<h1>Silences</h1>
<section aria-labelledby="list-title"><h2 id="list-title">Silences</h2>
<table class="silences"><thead><tr><th scope="col">State</th><th scope="col">Matchers</th><th scope="col">From</th><th scope="col">Until</th><th scope="col">By</th><th scope="col">Comment</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody id="silences"><tr><td colspan="7">Loading…</td></tr></tbody></table></section>
<section aria-labelledby="new-title"><h2 id="new-title">New silence</h2>
${tokenConfigured
    ? `<p>Creating and expiring silences needs the API token (server.apiToken). It is kept in this browser tab only.</p>
<form id="new-silence" class="silence-form">
<label>API token <input type="password" id="token" autocomplete="off" required></label>
<label>Matchers, one per line <textarea id="matchers" rows="3" required placeholder='slo="checkout-availability"'></textarea></label>
<label>Duration <input id="duration" value="2h" required></label>
<label>Created by <input id="created-by" autocomplete="name"></label>
<label>Comment <input id="comment" required></label>
<button type="submit">Create silence</button>
<p id="form-result" role="status"></p>
</form>`
    : '<p>Creating and expiring silences is disabled: burnwatch has no API token (set server.apiToken). <code>burnwatch silence</code> works on the host.</p>'}
</section>`;
}

export function missingBody(root: string, what: string): string {
  return `<h1>Not found</h1><p>${escapeHtml(what)}</p><p><a href="${root}">Back to the overview</a></p>`;
}
