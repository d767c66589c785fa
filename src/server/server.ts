import { createServer as createHttpServer } from 'node:http';
import { shardOf } from '../cluster/shards.js';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Registry } from 'prom-client';
import type { AlertPhase } from '../alerting/state.js';
import type { DaemonView } from './view.js';
import { UnavailableError } from './view.js';
import { redactUrl } from '../redact-url.js';
import { HOUR, parseDuration } from '../slo/duration.js';
import { alertJson, silenceJson, sloDetailJson, sloSummaryJson } from './api-json.js';
import { gateMaxAgeMs, sloGateJson } from './gate-state.js';
import type { Reply } from './http.js';
import { bearerToken, HttpError, rawReply, readJson, tokenMatches, writeReply } from './http.js';
import { SilenceRequest } from './schema.js';
import type { Logger } from '../logger.js';

/**
 * burnwatch's one HTTP port: `/metrics` (Prometheus text format), `/healthz`, `/readyz` and the JSON API
 * under `/api/v1`. Reads go through the DaemonView; the mutating endpoints (silences) need
 * `Authorization: Bearer <server.apiToken>` and are disabled when no token is configured. Every error is a
 * JSON object `{"error", "hint"}`; nothing internal (stack traces) reaches a response.
 *
 * Every client is bounded (ServerLimits): the time to send the headers (slowloris) and the whole request,
 * an idle keep-alive connection, a connection with no traffic, the size of the request line and headers,
 * the number of open connections. A request it does not serve is answered, never just dropped: CONNECT gets
 * 405, an oversized head 431, anything that is not HTTP/1.1 400, a timed-out request 408; an `Upgrade`
 * request (websocket, h2c) is answered as plain HTTP/1.1.
 */

/** What /metrics needs: the registry to render and a hook that refreshes gauges from the daemon first. */
export interface MetricsEndpoint {
  readonly registry: Registry;
  collect(view: DaemonView): Promise<void>;
}

export interface ServerOptions {
  /** Bearer token of the mutating endpoints; undefined disables them (403). */
  readonly apiToken?: string;
  readonly logger: Logger;
  /** Largest accepted request body (default 64 KiB; larger: 413). */
  readonly maxBodyBytes?: number;
  /** Bounds on what one client may hold (defaults: DEFAULT_LIMITS). */
  readonly limits?: ServerLimits;
  /** More routes (the status page), tried after the API's own. */
  readonly routes?: readonly Route[];
}

export interface ServerLimits {
  /** Time from connecting (or the end of the previous request) to the end of the headers; then 408 and closed. */
  readonly headersTimeoutMs?: number;
  /** Time to receive a whole request, body included (at least headersTimeoutMs); then 408 and closed. */
  readonly requestTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open between requests. */
  readonly keepAliveTimeoutMs?: number;
  /** A connection without traffic either way this long is closed (e.g. a client that stops reading). */
  readonly idleTimeoutMs?: number;
  /** Request line and headers together; larger: 431. */
  readonly maxHeaderBytes?: number;
  /** Connections open at once; more are closed as they arrive. */
  readonly maxConnections?: number;
}

export const DEFAULT_LIMITS: Required<ServerLimits> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 30_000,
  maxHeaderBytes: 16 * 1024,
  maxConnections: 1_024,
};

export interface BurnwatchServer {
  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(host: string, port: number): Promise<{ host: string; port: number }>;
  /** Stops accepting connections; resolves when open requests have finished (idle keep-alives are closed). */
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
const DEFAULT_SILENCE_MS = 2 * HOUR;
const HISTORY_LIMIT = 100;

export type Method = 'GET' | 'POST' | 'DELETE';
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly params: readonly string[];
  readonly query: URLSearchParams;
}
export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;
export interface Route {
  readonly path: string;
  readonly segments: readonly string[];
  readonly handlers: Partial<Record<Method, Handler>>;
}

const ROUTE_LIST = '/ (status page), /metrics, /healthz, /readyz, /api/v1/slos, /api/v1/slos/{id}, /api/v1/alerts, /api/v1/silences, /api/v1/gate, /api/v1/cluster';
const SERVED_METHODS = 'GET, HEAD, POST, DELETE, OPTIONS';

export function createServer(view: DaemonView, metrics: MetricsEndpoint, options: ServerOptions): BurnwatchServer {
  const log = options.logger;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const token = options.apiToken === undefined || options.apiToken === '' ? undefined : options.apiToken;

  /** Mutating endpoints: 403 when no token is configured, 401 without the right one. */
  const authorize = (req: IncomingMessage): void => {
    if (token === undefined) throw new HttpError(403, 'mutating endpoints are disabled: configure server.apiToken', 'set server.apiToken in the config file (e.g. { env: BURNWATCH_API_TOKEN }) and restart burnwatch, or use `burnwatch silence` on the host');
    const given = bearerToken(req.headers.authorization);
    if (given === undefined || !tokenMatches(given, token)) {
      log.warn({ method: req.method, path: redactUrl(req.url ?? '/'), remote: req.socket.remoteAddress, reason: given === undefined ? 'no bearer token' : 'wrong token' }, 'API request refused');
      throw new HttpError(401, given === undefined ? 'this endpoint needs a bearer token' : 'the bearer token is not valid', 'send the header Authorization: Bearer <server.apiToken>', {}, { 'WWW-Authenticate': 'Bearer realm="burnwatch"' });
    }
  };

  const routes: Route[] = [
    route('/metrics', {
      GET: async () => {
        await metrics.collect(view);
        return { status: 200, text: await metrics.registry.metrics(), contentType: metrics.registry.contentType };
      },
    }),
    route('/healthz', { GET: () => ({ status: 200, text: 'ok\n' }) }),
    route('/readyz', {
      GET: async () => {
        const r = await view.readiness();
        return { status: r.ready ? 200 : 503, json: { ready: r.ready, checks: r.checks } };
      },
    }),
    route('/api/v1/slos', {
      GET: async () => {
        const nowMs = view.now();
        const maxAgeMs = gateMaxAgeMs((await view.health()).intervalMs);
        return { status: 200, json: [...view.slos()].sort((a, b) => compare(a.slo.id, b.slo.id)).map((s) => ({ ...sloSummaryJson(s), gate: sloGateJson(s, nowMs, maxAgeMs) })) };
      },
    }),
    route('/api/v1/slos/:id', {
      GET: async ({ params }) => {
        const id = params[0] ?? '';
        const status = view.slos().find((s) => s.slo.id === id);
        if (!status) throw new HttpError(404, `no SLO with id "${id}"`, 'GET /api/v1/slos lists the loaded SLOs and their ids');
        return { status: 200, json: sloDetailJson(status, await view.history(id, HISTORY_LIMIT), view.now()) };
      },
    }),
    route('/api/v1/cluster', {
      GET: async () => {
        const cluster = await view.cluster();
        const ids = view.slos().map((s) => s.slo.id).sort(compare);
        return {
          status: 200,
          json: {
            replica: cluster.replica,
            shardCount: cluster.shardCount,
            replicas: [...cluster.replicas].sort((a, b) => compare(a.id, b.id)).map((r) => ({ id: r.id, shards: [...r.shards].sort((x, y) => x - y) })),
            slos: Object.fromEntries(ids.map((id) => [id, shardOf(id, cluster.shardCount)])),
          },
        };
      },
    }),
    route('/api/v1/alerts', {
      GET: async () => {
        const slos = new Map(view.slos().map((s) => [s.slo.id, s.slo]));
        const alerts = (await view.alerts())
          .filter((a) => a.state.phase !== 'inactive')
          .sort((a, b) => PHASE_ORDER[a.state.phase] - PHASE_ORDER[b.state.phase] || compare(a.alertKey, b.alertKey));
        return { status: 200, json: alerts.map((a) => alertJson(a, slos.get(a.sloId))) };
      },
    }),
    route('/api/v1/silences', {
      GET: async ({ query }) => {
        const now = view.now();
        const all = query.get('all');
        const includeExpired = all === '' || all === 'true' || all === '1';
        const list = (await view.silences()).filter((s) => includeExpired || s.endsAt.getTime() > now);
        return { status: 200, json: list.map((s) => silenceJson(s, now)) };
      },
      POST: async ({ req }) => {
        authorize(req);
        const body = await readJson(req, maxBody);
        const draft = silenceDraft(body, view.now());
        const result = await view.addSilence(draft);
        if (!result.ok) throw invalidSilence(result.problems);
        log.info({ silence: result.silence.id, createdBy: draft.createdBy, remote: req.socket.remoteAddress }, 'silence created through the API');
        return { status: 201, json: silenceJson(result.silence, view.now()), headers: { Location: `/api/v1/silences/${encodeURIComponent(result.silence.id)}` } };
      },
    }),
    route('/api/v1/silences/:id', {
      GET: async ({ params }) => {
        const id = params[0] ?? '';
        const silence = (await view.silences()).find((s) => s.id === id);
        if (!silence) throw new HttpError(404, `no silence with id "${id}"`, 'GET /api/v1/silences?all=true lists every silence');
        return { status: 200, json: silenceJson(silence, view.now()) };
      },
      DELETE: async ({ req, params }) => {
        authorize(req);
        const id = params[0] ?? '';
        if (!(await view.expireSilence(id))) throw new HttpError(404, `no active or pending silence with id "${id}"`, 'GET /api/v1/silences lists the current silences and their ids');
        log.info({ silence: id, remote: req.socket.remoteAddress }, 'silence expired through the API');
        return { status: 204 };
      },
    }),
    ...(options.routes ?? []),
  ];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let reply: Reply;
    try {
      reply = await dispatch(routes, req);
    } catch (err) {
      if (err instanceof HttpError) {
        reply = err.reply();
      } else if (err instanceof UnavailableError) {
        // The daemon's database cannot take it now (the daemon has logged and counted it).
        reply = new HttpError(503, err.message, err.hint).reply();
      } else {
        log.error({ method: req.method, path: redactUrl(req.url ?? '/'), err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err) }, 'API request failed');
        reply = { status: 500, json: { error: 'internal error while answering the request', hint: 'the burnwatch log has the details' } };
      }
    }
    if (res.headersSent || res.destroyed) return;
    writeReply(res, reply);
  };

  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const server: Server = createHttpServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    maxHeaderSize: limits.maxHeaderBytes,
    // Node checks the two timeouts above only this often (default 30 s: a slowloris client was held up to 40 s).
    connectionsCheckingInterval: Math.min(1_000, Math.max(50, Math.floor(limits.headersTimeoutMs / 4))),
  }, (req, res) => {
    void handle(req, res);
  });
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.setTimeout(limits.idleTimeoutMs);
  server.maxConnections = limits.maxConnections;
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(err, socket, limits.maxHeaderBytes));
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    refuse(socket, new HttpError(405, 'CONNECT is not supported: burnwatch is not a proxy', `burnwatch serves ${ROUTE_LIST}`, {}, { Allow: SERVED_METHODS }));
  });

  return {
    listen(host, port) {
      return new Promise((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException) => {
          server.off('listening', onListening);
          reject(listenError(err, host, port));
        };
        const onListening = () => {
          server.off('error', onError);
          server.on('error', (err) => log.error({ err: err.message }, 'HTTP server error'));
          const address = server.address() as AddressInfo;
          resolve({ host: address.address, port: address.port });
        };
        server.once('error', onError);
        server.once('listening', onListening);
        server.listen(port, host);
      });
    },
    close() {
      return new Promise((resolve, reject) => {
        if (!server.listening) {
          resolve();
          return;
        }
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
        // A client that keeps a request open does not hold up shutdown for long.
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      });
    },
  };
}

/**
 * A request Node's parser refused, or one that timed out: an answer (unless a response is already on its
 * way, which an answer would corrupt), then the connection is closed.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, maxHeaderBytes: number): void {
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent === true) {
    socket.destroy();
    return;
  }
  refuse(socket, clientErrorReply(err, maxHeaderBytes));
}

function clientErrorReply(err: NodeJS.ErrnoException, maxHeaderBytes: number): HttpError {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new HttpError(431, `the request line and headers are larger than ${maxHeaderBytes} bytes`, 'send a shorter URL and fewer or shorter headers');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new HttpError(408, 'the request was not received in time', 'send the whole request at once');
    default:
      return new HttpError(400, 'the request is not valid HTTP/1.1', `burnwatch serves ${ROUTE_LIST} over HTTP/1.1`);
  }
}

/** Writes the error as a complete HTTP/1.1 answer on a raw socket and closes the connection (within 5 s at most). */
function refuse(socket: Duplex, error: HttpError): void {
  const deadline = setTimeout(() => socket.destroy(), 5_000).unref();
  socket.once('close', () => clearTimeout(deadline));
  socket.end(rawReply(error.reply()), () => socket.destroy());
}

export function route(path: string, handlers: Partial<Record<Method, Handler>>): Route {
  return { path, segments: path.split('/').filter((s) => s !== ''), handlers };
}

/** Finds the route and method; 404 for unknown paths, 405 (with Allow) for other methods. HEAD is GET without a body. */
async function dispatch(routes: readonly Route[], req: IncomingMessage): Promise<Reply> {
  const url = new URL(req.url ?? '/', 'http://burnwatch.invalid');
  const segments = url.pathname.split('/').filter((s) => s !== '');
  for (const r of routes) {
    const params = matchPath(r.segments, segments);
    if (params === undefined) continue;
    const methods = Object.keys(r.handlers) as Method[];
    const allow = [...methods, ...(methods.includes('GET') ? ['HEAD'] : [])].join(', ');
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (method === 'OPTIONS') return { status: 204, headers: { Allow: `${allow}, OPTIONS` } };
    const handler = r.handlers[method as Method];
    if (!handler) {
      throw new HttpError(405, `${req.method ?? '?'} is not allowed on ${r.path}`, `use ${allow}`, {}, { Allow: allow });
    }
    return handler({ req, params, query: url.searchParams });
  }
  throw new HttpError(404, `no such endpoint: ${url.pathname}`, `burnwatch serves ${ROUTE_LIST}`);
}

/** Decoded `:param` values when the path matches the pattern, else undefined. */
function matchPath(pattern: readonly string[], segments: readonly string[]): string[] | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: string[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] ?? '';
    const s = segments[i] ?? '';
    if (p.startsWith(':')) {
      try {
        params.push(decodeURIComponent(s));
      } catch {
        throw new HttpError(400, `the path segment "${s}" is not valid percent-encoding`, 'encode the id with encodeURIComponent');
      }
    } else if (p !== s) {
      return undefined;
    }
  }
  return params;
}

const PHASE_ORDER: Readonly<Record<AlertPhase, number>> = { firing: 0, nodata: 1, pending: 2, inactive: 3 };

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The request body as a silence draft: checks fields with the schema, fills startsAt (now) and endsAt (start + duration, default 2h). */
function silenceDraft(body: unknown, nowMs: number): { matchers: readonly string[]; startsAt: Date; endsAt: Date; createdBy: string; comment: string } {
  const parsed = SilenceRequest.safeParse(body);
  if (!parsed.success) {
    throw invalidSilence(parsed.error.issues.map((issue) => {
      const [message = issue.message, hint = ''] = issue.message.split('\n');
      const field = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.length === 0 ? 'body' : fieldPath(issue.path);
      return { field, message, hint };
    }));
  }
  const r = parsed.data;
  if (r.endsAt !== undefined && r.duration !== undefined) {
    throw invalidSilence([{ field: 'duration', message: 'give endsAt or duration, not both', hint: 'remove one of them' }]);
  }
  const startsAt = new Date(r.startsAt ?? nowMs);
  const endsAt = new Date(r.endsAt ?? startsAt.getTime() + (r.duration === undefined ? DEFAULT_SILENCE_MS : (parseDuration(r.duration) ?? DEFAULT_SILENCE_MS)));
  return { matchers: r.matchers, startsAt, endsAt, createdBy: r.createdBy ?? 'api', comment: r.comment };
}

function invalidSilence(problems: readonly { field: string; message: string; hint: string }[]): HttpError {
  const first = problems[0];
  return new HttpError(
    400,
    first === undefined ? 'the silence is not valid' : `${first.field === '' ? '' : `${first.field}: `}${first.message}`,
    first?.hint === '' || first === undefined ? 'fix the fields listed in problems' : first.hint,
    { problems },
  );
}

/** `["matchers", 1]` -> `matchers[1]`. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  switch (err.code) {
    case 'EADDRINUSE':
      return new Error(`port ${port} is in use: set server.port / BURNWATCH_PORT or stop the other process`, { cause: err });
    case 'EACCES':
      return new Error(`port ${port} needs privileges on ${host}: choose a port above 1023 with server.port / BURNWATCH_PORT`, { cause: err });
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new Error(`cannot listen on ${host}: the address is not available on this machine; set server.host / BURNWATCH_HOST (e.g. 0.0.0.0)`, { cause: err });
    default:
      return new Error(`cannot listen on ${host}:${port}: ${err.message}`, { cause: err });
  }
}
