/**
 * What the engine needs from a time-series backend, declared by its consumer and kept small. The Prometheus
 * HTTP API adapter (prometheus/) is one implementation; tests may supply fakes.
 *
 * All times are `Date` on the way in and epoch milliseconds on the way out. Every method may throw a
 * `MetricsSourceError` (errors.ts) whose `kind` and `retryable` tell the engine what happened; a source never
 * retries on its own.
 */

/** Labels of one series, including `__name__` when the query keeps it. */
export type Labels = Readonly<Record<string, string>>;

/** One element of an instant vector. `value` may be NaN or ±Infinity (Prometheus sends them as strings). */
export interface Sample {
  readonly labels: Labels;
  readonly tsMs: number;
  readonly value: number;
}

/** A point of a series: [epoch milliseconds, value]. */
export type Point = readonly [tsMs: number, value: number];

/** One series of a range result, points in ascending time order without duplicate timestamps. */
export interface Series {
  readonly labels: Labels;
  readonly points: readonly Point[];
}

/**
 * Samples the backend touched to answer (Prometheus `stats` `samples`, 2.35+). Summed over chunks for
 * `totalQueryableSamples`; `peakSamples` is the largest of any one request.
 */
export interface QueryStats {
  readonly totalQueryableSamples?: number;
  readonly peakSamples?: number;
}

export type InstantResult =
  | { readonly kind: 'vector'; readonly samples: readonly Sample[]; readonly stats?: QueryStats }
  | { readonly kind: 'matrix'; readonly series: readonly Series[]; readonly stats?: QueryStats }
  | { readonly kind: 'scalar'; readonly value: number; readonly tsMs: number; readonly stats?: QueryStats };

export interface RangeResult {
  readonly series: readonly Series[];
  readonly stats?: QueryStats;
}

export interface QueryOptions {
  /** Aborts the request (e.g. on shutdown); the promise then rejects with kind `client_timeout`. */
  readonly signal?: AbortSignal;
  /** Ask the backend for sample statistics (`stats` in the result). */
  readonly stats?: boolean;
}

export interface RawSamplesOptions extends QueryOptions {
  /** Longest range asked for in one request (default 6 h); longer ranges are split and merged. */
  readonly chunkMs?: number;
}

/** The kind of backend behind the query API, as its build information tells. */
export type BackendKind = 'prometheus' | 'victoriametrics' | 'mimir' | 'unknown';

/** Version information, when the backend exposes it (`/api/v1/status/buildinfo`). */
export interface BuildInfo {
  readonly kind: BackendKind;
  /** `unknown` when the backend does not say. */
  readonly version: string;
  readonly revision?: string;
}

export interface MetricsSource {
  /** Where queries go, for messages and logs: never contains credentials. */
  readonly url: string;

  /** Evaluates `expr` at `at`. */
  instantQuery(expr: string, at: Date, options?: QueryOptions): Promise<InstantResult>;

  /**
   * Evaluates `expr` at `start`, `start + step`, ... up to `end` (inclusive). Long ranges are split into
   * requests under the backend's 11,000-points-per-series limit and merged by label set, so the result is
   * the same as one request would give.
   */
  rangeQuery(expr: string, start: Date, end: Date, stepMs: number, options?: QueryOptions): Promise<RangeResult>;

  /**
   * The stored samples of an instant-vector `selector` (e.g. `http_requests_total{job="api"}`) with
   * timestamps in (start, end], per series in ascending time order: what the engine differences locally to
   * count events exactly. Long ranges are fetched in chunks and merged.
   */
  rawSamples(selector: string, start: Date, end: Date, options?: RawSamplesOptions): Promise<RangeResult>;

  /**
   * Whether the backend says it is ready to answer queries. `false` while it starts up or cannot be
   * reached; throws a `MetricsSourceError` when retrying cannot help (wrong path, rejected credentials).
   */
  ready(options?: { readonly signal?: AbortSignal }): Promise<boolean>;

  buildInfo?(options?: { readonly signal?: AbortSignal }): Promise<BuildInfo>;
}
