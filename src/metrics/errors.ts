/**
 * Why a metrics query failed, in terms the engine acts on. The engine owns retrying: it retries when
 * `retryable` is true (after `retryAfterMs` when given) and otherwise reports the SLO as unknown with the
 * message. No kind ever means "healthy".
 */
export type MetricsErrorKind =
  /** 400: the query or a parameter is invalid (PromQL syntax, too many points). Fix the query. */
  | 'bad_data'
  /** 422: the query parsed but could not run (many-to-many matching, too many samples). */
  | 'execution'
  /** 503 JSON `timeout`/`canceled`: the backend gave up on the query. */
  | 'timeout'
  /** Plain-text 503 (Prometheus still starting, replaying its WAL) or JSON `unavailable`. */
  | 'unavailable'
  /** Other 5xx. */
  | 'server'
  /** 401/403: credentials missing or rejected. */
  | 'auth'
  /** 404: usually a wrong URL or path prefix. */
  | 'not_found'
  /** 429: the backend (often a query frontend) asks us to slow down; see `retryAfterMs`. */
  | 'rate_limited'
  /** Connection refused/reset, DNS failure, ... */
  | 'network'
  /** TLS handshake failed (unknown CA, wrong host name, expired certificate). */
  | 'tls'
  /** Our own time limit, or the caller's AbortSignal, ended the request. */
  | 'client_timeout'
  /** The backend answered but said the data may be incomplete (non-empty `warnings`, `isPartial`). */
  | 'partial'
  /** Any other HTTP status (405, 413, ...). */
  | 'http'
  /** The answer was larger than `prometheus.maxResponseSize` (even after splitting the time range). */
  | 'too_large'
  /** The answer was not a Prometheus API response we understand. */
  | 'invalid_response';

const RETRYABLE: Readonly<Record<MetricsErrorKind, boolean>> = {
  bad_data: false,
  execution: false,
  timeout: true,
  unavailable: true,
  server: true,
  auth: false,
  not_found: false,
  rate_limited: true,
  network: true,
  tls: false,
  client_timeout: true,
  partial: true,
  http: false,
  too_large: false,
  invalid_response: false,
};

export function isRetryableKind(kind: MetricsErrorKind): boolean {
  return RETRYABLE[kind];
}

export interface MetricsSourceErrorDetails {
  readonly kind: MetricsErrorKind;
  /** Backend URL without credentials. */
  readonly url: string;
  /** The query, possibly truncated. */
  readonly query?: string;
  readonly status?: number;
  /** Prometheus `errorType` when the backend sent one. */
  readonly errorType?: string;
  /** Backend warnings (kind `partial`). */
  readonly warnings?: readonly string[];
  readonly retryAfterMs?: number;
  /** Overrides the default for the kind. */
  readonly retryable?: boolean;
  readonly cause?: unknown;
}

/** A failed call to a MetricsSource. The message names the backend (without credentials), the query and what to do. */
export class MetricsSourceError extends Error {
  override readonly name = 'MetricsSourceError';
  readonly kind: MetricsErrorKind;
  readonly retryable: boolean;
  readonly url: string;
  readonly query?: string;
  readonly status?: number;
  readonly errorType?: string;
  readonly warnings?: readonly string[];
  readonly retryAfterMs?: number;

  constructor(message: string, details: MetricsSourceErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = details.kind;
    this.retryable = details.retryable ?? isRetryableKind(details.kind);
    this.url = details.url;
    if (details.query !== undefined) this.query = details.query;
    if (details.status !== undefined) this.status = details.status;
    if (details.errorType !== undefined) this.errorType = details.errorType;
    if (details.warnings !== undefined) this.warnings = details.warnings;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

export function isMetricsSourceError(err: unknown): err is MetricsSourceError {
  return err instanceof MetricsSourceError;
}
