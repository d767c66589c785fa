import type { MetricsErrorKind } from '../errors.js';
import { MetricsSourceError } from '../errors.js';
import { parseRetryAfter } from '../../http/retry-after.js';
import { redactUrl } from '../../redact-url.js';
import { formatByteSize } from './config.js';
import type { ApiEnvelope } from './schema.js';
import { ApiEnvelope as ApiEnvelopeSchema } from './schema.js';

/**
 * Classifies what a Prometheus-compatible API answered (or why it did not) into a `MetricsSourceError`.
 * Pure: the client hands in status, headers and body text. Messages name the backend URL without
 * credentials, the query (truncated) and what to do; no header value is ever copied into a message.
 */

/** What a message needs to say where the failure happened. */
export interface RequestContext {
  /** Backend URL without credentials (see `redactUrl`). */
  readonly url: string;
  /** Endpoint path, e.g. `/api/v1/query`. */
  readonly endpoint: string;
  readonly query?: string;
  /** e.g. `at 2026-01-01T00:05:00.000Z` or `from ... to ... step 60s`. */
  readonly when?: string;
  /** Path prefix in use, for the hint on 404. */
  readonly pathPrefix?: string;
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

const QUERY_LIMIT = 300;
const TIMEOUT_TEXT = /context deadline exceeded|context canceled|query timed out/i;
const BODY_LIMIT = 500;

export function truncate(text: string, limit: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= limit ? oneLine : `${oneLine.slice(0, limit - 1)}…`;
}

function where(ctx: RequestContext): string {
  return `${ctx.url}${ctx.endpoint}`;
}

function queryLine(ctx: RequestContext): string {
  if (ctx.query === undefined) return '';
  return `\n  query: ${truncate(ctx.query, QUERY_LIMIT)}${ctx.when === undefined ? '' : `\n  ${ctx.when}`}`;
}

function make(kind: MetricsErrorKind, headline: string, todo: string, ctx: RequestContext, extra: Partial<ConstructorParameters<typeof MetricsSourceError>[1]> = {}): MetricsSourceError {
  return new MetricsSourceError(`${headline}${queryLine(ctx)}\n  ${todo}`, {
    kind,
    url: ctx.url,
    ...(ctx.query === undefined ? {} : { query: truncate(ctx.query, QUERY_LIMIT) }),
    ...extra,
  });
}

function parseJson(body: string): ApiEnvelope | undefined {
  const trimmed = body.trimStart();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const parsed = ApiEnvelopeSchema.safeParse(JSON.parse(trimmed));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The `data` of a successful answer, or the error the answer stands for. Success needs a 2xx status, a JSON
 * envelope with `status: "success"`, no `warnings` and no `isPartial: true`.
 */
export function unwrapAnswer(answer: HttpAnswer, ctx: RequestContext): unknown {
  const envelope = parseJson(answer.body);
  const { status } = answer;
  if (status >= 200 && status < 300) {
    if (envelope === undefined) {
      return failInvalid(`${where(ctx)} answered HTTP ${status} with a body that is not a Prometheus API response: ${truncate(answer.body, 120) || '(empty)'}`, ctx, status);
    }
    if (envelope.status !== 'success') {
      throw errorFromAnswer(answer, ctx, envelope);
    }
    const warnings = envelope.warnings ?? [];
    if (warnings.length > 0 || envelope.isPartial === true) {
      const list = warnings.length > 0 ? warnings.map((w) => truncate(w, 200)).join('; ') : 'isPartial: true';
      throw make(
        'partial',
        `${where(ctx)} answered with warnings, so the result may be incomplete: ${list}`,
        'treating the result as unknown; check the stores/replicas behind the query API (Thanos: partial_response=false, VictoriaMetrics: deny_partial_response=1 are sent unless disabled)',
        ctx,
        { status, warnings },
      );
    }
    return envelope.data;
  }
  throw errorFromAnswer(answer, ctx, envelope);
}

function failInvalid(headline: string, ctx: RequestContext, status: number): never {
  throw make('invalid_response', headline, 'check that the URL points at a Prometheus-compatible query API and not at a proxy or login page', ctx, { status });
}

/** The error for a non-success answer. `envelope` is the parsed JSON body, when the body was one. */
export function errorFromAnswer(answer: HttpAnswer, ctx: RequestContext, envelope: ApiEnvelope | undefined = parseJson(answer.body)): MetricsSourceError {
  const { status } = answer;
  const errorType = envelope?.errorType;
  const detail = envelope?.error !== undefined ? truncate(envelope.error, BODY_LIMIT) : truncate(answer.body, 200) || '(empty body)';
  const extra = { status, ...(errorType === undefined ? {} : { errorType }) };
  const head = `${where(ctx)} answered HTTP ${status}${errorType === undefined ? '' : ` ${errorType}`}: ${detail}`;

  // A query that runs out of time while expanding series comes back as 422 execution "expanding series:
  // context deadline exceeded" (observed on 2.42 with --query.timeout=1ms): a timeout, not a broken query.
  if (errorType === 'timeout' || errorType === 'canceled' || (status !== 400 && TIMEOUT_TEXT.test(envelope?.error ?? ''))) {
    return make('timeout', head, 'the backend gave up on the query; it is retried, and if it keeps timing out use recording rules or a shorter window', ctx, extra);
  }
  if (status === 400 || errorType === 'bad_data') {
    return make('bad_data', head, 'fix the query or its parameters; retrying will not help', ctx, extra);
  }
  if (status === 422 || errorType === 'execution') {
    return make('execution', head, 'the query parsed but cannot run: fix its label matching, or narrow it if it loads too many samples', ctx, extra);
  }
  if (status === 401 || status === 403) {
    return make('auth', `${where(ctx)} answered HTTP ${status}: credentials are missing or rejected`, 'check bearerToken/basicAuth (and the tenant header for Mimir/Cortex)', ctx, extra);
  }
  if (status === 404) {
    const prefix = ctx.pathPrefix === undefined || ctx.pathPrefix === '' ? 'no path prefix' : `path prefix "${ctx.pathPrefix}"`;
    return make('not_found', `${where(ctx)} answered HTTP 404: ${detail}`, `the URL or path prefix is probably wrong (using ${prefix}); Mimir/Cortex need pathPrefix /prometheus, a VictoriaMetrics cluster /select/<tenant>/prometheus`, ctx, extra);
  }
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(answer.headers);
    return make('rate_limited', head, 'the backend is rate-limiting queries; retrying later, consider a longer evaluation interval', ctx, {
      ...extra,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  if (status === 503) {
    return make('unavailable', head, 'the backend is not ready (starting up or overloaded); retrying', ctx, extra);
  }
  if (status >= 500) {
    const retryAfterMs = parseRetryAfter(answer.headers);
    return make('server', head, 'the backend failed; retrying', ctx, { ...extra, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  }
  if (status >= 300 && status < 400) {
    const location = answer.headers.location;
    return make('http', `${where(ctx)} answered HTTP ${status}, a redirect to ${location === undefined ? '(no Location)' : redactUrl(location)}`, 'write the final URL in the config: redirects are not followed, so credentials are never sent to another address', ctx, extra);
  }
  if (status === 405) {
    return make('http', head, 'the server does not accept POST on this path: check the URL and path prefix, or a proxy in front of the backend', ctx, extra);
  }
  if (status >= 200 && status < 300) {
    // A 2xx with status "error" in the body.
    return make('invalid_response', head, 'the backend reported an error with a success status; check the backend', ctx, extra);
  }
  return make('http', head, 'unexpected status: check the URL and any proxy in front of the backend', ctx, extra);
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN',
  'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'ERR_SOCKET_CONNECTION_TIMEOUT', 'UND_ERR_SOCKET', 'ERR_NETWORK',
]);

const TLS_CODES = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|ERR_TLS_|ERR_SSL_|EPROTO$|HOSTNAME_MISMATCH$)/;

/**
 * A transport failure without the original error object: axios errors carry the request config, headers
 * included (the Authorization header!), so only the code and message are kept as the cause.
 */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(message: string, readonly code: string | undefined) {
    super(message);
  }
}

export interface TransportFailure {
  readonly code?: string;
  readonly message: string;
  /** Our own time limit fired. */
  readonly timedOut: boolean;
  /** The caller's AbortSignal fired. */
  readonly aborted: boolean;
  readonly timeoutMs: number;
  /** The response was larger than allowed. */
  readonly tooLarge?: boolean;
  /** The limit it exceeded, in bytes. */
  readonly limitBytes?: number;
}

/** The error for a request that got no HTTP answer. */
export function errorFromTransport(failure: TransportFailure, ctx: RequestContext): MetricsSourceError {
  const cause = new TransportError(failure.message, failure.code);
  const code = failure.code === undefined ? '' : ` (${failure.code})`;
  if (failure.aborted) {
    return make('client_timeout', `request to ${where(ctx)} was aborted by the caller`, 'the evaluation was cancelled (shutdown or a newer cycle); nothing to fix', ctx, { cause });
  }
  if (failure.timedOut) {
    return make('client_timeout', `${where(ctx)} did not answer within ${failure.timeoutMs} ms`, 'retrying; if it keeps happening raise the timeout or make the query cheaper (recording rules)', ctx, { cause });
  }
  if (failure.tooLarge === true) {
    const limit = failure.limitBytes === undefined ? 'the limit' : formatByteSize(failure.limitBytes);
    return make(
      'too_large',
      `${where(ctx)} sent an answer larger than ${limit} (prometheus.maxResponseSize); reading stopped there so the daemon keeps its memory`,
      'a long range is split into smaller requests, and this one could not be split further: select fewer series (a more specific selector, or a recording rule that aggregates away labels such as pod or instance), or raise prometheus.maxResponseSize together with the memory limit (NODE_OPTIONS=--max-old-space-size, the container memory limit)',
      ctx,
      { cause },
    );
  }
  if (failure.code !== undefined && TLS_CODES.test(failure.code)) {
    return make('tls', `TLS with ${where(ctx)} failed${code}: ${failure.message}`, 'check tls.caFile (the CA that signed the server certificate), tls.serverName, and that the URL scheme matches the server (https vs http)', ctx, { cause });
  }
  if (failure.code === undefined || NETWORK_CODES.has(failure.code)) {
    return make('network', `cannot reach ${where(ctx)}${code}: ${failure.message}`, 'check that the backend is running and the URL host and port are right; retrying', ctx, { cause });
  }
  return make('network', `request to ${where(ctx)} failed${code}: ${failure.message}`, 'retrying; check the URL and the network path to the backend', ctx, { cause });
}
