import { countText, durationText, labelsText, localTime, objectiveText, percent, periodText, sliText } from './format.js';
import type { InstanceReport, Report } from './model.js';
import { EPISODE_HEADER, episodeCells, GROUP_SUMMARY_HEADER, groupSummaryCells, INSTANCE_HEADER, instanceCells, instanceTitle, rangeText } from './render-markdown.js';

/**
 * `--format html`: one self-contained page (no request leaves it: styles, scripts and data are inline, and its
 * Content-Security-Policy forbids any other source). Each SLO instance gets a chart of its period's budget
 * left and its burn rate per step over the range, drawn by uPlot (the library the status page uses), whose
 * browser build the caller passes in from node_modules. Text from SLO files is escaped. Pure.
 */

export interface HtmlAssets {
  /** uPlot's browser build (`uplot/dist/uPlot.iife.min.js`: a global `uPlot`). */
  readonly uplotScript: string;
  /** uPlot's style sheet (`uplot/dist/uPlot.min.css`). */
  readonly uplotStyle: string;
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** JSON inside a script element: nothing in it can close the element or open a comment. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Inline script text: a `</script` inside it would end the element early. */
function scriptText(code: string): string {
  return code.replace(/<\/(script)/gi, '<\\/$1');
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #1d232b; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #d5dbe1; } h3 { margin-top: 1.8rem; }
table { border-collapse: collapse; margin: .6rem 0 1rem; } th, td { border: 1px solid #d5dbe1; padding: .25rem .55rem; text-align: left; }
th { background: #f2f5f8; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.meta { color: #56616d; } .warn { background: #fff4d6; border-left: 4px solid #e0a800; padding: .4rem .7rem; }
.chart { min-height: 260px; margin: .5rem 0 1rem; } .missed { color: #b3261e; font-weight: 600; }
`;

/** Draws every chart from the data element with uPlot; the only code besides the library. */
const CHARTS = `
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var charts = document.querySelectorAll('[data-chart]');
  for (var n = 0; n < charts.length; n++) {
    var el = charts[n];
    var c = data.charts[Number(el.getAttribute('data-chart'))];
    new uPlot({
      width: Math.max(320, el.clientWidth || 900),
      height: 240,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1e3), data.timezone); },
      scales: { x: { time: true }, budget: { auto: true }, burn: { auto: true } },
      series: [
        {},
        { label: 'Budget left (%)', scale: 'budget', stroke: '#2a6fb0', width: 2 },
        { label: 'Burn rate', scale: 'burn', stroke: '#c0392b', width: 1, paths: uPlot.paths.stepped({ align: 1 }) }
      ],
      axes: [
        {},
        { scale: 'budget', label: 'budget left %' },
        { scale: 'burn', side: 1, label: 'burn rate', grid: { show: false } }
      ]
    }, [c.t, c.budget, c.burn], el);
  }
})();
`;

function tableHtml(header: readonly string[], rows: readonly (readonly string[])[], numeric: ReadonlySet<number> = new Set()): string {
  const head = `<tr>${header.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${numeric.has(i) ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

export function renderHtml(report: Report, assets: HtmlAssets): string {
  const tz = report.range.timezone;
  const title = `Error-budget report${report.range.label === undefined ? '' : `: ${report.range.label}`}`;
  const charts = report.instances.map((i) => ({
    t: i.timeline.map((p) => p.atMs / 1000),
    budget: i.timeline.map((p) => (p.budgetRemaining === null ? null : Math.round(p.budgetRemaining * 100_000) / 1000)),
    burn: i.timeline.map((p) => (p.burnRate === null ? null : Math.round(p.burnRate * 1000) / 1000)),
  }));
  const body: string[] = [];
  body.push(`<h1>${esc(title)}</h1>`);
  body.push(`<p class="meta">Range: ${esc(rangeText(report))}<br>Source: ${esc(report.source)}<br>Grouped by: ${esc(report.groupBy)} · ${report.instances.length} SLO instances</p>`);
  for (const w of report.warnings) body.push(`<p class="warn">${esc(w)}</p>`);
  body.push('<h2>Summary</h2>');
  body.push(tableHtml([report.groupBy === 'service' ? 'Service' : report.groupBy, ...GROUP_SUMMARY_HEADER], report.groups.map((g) => [esc(g.key), ...groupSummaryCells(g).map(esc)]), new Set([1, 3, 4, 5, 6, 7, 8])));
  body.push('<p class="meta">Met: the range\'s bad events stayed within its error budget (budget spent at most 100 %). Budget left: of the SLO\'s period, at the end of the range.</p>');
  report.groups.forEach((g) => {
    const members = report.instances.map((inst, index) => ({ inst, index })).filter((m) => m.inst.group === g.key);
    body.push(`<h2>${esc(g.key)}</h2>`);
    body.push(tableHtml(INSTANCE_HEADER, members.map(({ inst, index }) => instanceCells(inst, `<a href="#slo-${index}">${esc(instanceTitle(inst))}</a>`).map((c, i) => (i === 0 ? c : esc(c)))), new Set([1, 2, 3, 4, 5, 6, 7, 8])));
    for (const { inst, index } of members) body.push(instanceSection(inst, index, tz));
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${assets.uplotStyle}</style>
<style>${STYLE}</style>
</head>
<body>
${body.join('\n')}
<script type="application/json" id="report-data">${scriptJson({ timezone: tz, charts })}</script>
<script>${scriptText(assets.uplotScript)}</script>
<script>${CHARTS}</script>
</body>
</html>
`;
}

function instanceSection(i: InstanceReport, index: number, tz: string): string {
  const { slo } = i;
  const out: string[] = [`<section id="slo-${index}" data-slo="${esc(slo.id)}" data-instance="${esc(JSON.stringify(i.labels))}">`];
  out.push(`<h3>${esc(instanceTitle(i))}</h3>`);
  out.push('<ul>');
  out.push(`<li>Objective ${esc(objectiveText(slo.objective))} over ${esc(periodText(slo))} (${esc(slo.source.file)})${Object.keys(i.labels).length === 0 ? '' : `; instance ${esc(labelsText(i.labels))}`}</li>`);
  out.push(`<li>SLI over the range: <strong${i.budgetSpent !== null && i.budgetSpent > 1 ? ' class="missed"' : ''}>${esc(sliText(i.sli))}</strong> (${esc(countText(i.good))} good of ${esc(countText(i.total))} ${i.unit})</li>`);
  out.push(`<li>Error budget spent in the range: ${esc(percent(i.budgetSpent, 1))}; left in the period at the end: ${esc(percent(i.budgetRemaining, 1))}; time to exhaustion: ${esc(i.timeToExhaustionMs === null ? (i.budgetRemaining === null ? 'unknown' : 'not burning') : durationText(i.timeToExhaustionMs))}</li>`);
  for (const w of i.warnings) out.push(`<li class="warn">${esc(w)}</li>`);
  out.push('</ul>');
  out.push(`<div class="chart" data-chart="${index}" role="img" aria-label="${esc(`Budget left and burn rate of ${instanceTitle(i)}, one point per ${durationText(i.timelineStepMs)}`)}"></div>`);
  for (const [title, list, mttr] of [['Pages', i.pages, i.pageMttrMs], ['Tickets', i.tickets, i.ticketMttrMs]] as const) {
    if (list.length === 0) {
      out.push(`<p>${title}: none.</p>`);
      continue;
    }
    out.push(`<p>${title}: ${list.length}, mean time to resolve ${esc(durationText(mttr))}.</p>`);
    out.push(tableHtml(EPISODE_HEADER, list.map((e) => episodeCells(e, tz).map(esc)), new Set([2, 3])));
  }
  if (i.longestBurns.length > 0) {
    out.push('<p>Longest burn episodes:</p>');
    out.push(tableHtml(['Severity', ...EPISODE_HEADER], i.longestBurns.map((e) => [e.severity, ...episodeCells(e, tz)].map(esc)), new Set([3, 4])));
  }
  if (i.maintenanceCount === 0) out.push('<p>Maintenance: none.</p>');
  else {
    out.push(`<p>Maintenance: ${i.maintenanceCount} occurrence${i.maintenanceCount === 1 ? '' : 's'}${i.maintenanceCount > i.maintenance.length ? ` (the first ${i.maintenance.length} listed)` : ''}.</p>`);
    out.push(tableHtml(['Start', 'End', 'Reason'], i.maintenance.map((m) => [localTime(m.startMs, tz), localTime(m.endMs, tz), m.reason].map(esc))));
  }
  if (i.corrections.length === 0) out.push('<p>Corrections: none.</p>');
  else {
    out.push(`<p>Corrections: ${i.corrections.length}.</p>`);
    out.push(tableHtml(['Name', 'Start', 'End', 'Reason'], i.corrections.map((c) => [c.name, localTime(c.startMs, tz), localTime(c.endMs, tz), c.reason].map(esc))));
  }
  out.push('</section>');
  return out.join('\n');
}
