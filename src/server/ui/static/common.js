// @ts-check
/**
 * What every page of the status page shares: reading the JSON API, building DOM nodes (text only, never
 * HTML strings), formatting figures as text, and the refresh loop. No inline code anywhere: the page's
 * Content-Security-Policy allows only this server's own files.
 */

/** Relative path from the page to burnwatch's root (the page works under any path prefix). */
export const root = document.body.dataset['root'] ?? './';
export const refreshMs = Math.max(500, Number(document.body.dataset['refreshMs'] ?? '30000'));

/**
 * GET a JSON document of the API.
 * @param {string} path relative to the root, e.g. `api/v1/slos`
 * @returns {Promise<any>}
 */
export function getJson(path) {
  return fetchJson(root + path);
}

/**
 * The URL of a JSON document the page names in its head (`<link rel="preload" data-feed="...">`): the browser
 * has been fetching it since it read the page, and a fetch of this URL is answered from that request.
 * @param {string} name
 * @returns {string}
 */
export function feedUrl(name) {
  const link = document.querySelector(`link[rel="preload"][data-feed="${CSS.escape(name)}"]`);
  const href = link?.getAttribute('href');
  if (href === null || href === undefined) throw new Error(`the page names no ${name} feed`);
  return href;
}

/**
 * A JSON document by its URL (relative to the page); a refusal's error and hint as the message.
 * @param {string} url
 * @param {'GET' | 'POST'} [method]
 * @returns {Promise<any>}
 */
export async function fetchJson(url, method = 'GET') {
  const res = await fetch(url, { method, headers: { Accept: 'application/json' }, cache: 'no-store' });
  if (!res.ok) {
    /** @type {{ error?: string, hint?: string }} */
    let body = {};
    try {
      body = await res.json();
    } catch {
      // not JSON
    }
    throw new Error(`${url.replace(/^(\.\.\/)+/, '')}: ${res.status} ${body.error ?? res.statusText}${body.hint ? ` (${body.hint})` : ''}`);
  }
  return res.json();
}

/**
 * An element with attributes and children (strings become text nodes).
 * @param {string} tag
 * @param {Record<string, string | number | boolean | undefined>} [attrs]
 * @param {...(Node | string | null | undefined | false)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

/** @param {number | null | undefined} fraction @returns {string} `87.1%`, or `no data` */
export function percent(fraction) {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return 'no data';
  return `${(fraction * 100).toFixed(1)}%`;
}

/** @param {number | null | undefined} rate @returns {string} `2.50×`, `14.4×`, or `–` */
export function burnRate(rate) {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '–';
  return `${rate >= 100 ? rate.toFixed(0) : rate >= 10 ? rate.toFixed(1) : rate.toFixed(2)}×`;
}

/** @param {number | null | undefined} seconds @returns {string} `2d 4h`, `35m`, `exhausted`, `–` */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  if (seconds <= 0) return 'exhausted';
  const d = Math.floor(seconds / 86400);
  const hr = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return hr > 0 ? `${d}d ${hr}h` : `${d}d`;
  if (hr > 0) return m > 0 ? `${hr}h ${m}m` : `${hr}h`;
  return m > 0 ? `${m}m` : `${Math.round(seconds)}s`;
}

/** @param {string | number} at an RFC 3339 time or unix milliseconds @returns {string} `2026-03-10 12:00:05 UTC` */
export function utc(at) {
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? String(at) : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** @param {Record<string, string>} labels @returns {string} `route="/cart", code="500"` */
export function labelText(labels) {
  return Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(', ');
}

/**
 * Canonical JSON of a label set (sorted keys), as the server names instances.
 * @param {Record<string, string>} labels
 */
export function labelsKey(labels) {
  return JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

/**
 * The page of an SLO instance.
 * @param {string} slo @param {Record<string, string>} labels
 */
export function sloHref(slo, labels) {
  const base = `${root}slos/${encodeURIComponent(slo)}`;
  return Object.keys(labels).length === 0 ? base : `${base}?instance=${encodeURIComponent(labelsKey(labels))}`;
}

/** @type {Record<string, string>} */
const PHASE_TEXT = { firing: 'firing', pending: 'pending', nodata: 'no data', inactive: 'ok' };

/**
 * A state chip: the words say it, the colour only repeats them.
 * @param {string} what `page`, `ticket`, `no data`, ... @param {string} phase
 */
export function chip(what, phase) {
  const text = what === '' ? PHASE_TEXT[phase] ?? phase : `${what.toUpperCase()} ${PHASE_TEXT[phase] ?? phase}`;
  return h('span', { class: `chip chip-${phase}` }, text);
}

/**
 * Runs `refresh` now and again every refreshMs, saying in #updated when the figures are from.
 * @param {() => Promise<void>} refresh
 */
export function live(refresh) {
  const updated = document.getElementById('updated');
  const run = async () => {
    try {
      await refresh();
      if (updated) updated.textContent = `Updated ${utc(Date.now()).slice(11)}`;
      updated?.classList.remove('failed');
    } catch (err) {
      if (updated) updated.textContent = `Update failed (${err instanceof Error ? err.message : String(err)}); trying again`;
      updated?.classList.add('failed');
    }
    setTimeout(() => void run(), refreshMs);
  };
  void run();
}

/**
 * Replaces the children of `el`, keeping keyboard focus on the link of the same address if it had it.
 * @param {Element} el @param {Node[]} children
 */
export function replaceKeepingFocus(el, children) {
  const active = document.activeElement;
  const href = active instanceof HTMLAnchorElement && el.contains(active) ? active.getAttribute('href') : null;
  el.replaceChildren(...children);
  if (href !== null) {
    const again = [...el.querySelectorAll('a')].find((a) => a.getAttribute('href') === href);
    again?.focus();
  }
}
