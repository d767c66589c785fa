// @ts-check
import { burnRate, chip, duration, feedUrl, fetchJson, h, labelsKey, labelText, live, percent, root, utc } from './common.js';

/**
 * The SLO page: the instance's figures now, and over the chosen range its budget, the burn rate of each tier
 * (long and short window against the tier's threshold, log scale) and its SLI, drawn with uPlot from
 * GET api/v1/slos/<id>/series; the alert timeline from .../timeline. Firing periods and maintenance windows
 * are shaded on every chart; the legend and the timeline say the same in words. The backtest panel shows
 * the backtests kept for the SLO and asks for one when a button is pressed (POST .../backtest).
 *
 * @typedef {{ start: number, end: number | null, kind: string, severity: string }} Band
 * @typedef {{ times: number[], budgetRemaining: (number|null)[], ideal: (number|null)[], sli: (number|null)[],
 *   burnRates: Record<string, (number|null)[]>, tiers: { name: string, severity: string, longWindow: string, shortWindow: string, threshold: number }[],
 *   maintenance: { start: number, end: number, reason: string }[],
 *   corrections?: { start: number, end: number, name: string, reason: string }[], objective: number, step: string }} Series
 */

/** @type {any} */
const uPlot = /** @type {any} */ (globalThis).uPlot;

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const sloId = main.dataset['slo'] ?? '';
const instance = main.dataset['instance'] ?? '{}';
const backtestPath = `${root}api/v1/slos/${encodeURIComponent(sloId)}/backtest`;

const COLORS = { budget: '#2563eb', ideal: '#6b7280', long: '#c2410c', short: '#7c3aed', threshold: '#111827', sli: '#047857', objective: '#111827' };
const SHADE = { page: 'rgba(220, 38, 38, 0.16)', ticket: 'rgba(217, 119, 6, 0.16)', maintenance: 'rgba(107, 114, 128, 0.18)', correction: 'rgba(37, 99, 235, 0.12)' };
/** Burn rates below this are drawn at it (a log scale has no zero). */
const FLOOR = 0.01;

/** @type {Band[]} */
let firing = [];
/** @type {{ start: number, end: number, reason: string }[]} */
let maintenance = [];
/** @type {{ start: number, end: number, name: string }[]} */
let corrections = [];
/** @type {Map<HTMLElement, any>} */
const charts = new Map();

/** Shades firing periods, maintenance windows and budget corrections under the series, with a word at the top of each band. */
function bandsPlugin() {
  return {
    hooks: {
      /** @param {any} u */
      drawClear: (u) => {
        const { ctx, bbox } = u;
        const xMax = u.scales.x.max;
        /** @type {[number, number, string, string][]} */
        const shades = [
          ...maintenance.map((m) => /** @type {[number, number, string, string]} */ ([m.start, m.end, SHADE.maintenance, 'maintenance'])),
          ...corrections.map((c) => /** @type {[number, number, string, string]} */ ([c.start, c.end, SHADE.correction, `corrected: ${c.name}`])),
          ...firing.map((b) => /** @type {[number, number, string, string]} */ ([b.start, b.end ?? xMax, b.severity === 'page' ? SHADE.page : SHADE.ticket, `${b.severity} firing`])),
        ];
        if (shades.length === 0) return;
        ctx.save();
        ctx.font = axisFont(u);
        for (const [start, end, color, word] of shades) {
          const x0 = Math.max(bbox.left, u.valToPos(start, 'x', true));
          const x1 = Math.min(bbox.left + bbox.width, u.valToPos(end, 'x', true));
          if (x1 <= x0) continue;
          ctx.fillStyle = color;
          ctx.fillRect(x0, bbox.top, Math.max(1, x1 - x0), bbox.height);
          ctx.fillStyle = '#374151';
          ctx.fillText(word, x0 + 3 * devicePixelRatio, bbox.top + 12 * devicePixelRatio);
        }
        ctx.restore();
      },
    },
  };
}

/**
 * A value that does not change over the range (a tier's threshold, the objective), drawn as one horizontal
 * line with its label at the right end instead of as a series of one value per point.
 * @typedef {{ value: number, label: string, color: string }} Line
 * @param {Line[]} lines
 */
function linesPlugin(lines) {
  return {
    hooks: {
      /** @param {any} u */
      draw: (u) => {
        const { ctx, bbox } = u;
        ctx.save();
        ctx.lineWidth = devicePixelRatio;
        ctx.setLineDash([4 * devicePixelRatio, 4 * devicePixelRatio]);
        ctx.font = axisFont(u);
        ctx.textAlign = 'right';
        for (const line of lines) {
          const y = Math.round(u.valToPos(line.value, 'y', true)) + 0.5;
          if (y < bbox.top || y > bbox.top + bbox.height) continue;
          ctx.strokeStyle = line.color;
          ctx.beginPath();
          ctx.moveTo(bbox.left, y);
          ctx.lineTo(bbox.left + bbox.width, y);
          ctx.stroke();
          ctx.fillStyle = line.color;
          ctx.fillText(line.label, bbox.left + bbox.width - 4 * devicePixelRatio, y - 4 * devicePixelRatio);
        }
        ctx.restore();
      },
    },
  };
}

/**
 * The font uPlot draws the axes with (scaled to the device): text drawn on a chart in it needs no other font
 * looked up (the first lookup of a font list costs about 20 ms).
 * @param {any} u
 */
const axisFont = (u) => /** @type {string} */ (u.axes[0]?.font?.[0] ?? '12px sans-serif');

/** @param {HTMLElement} el */
function width(el) {
  return Math.max(300, el.clientWidth || 600);
}

const tzDate = (/** @type {number} */ ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC');

/** @param {number | null} v */
const floorLog = (v) => (v === null ? null : Math.max(FLOOR, v));
/** @param {any} _u @param {number | null} v */
const rateValue = (_u, v) => (v === null ? '–' : v <= FLOOR ? `≤${FLOOR}×` : burnRate(v));
/** @param {any} _u @param {number | null} v */
const percentValue = (_u, v) => (v === null ? '–' : percent(v));
/** @param {any} _u @param {number[]} ticks */
const percentTicks = (_u, ticks) => ticks.map((t) => `${Math.round(t * 1000) / 10}%`);

/** Log-scale ticks: a label at each power of ten only. @param {any} _u @param {number[]} ticks */
const powersOfTen = (_u, ticks) => ticks.map((t) => (Math.abs(Math.log10(t) - Math.round(Math.log10(t))) < 1e-9 ? `${t}×` : ''));

/**
 * A chart of the page: its element, its uPlot options, the constant lines drawn across it, and the columns of
 * a series answer it draws (after the times).
 * @typedef {{ el: HTMLElement, opts: any, lines: Line[], columns: (s: Series) => (number|null)[][] }} Chart
 */

/**
 * The page's charts. Their options need only what the page says of the SLO (each tier's windows and
 * threshold, the objective, the step), so they can be made before the series arrives.
 * @returns {Chart[]}
 */
function chartsOfPage() {
  /** @type {Chart[]} */
  const out = [];
  const budgetEl = /** @type {HTMLElement | null} */ (document.querySelector('[data-chart="budget"]'));
  if (budgetEl) {
    out.push({
      el: budgetEl,
      opts: {
        scales: { x: { time: true }, y: { range: (/** @type {any} */ _u, /** @type {number} */ min, /** @type {number} */ max) => [Math.min(0, min ?? 0), Math.max(1, max ?? 1)] } },
        axes: [{}, { values: percentTicks, size: 60 }],
        series: [{}, { label: 'Budget left', stroke: COLORS.budget, width: 2, fill: 'rgba(37, 99, 235, 0.08)', value: percentValue }, { label: 'Steady spending', stroke: COLORS.ideal, width: 1, dash: [6, 4], value: percentValue }],
      },
      lines: [],
      columns: (s) => [s.budgetRemaining, s.ideal],
    });
  }
  for (const el of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('[data-chart="burn-rate"]'))) {
    const threshold = Number(el.dataset['threshold']);
    const longWindow = el.dataset['longWindow'] ?? '';
    const shortWindow = el.dataset['shortWindow'] ?? '';
    out.push({
      el,
      opts: {
        scales: { x: { time: true }, y: { distr: 3, log: 10, range: (/** @type {any} */ _u, /** @type {number} */ _min, /** @type {number} */ max) => [FLOOR, Math.max(threshold * 4, max ?? 1)] } },
        axes: [{}, { size: 60, values: powersOfTen }],
        series: [{},
          { label: `${longWindow} window`, stroke: COLORS.long, width: 2, value: rateValue },
          { label: `${shortWindow} window`, stroke: COLORS.short, width: 1, value: rateValue }],
      },
      lines: [{ value: threshold, label: `threshold ${burnRate(threshold)}`, color: COLORS.threshold }],
      columns: (s) => [(s.burnRates[longWindow] ?? []).map(floorLog), (s.burnRates[shortWindow] ?? []).map(floorLog)],
    });
  }
  const sliEl = /** @type {HTMLElement | null} */ (document.querySelector('[data-chart="sli"]'));
  if (sliEl) {
    const objectivePercent = Number(sliEl.dataset['objective']);
    const objective = objectivePercent / 100;
    out.push({
      el: sliEl,
      opts: {
        scales: { x: { time: true }, y: { range: (/** @type {any} */ _u, /** @type {number} */ min) => [Math.min(min ?? 1, objective - 2 * (1 - objective)), 1] } },
        axes: [{}, { values: percentTicks, size: 60 }],
        series: [{}, { label: `SLI per ${sliEl.dataset['step'] ?? 'step'}`, stroke: COLORS.sli, width: 1.5, value: percentValue }],
      },
      lines: [{ value: objective, label: `objective ${objectivePercent}%`, color: COLORS.objective }],
      columns: (s) => [s.sli],
    });
  }
  return out;
}

const pageCharts = chartsOfPage();

/**
 * Makes every chart, or fills it when made: with the series, or empty while the series is on its way
 * (undefined). Every width is read before any chart is made (reading one after making another lays the page
 * out again). data-points says how many points a chart has drawn, once it has.
 * @param {Series | undefined} s
 */
function drawCharts(s) {
  if (s !== undefined) {
    maintenance = s.maintenance;
    corrections = s.corrections ?? [];
  }
  const widths = pageCharts.map((c) => (charts.has(c.el) ? 0 : width(c.el)));
  pageCharts.forEach((c, i) => {
    const data = s === undefined ? c.opts.series.map(() => []) : [s.times, ...c.columns(s)];
    let u = charts.get(c.el);
    if (u === undefined) {
      c.el.replaceChildren();
      u = new uPlot({ width: widths[i], height: 220, tzDate, plugins: [bandsPlugin(), linesPlugin(c.lines)], ...c.opts }, data, c.el);
      charts.set(c.el, u);
    } else {
      u.setData(data);
    }
    if (s !== undefined) c.el.dataset['points'] = String(u.data[0].length);
  });
}

/**
 * Whether the browser has the whole answer of a URL the page preloads (its resource timing entry is written
 * when the last byte is in).
 * @param {string} url relative to the page
 */
function received(url) {
  return performance.getEntriesByName(new URL(url, document.baseURI).href, 'resource').length > 0;
}

/** @type {Record<string, string>} */
const GATE_TEXT = { allowed: 'deploys allowed', frozen: 'FROZEN', unknown: 'cannot tell' };
/** @type {Record<string, string>} */
const THRESHOLD_FROM = { policy: 'policy.freezeBelow', default: 'default: when exhausted', request: 'requested' };

/**
 * The release gate of the SLO as a pipeline sees it (GET api/v1/gate): its answer whatever the status, since
 * 503 means "cannot tell"; null when there is none.
 * @returns {Promise<any>}
 */
async function getGate() {
  try {
    const res = await fetch(feedUrl('gate'), { headers: { Accept: 'application/json' }, cache: 'no-store' });
    return await res.json();
  } catch {
    return null;
  }
}

/** The tile of the instance's release gate: allowed, frozen (since when) or cannot tell, and the threshold. @param {any} gate */
function gateTile(gate) {
  /** @type {any} */
  const reason = (gate?.reasons ?? []).find((/** @type {any} */ r) => labelsKey(r.labels) === labelsKey(JSON.parse(instance)));
  const state = reason?.state ?? 'unknown';
  const note = reason === undefined
    ? (gate?.error ?? 'no answer from GET api/v1/gate')
    : state === 'unknown'
      ? reason.why ?? ''
      : `${state === 'frozen' ? 'below' : 'freezes below'} ${percent(reason.threshold)} (${THRESHOLD_FROM[reason.thresholdFrom] ?? reason.thresholdFrom})${state === 'frozen' && reason.since ? ` since ${reason.sinceAtLeast ? 'at least ' : ''}${utc(reason.since)}` : ''}`;
  return h('div', { class: 'tile' }, h('span', { class: 'tile-label' }, 'Release gate'),
    h('span', { class: `tile-value gate-${state}`, 'data-gate': state }, GATE_TEXT[state] ?? state),
    h('span', { class: 'tile-note' }, note));
}

/** @param {any} detail @param {any} gate */
function renderNow(detail, gate) {
  const now = /** @type {HTMLElement} */ (document.getElementById('now'));
  const want = JSON.parse(instance);
  /** @type {any} */
  const inst = (detail.instances ?? []).find((/** @type {any} */ i) => JSON.stringify(Object.entries(i.labels).sort()) === JSON.stringify(Object.entries(want).sort()));
  if (inst === undefined) {
    now.replaceChildren(h('p', {}, detail.state === 'ok' ? 'This instance has no figures in the last cycle.' : `The SLO is ${detail.state}${detail.error ? `: ${detail.error}` : ''}.`));
    return;
  }
  const alerts = Object.entries(inst.alerts).filter(([, phase]) => phase !== 'inactive').map(([what, phase]) => chip(what === 'nodata' ? 'no data' : what, String(phase)));
  const tiers = Object.entries(inst.tiers).map(([name, /** @type {any} */ t]) => h('tr', { class: t.active ? 'active' : '' },
    h('th', { scope: 'row' }, `${t.severity} ${name}`),
    h('td', {}, burnRate(t.long)), h('td', {}, burnRate(t.short)), h('td', {}, burnRate(t.threshold)),
    h('td', {}, t.active ? 'ACTIVE: both windows above' : 'no')));
  now.replaceChildren(
    h('div', { class: 'tiles' },
      h('div', { class: 'tile' }, h('span', { class: 'tile-label' }, 'Budget left'), h('span', { class: 'tile-value', 'data-budget': '' }, percent(inst.budget.remaining)),
        h('meter', { min: 0, max: 1, low: 0.25, high: 0.5, optimum: 1, value: Math.max(0, Math.min(1, inst.budget.remaining ?? 0)), 'aria-hidden': 'true' })),
      h('div', { class: 'tile' }, h('span', { class: 'tile-label' }, 'Burn rate (1h)'), h('span', { class: 'tile-value' }, burnRate(inst.currentBurnRate))),
      h('div', { class: 'tile' }, h('span', { class: 'tile-label' }, 'Exhausted in'), h('span', { class: 'tile-value' }, duration(inst.budget.timeToExhaustionSeconds))),
      h('div', { class: 'tile' }, h('span', { class: 'tile-label' }, 'Alerts'), h('span', { class: 'tile-value chips' }, ...(alerts.length > 0 ? alerts : [chip('', 'inactive')]))),
      gateTile(gate)),
    h('table', { class: 'tier-table' },
      h('caption', {}, `Burn-rate tiers at ${utc(detail.at)}`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Tier'), h('th', { scope: 'col' }, 'Long window'), h('th', { scope: 'col' }, 'Short window'), h('th', { scope: 'col' }, 'Threshold'), h('th', { scope: 'col' }, 'Active'))),
      h('tbody', {}, ...tiers)));
}

/** @type {Record<string, string>} */
const KIND = { burn: 'burn-rate alert', nodata: 'no-data alert', exhaustion: 'budget-exhaustion alert' };

/** @param {any} t */
function renderTimeline(t) {
  const list = /** @type {HTMLElement} */ (document.getElementById('timeline'));
  firing = t.firing;
  const events = [...t.events].reverse();
  if (events.length === 0) {
    list.replaceChildren(h('li', {}, 'No alert changed state in this range.'));
    return;
  }
  list.replaceChildren(...events.map((/** @type {any} */ e) => {
    const notes = [];
    if (e.notifications.length > 0) notes.push(`notified: ${e.notifications.map((/** @type {any} */ n) => `${n.receiver} (${n.state === 'delivered' ? 'delivered' : n.state === 'dead' ? `failed: ${n.error ?? 'gave up'}` : 'sending'})`).join(', ')}`);
    else if (e.silencedBy.length > 0) notes.push(`silenced by ${e.silencedBy.join(', ')}`);
    else if (e.to === 'firing') notes.push('not notified: inhibited, or no receiver matched');
    return h('li', { class: `event to-${e.to}`, 'data-to': e.to },
      h('time', { datetime: e.at }, utc(e.at)), ' ',
      h('strong', {}, e.severity.toUpperCase()), ` ${KIND[e.kind] ?? e.kind}: `,
      h('span', { class: `phase phase-${e.from}` }, e.from), ' → ', h('span', { class: `phase phase-${e.to}` }, e.to),
      notes.length > 0 ? h('span', { class: 'notes' }, ` · ${notes.join(' · ')}`) : null);
  }));
}

/** @type {Record<string, string>} */
const EPISODE_KIND = { burn: 'burn rate', nodata: 'no data', exhaustion: 'budget exhausted' };
/** While a backtest waits or runs, the panel asks again this often. */
const BACKTEST_POLL_MS = 2_000;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let backtestPoll;

/** @param {number} n @param {string} one @param {string} many */
const count = (n, one, many) => `${n} ${n === 1 ? one : many}`;
/** @param {number} days */
const daysText = (days) => (days === 1 ? 'Last day' : `Last ${days} days`);

/**
 * One backtest: waiting, running, failed, or what it found (counts over every instance, the episodes of the
 * instance this page shows).
 * @param {any} b
 */
function backtestBox(b) {
  const box = (/** @type {(Node | string | null)[]} */ ...children) => h('article', { class: 'backtest-run', 'data-backtest': String(b.days), 'data-state': b.state }, h('h3', {}, daysText(b.days)), ...children);
  if (b.state === 'queued') return box(h('p', {}, 'Waiting: another backtest runs first.'));
  if (b.state === 'running') return box(h('p', {}, `Running since ${utc(b.startedAt)}…`));
  if (b.state === 'failed') return box(h('p', { class: 'problem' }, `Failed: ${b.error}. Ask again in a minute.`));
  const mine = b.episodes.filter((/** @type {any} */ e) => labelsKey(e.labels) === instance);
  const pages = mine.filter((/** @type {any} */ e) => e.severity === 'page').length;
  const tickets = mine.length - pages;
  const grouped = instance !== '{}';
  const rows = mine.map((/** @type {any} */ e) => h('tr', { 'data-severity': e.severity },
    h('td', {}, e.severity.toUpperCase()),
    h('td', {}, EPISODE_KIND[e.kind] ?? e.kind),
    h('td', {}, h('time', { datetime: e.start }, utc(e.start))),
    h('td', {}, e.end === null ? 'still firing' : h('time', { datetime: e.end }, utc(e.end))),
    h('td', {}, `${e.end === null ? 'at least ' : ''}${duration(e.durationSeconds)}`)));
  return box(
    h('p', { class: 'backtest-counts', 'data-pages': String(b.pages), 'data-tickets': String(b.tickets) },
      h('strong', {}, count(b.pages, 'page', 'pages')), ', ', h('strong', {}, count(b.tickets, 'ticket', 'tickets')),
      grouped ? ` over ${count(b.instances, 'instance', 'instances')}; ${count(pages, 'page', 'pages')} and ${count(tickets, 'ticket', 'tickets')} for ${labelText(JSON.parse(instance))}` : ''),
    h('p', { class: 'notes' }, `Replayed from ${utc(b.from)} to ${utc(b.to)}, every ${b.step}; finished ${utc(b.finishedAt)}.`),
    b.stepsWithoutFigures > 0 ? h('p', { class: 'problem' }, `${b.stepsWithoutFigures} of ${b.steps} steps could not be evaluated (${b.problem ?? 'no figures'}): the counts may be too low.`) : null,
    mine.length === 0
      ? h('p', {}, grouped ? 'Nothing would have fired for this instance.' : 'Nothing would have fired.')
      : h('table', { class: 'episodes' },
        h('caption', { class: 'visually-hidden' }, `Alerts the backtest over the last ${b.days} days raised, newest first`),
        h('thead', {}, h('tr', {}, ...['Severity', 'Alert', 'Fired', 'Resolved', 'For'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, ...rows)),
    b.episodesLeftOut > 0 ? h('p', { class: 'notes' }, `${b.episodesLeftOut} older alerts are left out.`) : null);
}

/** @param {any} list the answer of GET .../backtest */
function renderBacktests(list) {
  const el = /** @type {HTMLElement} */ (document.getElementById('backtests'));
  const busy = new Set(list.backtests.filter((/** @type {any} */ b) => b.state === 'queued' || b.state === 'running').map((/** @type {any} */ b) => b.days));
  for (const button of /** @type {NodeListOf<HTMLButtonElement>} */ (document.querySelectorAll('[data-backtest-days]'))) {
    button.disabled = !list.available;
    button.setAttribute('aria-busy', String(busy.has(Number(button.dataset['backtestDays']))));
  }
  el.replaceChildren(...(list.available ? list.backtests.map(backtestBox) : [h('p', {}, 'This burnwatch runs no backtests: run burnwatch backtest on the SLO file.')]));
  clearTimeout(backtestPoll);
  if (busy.size > 0) backtestPoll = setTimeout(() => void refreshBacktests(), BACKTEST_POLL_MS);
}

async function refreshBacktests() {
  try {
    renderBacktests(await fetchJson(backtestPath));
  } catch (err) {
    const el = /** @type {HTMLElement} */ (document.getElementById('backtests'));
    el.replaceChildren(h('p', { class: 'problem' }, `Backtests could not be read: ${err instanceof Error ? err.message : String(err)}`));
  }
}

for (const button of /** @type {NodeListOf<HTMLButtonElement>} */ (document.querySelectorAll('[data-backtest-days]'))) {
  button.addEventListener('click', async () => {
    try {
      await fetchJson(`${backtestPath}?days=${encodeURIComponent(button.dataset['backtestDays'] ?? '')}`, 'POST');
      await refreshBacktests();
    } catch (err) {
      const el = /** @type {HTMLElement} */ (document.getElementById('backtests'));
      el.prepend(h('p', { class: 'problem', role: 'alert' }, err instanceof Error ? err.message : String(err)));
    }
  });
}

let backtestsShown = false;

// While the series is computed and sent, the charts are made empty: the page lays them out and draws their
// axes then, and the series only fills them in. When it is here already, they are made with it, once.
if (!received(feedUrl('series'))) drawCharts(undefined);

live(async () => {
  // The figures now and the gate are shown when both are here; the charts do not wait for them.
  const now = Promise.all([fetchJson(feedUrl('detail')), getGate()]);
  now.catch(() => undefined); // awaited below; a failure is reported there, not as unhandled
  const [series, timeline] = await Promise.all([fetchJson(feedUrl('series')), fetchJson(feedUrl('timeline'))]);
  renderTimeline(timeline);
  drawCharts(series);
  const [detail, gate] = await now;
  renderNow(detail, gate);
  // Kept backtests once, after the charts (they are not what a page is opened for).
  if (!backtestsShown) {
    backtestsShown = true;
    void refreshBacktests();
  }
});

const resize = new ResizeObserver(() => {
  for (const [el, u] of charts) if (u.width !== width(el)) u.setSize({ width: width(el), height: 220 });
});
for (const el of document.querySelectorAll('[data-chart]')) resize.observe(el);
