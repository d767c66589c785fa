// @ts-check
import { chip, getJson, h, labelText, live, replaceKeepingFocus, root, utc } from './common.js';

/**
 * Alerts across SLOs: those firing, pending or without data now (GET api/v1/alerts), and every state change
 * of the last 24 hours (GET api/v1/history), each linked to its SLO instance's page.
 */

/**
 * The SLO page of an alert: its key is `<slo>/<instance labels as JSON>/<severity or kind>`.
 * @param {string} slo @param {string} alertKey
 */
function pageOf(slo, alertKey) {
  const rest = alertKey.slice(slo.length + 1);
  const instance = rest.slice(0, rest.lastIndexOf('/'));
  const base = `${root}slos/${encodeURIComponent(slo)}`;
  return instance === '' || instance === '{}' ? base : `${base}?instance=${encodeURIComponent(instance)}`;
}

/** @param {string} slo @param {string} alertKey */
function instanceOf(slo, alertKey) {
  const rest = alertKey.slice(slo.length + 1);
  try {
    return labelText(JSON.parse(rest.slice(0, rest.lastIndexOf('/'))));
  } catch {
    return '';
  }
}

/** @type {Record<string, string>} */
const KIND = { burn: 'burn rate', nodata: 'no data', exhaustion: 'budget exhausted' };

const active = /** @type {HTMLElement} */ (document.getElementById('active'));
const recent = /** @type {HTMLElement} */ (document.getElementById('recent'));

live(async () => {
  const [alerts, history] = await Promise.all([getJson('api/v1/alerts'), getJson('api/v1/history')]);
  replaceKeepingFocus(active, alerts.length === 0
    ? [h('tr', {}, h('td', { colspan: 5 }, 'Nothing is firing, pending or without data.'))]
    : alerts.map((/** @type {any} */ a) => h('tr', { 'data-alert': a.alert, 'data-state': a.state },
      h('td', {}, chip(a.severity, a.state)),
      h('td', {}, h('a', { href: pageOf(a.slo, a.alert) }, a.slo), h('span', { class: 'instance' }, instanceOf(a.slo, a.alert))),
      h('td', {}, `${a.labels?.alertname ?? ''} (${KIND[a.kind] ?? a.kind})`),
      h('td', {}, h('time', { datetime: a.since }, utc(a.since))),
      h('td', {}, a.notified ? 'yes' : 'no'))));
  replaceKeepingFocus(recent, history.length === 0
    ? [h('tr', {}, h('td', { colspan: 4 }, 'No alert changed state in the last 24 hours.'))]
    : history.map((/** @type {any} */ e) => h('tr', {},
      h('td', {}, h('time', { datetime: e.at }, utc(e.at))),
      h('td', {}, h('a', { href: pageOf(e.slo, e.alert) }, e.slo), h('span', { class: 'instance' }, instanceOf(e.slo, e.alert))),
      h('td', {}, e.alert.slice(e.alert.lastIndexOf('/') + 1)),
      h('td', {}, h('span', { class: `phase phase-${e.from}` }, e.from), ' → ', h('span', { class: `phase phase-${e.to}` }, e.to)))));
});
