// @ts-check
import { burnRate, chip, duration, getJson, h, labelText, labelsKey, live, percent, replaceKeepingFocus, sloHref } from './common.js';

/**
 * The overview: every SLO instance as a row, from GET api/v1/instances, refreshed in place. Search matches
 * words against the SLO's id, name and service and `name=value` against any label (the SLO's, its routing
 * labels, the instance's, plus `service` and `slo`); the state filter and the sort order are kept in the URL.
 *
 * @typedef {{ name: string, severity: string, longWindow: string, shortWindow: string, long: number | null, short: number | null, threshold: number, active: boolean }} Tier
 * @typedef {{ slo: string, service: string, name: string, sloLabels: Record<string, string>, objective: number,
 *   period: { kind: string, duration?: string, unit?: string }, state: string, error?: string, labels: Record<string, string>,
 *   budgetRemaining: number | null, burnRate: number | null, timeToExhaustionSeconds: number | null, noData: boolean,
 *   maintenance: boolean, correction?: string, tiers: Tier[], alerts: Record<string, string> }} Instance
 */

const q = /** @type {HTMLInputElement} */ (document.getElementById('q'));
const stateFilter = /** @type {HTMLSelectElement} */ (document.getElementById('state'));
const sort = /** @type {HTMLSelectElement} */ (document.getElementById('sort'));
const rows = /** @type {HTMLElement} */ (document.getElementById('rows'));
const summary = /** @type {HTMLElement} */ (document.getElementById('summary'));

const params = new URLSearchParams(location.search);
q.value = params.get('q') ?? '';
stateFilter.value = params.get('state') ?? '';
sort.value = params.get('sort') ?? 'firing';

/** @type {Instance[]} */
let data = [];
let shown = '';

/** @type {Record<string, number>} */
const RANK = { firing: 0, nodata: 1, pending: 2, inactive: 3 };

/** The most urgent alert phase of an instance. @param {Instance} i */
function worst(i) {
  let best = 'inactive';
  for (const phase of Object.values(i.alerts)) if ((RANK[phase] ?? 3) < (RANK[best] ?? 3)) best = phase;
  return best;
}

/** @param {Instance} i @returns {string[]} lower-case `name=value` pairs */
function labelPairs(i) {
  const all = { ...i.sloLabels, ...i.labels, service: i.service, slo: i.slo };
  return Object.entries(all).map(([k, v]) => `${k}=${v}`.toLowerCase());
}

/** @param {Instance} i @param {string[]} terms */
function matches(i, terms) {
  if (terms.length === 0) return true;
  const pairs = labelPairs(i);
  const text = `${i.slo} ${i.name} ${i.service} ${Object.values(i.labels).join(' ')}`.toLowerCase();
  return terms.every((t) => {
    const eq = t.indexOf('=');
    if (eq > 0) {
      const name = t.slice(0, eq);
      const value = t.slice(eq + 1);
      return pairs.some((p) => p.startsWith(`${name}=`) && p.slice(name.length + 1).includes(value));
    }
    return text.includes(t) || pairs.some((p) => p.includes(t));
  });
}

/** @param {Instance} i */
function stateMatches(i) {
  const want = stateFilter.value;
  if (want === '') return true;
  const phases = Object.values(i.alerts);
  if (want === 'ok') return phases.every((p) => p === 'inactive') && !i.noData;
  if (want === 'nodata') return i.noData || phases.includes('nodata');
  return phases.includes(want);
}

/** @param {number | null} n */
const orLow = (n) => (n === null ? Infinity : n);

/** Sort keys, worked out once per refresh. @type {WeakMap<Instance, { name: string, rank: number }>} */
let keys = new WeakMap();
/** @param {Instance} i */
function keyOf(i) {
  let k = keys.get(i);
  if (k === undefined) {
    k = { name: `${i.slo} ${labelsKey(i.labels)}`, rank: RANK[worst(i)] ?? 3 };
    keys.set(i, k);
  }
  return k;
}

/** @param {Instance} a @param {Instance} b */
function compare(a, b) {
  const ka = keyOf(a);
  const kb = keyOf(b);
  const byName = ka.name < kb.name ? -1 : ka.name > kb.name ? 1 : 0;
  switch (sort.value) {
    case 'budget':
      return orLow(a.budgetRemaining) - orLow(b.budgetRemaining) || byName;
    case 'burn':
      return (b.burnRate ?? -1) - (a.burnRate ?? -1) || byName;
    case 'name':
      return byName;
    default:
      return ka.rank - kb.rank || orLow(a.budgetRemaining) - orLow(b.budgetRemaining) || byName;
  }
}

/** @param {Instance} i */
function chips(i) {
  const out = [];
  for (const [what, phase] of Object.entries(i.alerts)) {
    if (phase === 'inactive') continue;
    out.push(chip(what === 'nodata' ? 'no data' : what, phase));
  }
  if (i.state === 'unknown') out.push(h('span', { class: 'chip chip-unknown', title: i.error ?? '' }, 'UNKNOWN: query failing'));
  else if (i.state === 'waiting') out.push(h('span', { class: 'chip chip-unknown' }, 'waiting for data'));
  else if (i.noData && !Object.values(i.alerts).includes('nodata')) out.push(h('span', { class: 'chip chip-nodata' }, 'no data'));
  if (i.maintenance) out.push(h('span', { class: 'chip chip-maintenance' }, 'maintenance'));
  if (i.correction !== undefined) out.push(h('span', { class: 'chip chip-maintenance', title: i.correction }, 'budget corrected'));
  if (out.length === 0) out.push(chip('', 'inactive'));
  return out;
}

/**
 * The budget as a bar (its width set through the CSSOM, which the CSP allows; the figure beside it says the same).
 * @param {number | null} budget
 */
function bar(budget) {
  const fill = h('span', { class: budget !== null && budget < 0.25 ? 'fill low' : 'fill' });
  fill.style.width = `${Math.round(Math.max(0, Math.min(1, budget ?? 0)) * 100)}%`;
  return h('span', { class: 'bar', 'aria-hidden': 'true' }, fill);
}

/** @param {Instance} i */
function row(i) {
  const instance = Object.keys(i.labels).length > 0;
  const team = i.sloLabels['team'];
  const period = i.period.kind === 'rolling' ? i.period.duration ?? '' : `calendar ${i.period.unit ?? ''}`;
  const budget = i.budgetRemaining;
  const tierList = h('ul', { class: 'tiers' }, ...i.tiers.map((t) => h('li', { class: t.active ? 'tier active' : 'tier' },
    `${t.severity} ${t.longWindow}/${t.shortWindow}: ${burnRate(t.long)} / ${burnRate(t.short)} (over ${burnRate(t.threshold)}${t.active ? ': ACTIVE' : ''})`)));
  return h('tr', { role: 'row', 'data-slo': i.slo, 'data-instance': instance ? labelsKey(i.labels) : undefined, class: `row-${worst(i)}` },
    h('td', { class: 'state', role: 'cell' }, ...chips(i)),
    h('td', { class: 'name', role: 'cell' },
      h('a', { href: sloHref(i.slo, i.labels) }, i.name),
      instance ? h('span', { class: 'instance' }, labelText(i.labels)) : null,
      h('span', { class: 'meta' }, `${i.slo} · ${i.service}${team === undefined ? '' : ` · team ${team}`}`)),
    h('td', { class: 'objective', role: 'cell' }, `${i.objective}%`, h('span', { class: 'meta' }, period)),
    h('td', { class: 'budget', role: 'cell' },
      bar(budget),
      h('span', { class: 'budget-text' }, percent(budget))),
    h('td', { class: 'burn', role: 'cell' }, burnRate(i.burnRate)),
    h('td', { role: 'cell' }, tierList),
    h('td', { class: 'ttl', role: 'cell' }, duration(i.timeToExhaustionSeconds)));
}

function render() {
  const terms = q.value.toLowerCase().split(/[\s,]+/).filter((t) => t !== '');
  const list = data.filter((i) => matches(i, terms) && stateMatches(i)).sort(compare);
  const key = JSON.stringify([q.value, stateFilter.value, sort.value, data]);
  if (key === shown) return;
  shown = key;
  replaceKeepingFocus(rows, list.map(row));
  const firing = data.filter((i) => Object.values(i.alerts).includes('firing')).length;
  const slos = new Set(data.map((i) => i.slo)).size;
  summary.textContent = `${slos} SLOs, ${data.length} instances; ${firing} firing.${list.length === data.length ? '' : ` Showing ${list.length} that match.`}`;
}

function keepInUrl() {
  const p = new URLSearchParams();
  if (q.value !== '') p.set('q', q.value);
  if (stateFilter.value !== '') p.set('state', stateFilter.value);
  if (sort.value !== 'firing') p.set('sort', sort.value);
  const query = p.toString();
  history.replaceState(null, '', query === '' ? location.pathname : `?${query}`);
  render();
}

q.addEventListener('input', keepInUrl);
stateFilter.addEventListener('change', keepInUrl);
sort.addEventListener('change', keepInUrl);
document.getElementById('controls')?.addEventListener('submit', (e) => e.preventDefault());

live(async () => {
  data = await getJson('api/v1/instances');
  keys = new WeakMap();
  render();
});
