import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { TestPki } from './tls.js';
import { sharedTestPki } from './tls.js';

/**
 * A local PagerDuty Events API v2 for tests: HTTPS on 127.0.0.1 with a throw-away CA (pdjs always builds an
 * https:// URL), `POST /v2/enqueue`. It follows the wire contract (PagerDuty developer docs
 * events-API-v2 overview/trigger events, api-schema events-v2 openapiv3.json):
 * - `202 {"status":"success","message":"Event processed","dedup_key":"..."}`; a trigger without dedup_key
 *   gets a generated one;
 * - `400 {"status":"invalid event","message":"Event object is invalid","errors":[...]}` for a routing_key
 *   that is not 32 letters/digits, a bad event_action, a trigger without payload.summary/source/severity
 *   or with an unknown severity, a summary over 1024 characters, a dedup_key over 255, a resolve/acknowledge
 *   without dedup_key, a link without href; `400 {"status":"Unrecognized object",...,"errors":["JSON parse
 *   error"]}` for a body that is not JSON. (The two routing_key messages are PagerDuty's own; the others
 *   are worded by this emulator.)
 * - incidents per (routing_key, dedup_key): a trigger opens one or updates the open one; resolve closes it; an
 *   acknowledge/resolve for a key with no open incident is accepted and dropped; a trigger after a resolve
 *   opens a new incident.
 * - every answer is JSON (pdjs rejects on a non-JSON body), including the scripted 429/500.
 */

export type PagerDutyFailure =
  /** 429 with `Retry-After: <seconds>` when given. */
  | { readonly kind: 'rate-limited'; readonly retryAfterSeconds?: number }
  /** Any status with a JSON error body (or `body` as given: a string is sent as-is, for "non-JSON" tests). */
  | { readonly kind: 'http'; readonly status: number; readonly body?: object | string; readonly headers?: Readonly<Record<string, string>> }
  /** Answer normally, but only after `delayMs`. */
  | { readonly kind: 'slow'; readonly delayMs: number }
  /** Answer normally (to script a failure for a later request). */
  | { readonly kind: 'pass' };

export interface PagerDutyRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Parsed body, when it was JSON. */
  readonly json?: unknown;
  readonly answer: { readonly status: number; readonly body: unknown };
  /** `performance.now()` when the whole request had arrived (this process's clock; for latency figures). */
  readonly receivedAt: number;
}

export interface PagerDutyIncident {
  readonly routingKey: string;
  readonly dedupKey: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  /** Trigger events that opened or updated this incident. */
  triggers: number;
  /** The payload of the latest trigger. */
  payload: unknown;
  links: unknown;
}

export interface PagerDutyEmulator {
  /** Value for pdjs's `server` / our `eventsHost`: `127.0.0.1:<port>`. */
  readonly host: string;
  readonly port: number;
  /** PEM of the CA that signed the server certificate. */
  readonly caCert: string;
  readonly requests: PagerDutyRequest[];
  /** Every incident ever opened, oldest first (a trigger after a resolve opens a new one). */
  readonly incidents: PagerDutyIncident[];
  /** Incidents with this dedup_key, oldest first. */
  incidentsFor(dedupKey: string): PagerDutyIncident[];
  /** TLS connections accepted so far (a client that keeps its connection open makes one for many events). */
  readonly connections: number;
  /** The next `count` requests get `failure` instead of the real answer. */
  failNext(failure: PagerDutyFailure, count?: number): void;
  /** The next `count` requests are answered together, in the order they came, once the last of them has arrived. */
  answerTogether(count: number): void;
  /** Closes the connections that carry no request, as a server's idle timeout does. */
  dropIdleConnections(): void;
  close(): Promise<void>;
}

const SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);
const ACTIONS = new Set(['trigger', 'acknowledge', 'resolve']);

interface Answer {
  readonly status: number;
  readonly body: object | string;
  readonly headers?: Readonly<Record<string, string>>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(errors: string[]): Answer {
  return { status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors } };
}

/** What the real API would find wrong with an event (empty when valid). */
export function validateEvent(event: Record<string, unknown>): string[] {
  const errors: string[] = [];
  const key = event.routing_key;
  if (typeof key !== 'string' || key === '') {
    errors.push("'routing_key' is missing or blank");
  } else {
    if (key.length !== 32) errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
    if (!/^[A-Za-z0-9]*$/.test(key)) errors.push("'routing_key' cannot contain non-alphanumeric characters.");
  }
  const action = event.event_action;
  if (typeof action !== 'string' || !ACTIONS.has(action)) {
    errors.push("'event_action' is missing or invalid (trigger, acknowledge or resolve)");
  }
  const dedup = event.dedup_key;
  if (dedup !== undefined && (typeof dedup !== 'string' || dedup.length > 255)) errors.push("'dedup_key' must be a string of at most 255 characters");
  if ((action === 'acknowledge' || action === 'resolve') && (typeof dedup !== 'string' || dedup === '')) {
    errors.push(`'dedup_key' is required for ${String(action)}`);
  }
  if (action === 'trigger') {
    const payload = event.payload;
    if (!isRecord(payload)) {
      errors.push("'payload' is missing or not an object");
    } else {
      for (const field of ['summary', 'source', 'severity'] as const) {
        if (typeof payload[field] !== 'string' || payload[field] === '') errors.push(`'payload.${field}' is missing or blank`);
      }
      if (typeof payload.summary === 'string' && payload.summary.length > 1024) errors.push("'payload.summary' is longer than 1024 characters");
      if (typeof payload.severity === 'string' && payload.severity !== '' && !SEVERITIES.has(payload.severity)) {
        errors.push("'payload.severity' must be one of critical, error, warning, info");
      }
    }
    if (event.links !== undefined) {
      if (!Array.isArray(event.links) || event.links.some((l) => !isRecord(l) || typeof l.href !== 'string' || l.href === '')) {
        errors.push("'links' must be a list of objects with an 'href'");
      }
    }
  }
  return errors;
}

export async function startPagerDutyEmulator(options: { readonly pki?: TestPki } = {}): Promise<PagerDutyEmulator> {
  const pki = options.pki ?? sharedTestPki();
  const requests: PagerDutyRequest[] = [];
  const incidents: PagerDutyIncident[] = [];
  const scripted: PagerDutyFailure[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let held: { count: number; answers: (() => void)[] } | undefined;

  const openIncident = (routingKey: string, dedupKey: string): PagerDutyIncident | undefined =>
    incidents.find((a) => a.routingKey === routingKey && a.dedupKey === dedupKey && a.status !== 'resolved');

  function realAnswer(method: string, path: string, body: string): { answer: Answer; json?: unknown } {
    if (path !== '/v2/enqueue') return { answer: { status: 404, body: { status: 'Not Found', message: `no route ${path}` } } };
    if (method !== 'POST') return { answer: { status: 405, body: { status: 'Method Not Allowed', message: 'use POST' } } };
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return { answer: { status: 400, body: { status: 'Unrecognized object', message: 'Event object format is unrecognized', errors: ['JSON parse error'] } } };
    }
    if (!isRecord(json)) {
      return { answer: { status: 400, body: { status: 'Unrecognized object', message: 'Event object format is unrecognized', errors: ['JSON parse error'] } }, json };
    }
    const errors = validateEvent(json);
    if (errors.length > 0) return { answer: invalid(errors), json };

    const routingKey = json.routing_key as string;
    const action = json.event_action as string;
    const dedupKey = typeof json.dedup_key === 'string' && json.dedup_key !== '' ? json.dedup_key : randomUUID().replace(/-/g, '');
    const open = openIncident(routingKey, dedupKey);
    if (action === 'trigger') {
      if (open === undefined) {
        incidents.push({ routingKey, dedupKey, status: 'triggered', triggers: 1, payload: json.payload, links: json.links });
      } else {
        open.triggers += 1;
        open.payload = json.payload;
        open.links = json.links;
      }
    } else if (open !== undefined) {
      open.status = action === 'resolve' ? 'resolved' : 'acknowledged';
    }
    return { answer: { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: dedupKey } }, json };
  }

  function scriptedAnswer(failure: PagerDutyFailure): Answer | undefined {
    switch (failure.kind) {
      case 'rate-limited':
        return {
          status: 429,
          body: { status: 'throttle event', message: 'Requests for this service are arriving too quickly. Please retry later.' },
          ...(failure.retryAfterSeconds === undefined ? {} : { headers: { 'Retry-After': String(failure.retryAfterSeconds) } }),
        };
      case 'http':
        return { status: failure.status, body: failure.body ?? { status: 'error', message: `HTTP ${failure.status} from the emulator` }, ...(failure.headers === undefined ? {} : { headers: failure.headers }) };
      case 'slow':
      case 'pass':
        return undefined;
      default: {
        const unreachable: never = failure;
        return unreachable;
      }
    }
  }

  const server = createServer({ cert: pki.serverCert, key: pki.serverKey }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const receivedAt = performance.now();
      const body = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '').replace(/[?#].*$/, '');
      const failure = scripted.shift();
      const scriptedReply = failure === undefined ? undefined : scriptedAnswer(failure);
      let answer: Answer;
      let json: unknown;
      if (scriptedReply !== undefined) {
        answer = scriptedReply;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
      } else {
        ({ answer, json } = realAnswer(req.method ?? '', path, body));
      }
      requests.push({ method: req.method ?? '', path, headers: req.headers, body, ...(json === undefined ? {} : { json }), answer: { status: answer.status, body: answer.body }, receivedAt });

      if (held !== undefined) {
        held.answers.push(() => send(res, answer));
        if (held.answers.length < held.count) return;
        const { answers } = held;
        held = undefined;
        for (const answerNow of answers) answerNow();
        return;
      }
      const delayMs = failure?.kind === 'slow' ? failure.delayMs : 0;
      if (delayMs === 0) {
        send(res, answer);
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) send(res, answer);
      }, delayMs);
      timers.add(timer);
    });
  });

  let connections = 0;
  server.on('secureConnection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('pagerduty emulator has no port');

  return {
    host: `127.0.0.1:${address.port}`,
    port: address.port,
    caCert: pki.caCert,
    requests,
    incidents,
    incidentsFor: (dedupKey) => incidents.filter((a) => a.dedupKey === dedupKey),
    get connections() {
      return connections;
    },
    failNext(failure, count = 1) {
      for (let i = 0; i < count; i++) scripted.push(failure);
    },
    answerTogether(count) {
      held = { count, answers: [] };
    },
    dropIdleConnections() {
      server.closeIdleConnections();
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, answer: Answer): void {
  const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  res.writeHead(answer.status, { 'Content-Type': typeof answer.body === 'string' ? 'text/html' : 'application/json', ...answer.headers });
  res.end(text);
}
