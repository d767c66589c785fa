// @ts-check
import { getJson, h, live, root, utc } from './common.js';

/**
 * Silences (GET api/v1/silences?all=true), and with the API token, a form that creates one and buttons that
 * expire them (POST / DELETE api/v1/silences). The token stays in this tab's session storage.
 */

const list = /** @type {HTMLElement} */ (document.getElementById('silences'));
const form = /** @type {HTMLFormElement | null} */ (document.getElementById('new-silence'));
const token = /** @type {HTMLInputElement | null} */ (document.getElementById('token'));
const result = /** @type {HTMLElement | null} */ (document.getElementById('form-result'));

if (token) {
  token.value = sessionStorage.getItem('burnwatch-token') ?? '';
  token.addEventListener('change', () => sessionStorage.setItem('burnwatch-token', token.value));
}

/**
 * A request with the bearer token; the answer's error and hint as the message when it fails.
 * @param {string} method @param {string} path @param {unknown} [body]
 */
async function send(method, path, body) {
  const res = await fetch(root + path, {
    method,
    headers: { Authorization: `Bearer ${token?.value ?? ''}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) {
    /** @type {{ error?: string, hint?: string }} */
    let b = {};
    try {
      b = await res.json();
    } catch {
      // no body
    }
    throw new Error(`${b.error ?? res.statusText}${b.hint ? ` (${b.hint})` : ''}`);
  }
  return res;
}

async function refresh() {
  const silences = await getJson('api/v1/silences?all=true');
  list.replaceChildren(...(silences.length === 0
    ? [h('tr', {}, h('td', { colspan: 7 }, 'No silences.'))]
    : silences.map((/** @type {any} */ s) => h('tr', { 'data-silence': s.id, 'data-state': s.state },
      h('td', {}, h('span', { class: `chip chip-silence-${s.state}` }, s.state)),
      h('td', {}, h('code', {}, s.matchers.join(', '))),
      h('td', {}, utc(s.startsAt)),
      h('td', {}, utc(s.endsAt)),
      h('td', {}, s.createdBy ?? ''),
      h('td', {}, s.comment ?? ''),
      h('td', {}, form && s.state !== 'expired' ? expireButton(s.id) : '')))));
}

/** @param {string} id */
function expireButton(id) {
  const button = h('button', { type: 'button' }, 'Expire');
  button.addEventListener('click', () => {
    void send('DELETE', `api/v1/silences/${encodeURIComponent(id)}`)
      .then(() => refresh())
      .catch((/** @type {Error} */ err) => {
        if (result) result.textContent = `Could not expire ${id}: ${err.message}`;
      });
  });
  return button;
}

form?.addEventListener('submit', (e) => {
  e.preventDefault();
  const value = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (document.getElementById(id)).value;
  const body = {
    matchers: value('matchers').split('\n').map((m) => m.trim()).filter((m) => m !== ''),
    duration: value('duration'),
    comment: value('comment'),
    ...(value('created-by') === '' ? {} : { createdBy: value('created-by') }),
  };
  sessionStorage.setItem('burnwatch-token', token?.value ?? '');
  void send('POST', 'api/v1/silences', body)
    .then(async (res) => {
      const created = await res.json();
      if (result) result.textContent = `Created silence ${created.id} until ${utc(created.endsAt)}.`;
      await refresh();
    })
    .catch((/** @type {Error} */ err) => {
      if (result) result.textContent = `Not created: ${err.message}`;
    });
});

live(refresh);
