import http from 'node:http';
import https from 'node:https';
import axios, { isAxiosError } from 'axios';
import type { AxiosInstance } from 'axios';
import pLimit from 'p-limit';
import type { LimitFunction } from 'p-limit';
import type { Deadline } from '../../http/deadline.js';
import { clockDeadline } from '../../http/deadline.js';
import { formatDuration } from '../../slo/duration.js';
import { MetricsSourceError } from '../errors.js';
import type {
  BackendKind, BuildInfo, InstantResult, MetricsSource, Point, QueryOptions, QueryStats, RangeResult, RawSamplesOptions, Sample, Series,
} from '../source.js';
import type { TimeRange } from './chunks.js';
import { halveRangeChunk, halveRawRange, MAX_POINTS_PER_SERIES, mergeSeries, planRangeChunks, planRawChunks, RAW_CHUNK_MS } from './chunks.js';
import type { PrometheusClientOptions, Secret } from './config.js';
import { redactUrl } from '../../redact-url.js';
import { DEFAULT_MAX_CONCURRENT_REQUESTS, DEFAULT_MAX_RESPONSE_BYTES } from './config.js';
import type { HttpAnswer, RequestContext } from './errors.js';
import { errorFromAnswer, errorFromTransport, truncate, unwrapAnswer } from './errors.js';
import type { PromStats } from './schema.js';
import { BuildInfoData, msToSecondsParam, parseSampleValue, QueryData, secondsToMs } from './schema.js';

/**
 * `MetricsSource` over the Prometheus HTTP API (also Thanos Querier, Mimir/Cortex, VictoriaMetrics).
 *
 * - Queries are POSTed as `application/x-www-form-urlencoded` (a JSON body is ignored by Prometheus, and
 *   long queries do not fit in a URL).
 * - No retries: every failure becomes a `MetricsSourceError` and the engine decides.
 * - Redirects are not followed (credentials must not travel to another address).
 * - An answer is read up to `maxResponseBytes` (default 8 MiB) and no further, so one huge answer cannot exhaust
 *   the heap; a range query or raw-sample request whose answer is larger is split in halves and asked again.
 * - At most `maxConcurrentRequests` (default 4) exchanges are in flight; the rest wait for a turn before their
 *   timeout starts. Answers being read so take at most that many times `maxResponseBytes`.
 * - HTTP(S) proxies from the standard environment variables are honoured, as axios does by default.
 * - Credentials never appear in `url`, messages or error causes.
 */
export class PrometheusSource implements MetricsSource {
  readonly url: string;
  private readonly base: string;
  private readonly pathPrefix: string;
  private readonly readyPath: string;
  private readonly timeoutMs: number;
  private readonly deadline: Deadline;
  private readonly maxPoints: number;
  private readonly rawChunkMs: number;
  private readonly maxResponseBytes: number;
  /** One turn per exchange: bounds the answers in memory at once. */
  private readonly turn: LimitFunction;
  private readonly http: AxiosInstance;
  private readonly agent: http.Agent;
  private readonly staticParams: readonly (readonly [string, string])[];
  /** `user:password@` from the URL, used as basic auth when no other credentials are configured. */
  private readonly userInfo: { username: string; password: string } | undefined;

  constructor(private readonly options: PrometheusClientOptions) {
    const parsed = new URL(options.url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new TypeError(`${redactUrl(options.url)}: only http and https URLs are supported`);
    }
    const userInfo = parsed.username !== '' || parsed.password !== ''
      ? { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) }
      : undefined;
    this.base = redactUrl(options.url);
    this.userInfo = userInfo;
    this.pathPrefix = (options.pathPrefix ?? '').replace(/\/+$/, '');
    this.readyPath = options.readyPath ?? '/-/ready';
    this.url = `${this.base}${this.pathPrefix}`;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.deadline = options.deadline ?? clockDeadline;
    this.maxPoints = options.maxPointsPerRequest ?? MAX_POINTS_PER_SERIES;
    this.rawChunkMs = options.rawChunkMs ?? RAW_CHUNK_MS;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.turn = pLimit(options.maxConcurrentRequests ?? DEFAULT_MAX_CONCURRENT_REQUESTS);

    const tls = options.tls;
    this.agent = parsed.protocol === 'https:'
      ? new https.Agent({
          keepAlive: true,
          rejectUnauthorized: tls?.insecureSkipVerify !== true,
          ...(tls?.ca === undefined ? {} : { ca: tls.ca }),
          ...(tls?.cert === undefined ? {} : { cert: tls.cert }),
          ...(tls?.key === undefined ? {} : { key: tls.key }),
          ...(tls?.serverName === undefined ? {} : { servername: tls.serverName }),
        })
      : new http.Agent({ keepAlive: true });

    this.http = axios.create({
      httpAgent: this.agent,
      httpsAgent: this.agent,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      maxRedirects: 0,
      // Counted on the decompressed stream as it arrives; axios stops reading and rejects past it.
      maxContentLength: this.maxResponseBytes,
      maxBodyLength: Infinity,
    });

    const deny = options.denyPartialResponse;
    const params: [string, string][] = [];
    if (deny?.thanos !== false) params.push(['partial_response', 'false']);
    if (deny?.victoriaMetrics !== false) params.push(['deny_partial_response', '1']);
    for (const [name, value] of Object.entries(options.params ?? {})) params.push([name, value]);
    this.staticParams = params;
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  async instantQuery(expr: string, at: Date, options: QueryOptions = {}): Promise<InstantResult> {
    const atMs = timeOf(at, 'at');
    const ctx = this.context('/api/v1/query', expr, `at ${at.toISOString()}`);
    const form = this.form(expr, options);
    form.set('time', msToSecondsParam(atMs));
    const data = this.parseQueryData(await this.post(ctx, form, options.signal), ctx);
    const stats = toStats(data.stats);
    const withStats = stats === undefined ? {} : { stats };
    switch (data.resultType) {
      case 'vector':
        return { kind: 'vector', samples: data.result.map((s) => toSample(s, ctx)), ...withStats };
      case 'matrix':
        return { kind: 'matrix', series: data.result.map((s) => toSeries(s, ctx)), ...withStats };
      case 'scalar':
        return { kind: 'scalar', value: toValue(data.result[1], ctx), tsMs: secondsToMs(data.result[0]), ...withStats };
      case 'string':
        throw invalid(ctx, 'the query returned a string, not a number', 'write an expression that returns a vector or scalar');
      default: {
        const unreachable: never = data;
        return unreachable;
      }
    }
  }

  async rangeQuery(expr: string, start: Date, end: Date, stepMs: number, options: QueryOptions = {}): Promise<RangeResult> {
    const startMs = timeOf(start, 'start');
    const endMs = timeOf(end, 'end');
    const ctx0 = this.context('/api/v1/query_range', expr, `from ${start.toISOString()} to ${end.toISOString()} step ${stepMs} ms`);
    if (!Number.isSafeInteger(stepMs) || stepMs <= 0 || endMs < startMs) {
      throw new MetricsSourceError(`invalid range query: step must be a positive whole number of ms and end not before start\n  query: ${truncate(expr, 300)}\n  ${ctx0.when ?? ''}`, { kind: 'bad_data', url: this.url, query: truncate(expr, 300) });
    }
    const parts: Series[][] = [];
    const stats: PromStats[] = [];
    const fetch = async (chunk: TimeRange): Promise<void> => {
      const ctx = this.context('/api/v1/query_range', expr, `from ${new Date(chunk.startMs).toISOString()} to ${new Date(chunk.endMs).toISOString()} step ${stepMs} ms`);
      const form = this.form(expr, options);
      form.set('start', msToSecondsParam(chunk.startMs));
      form.set('end', msToSecondsParam(chunk.endMs));
      form.set('step', msToSecondsParam(stepMs));
      const data = this.parseQueryData(await this.post(ctx, form, options.signal), ctx);
      if (data.resultType !== 'matrix') throw invalid(ctx, `a range query returned ${data.resultType}, not matrix`, 'check that the URL points at a Prometheus-compatible query API');
      parts.push(data.result.map((s) => toSeries(s, ctx)));
      if (data.stats !== undefined) stats.push(data.stats);
    };
    for (const chunk of planRangeChunks(startMs, endMs, stepMs, this.maxPoints)) {
      await this.splitWhileTooLarge(chunk, (c) => halveRangeChunk(c, stepMs), fetch);
    }
    return withMergedStats({ series: mergeSeries(parts) }, stats);
  }

  async rawSamples(selector: string, start: Date, end: Date, options: RawSamplesOptions = {}): Promise<RangeResult> {
    const startMs = timeOf(start, 'start');
    const endMs = timeOf(end, 'end');
    const chunkMs = options.chunkMs ?? this.rawChunkMs;
    const trimmed = selector.trim();
    if (trimmed.endsWith(']') || endMs < startMs || !Number.isSafeInteger(chunkMs) || chunkMs <= 0) {
      throw new MetricsSourceError(
        `invalid raw-samples request: pass an instant-vector selector without [range] (got ${truncate(selector, 300)}), end not before start and a positive whole chunk length`,
        { kind: 'bad_data', url: this.url, query: truncate(selector, 300) },
      );
    }
    const parts: Series[][] = [];
    const stats: PromStats[] = [];
    const fetch = async (chunk: TimeRange): Promise<void> => {
      const expr = `${trimmed}[${formatDuration(chunk.endMs - chunk.startMs)}]`;
      const ctx = this.context('/api/v1/query', expr, `at ${new Date(chunk.endMs).toISOString()}`);
      const form = this.form(expr, options);
      form.set('time', msToSecondsParam(chunk.endMs));
      const data = this.parseQueryData(await this.post(ctx, form, options.signal), ctx);
      if (data.resultType !== 'matrix') throw invalid(ctx, `a range selector returned ${data.resultType}, not matrix`, 'pass a plain selector such as http_requests_total{job="api"}');
      // Prometheus 2.x range selectors include the sample at exactly `end - range`; 3.x do not. Keep (start, end].
      parts.push(data.result.map((s) => {
        const series = toSeries(s, ctx);
        return { labels: series.labels, points: series.points.filter(([t]) => t > chunk.startMs && t <= chunk.endMs) };
      }));
      if (data.stats !== undefined) stats.push(data.stats);
    };
    for (const chunk of planRawChunks(startMs, endMs, chunkMs)) {
      await this.splitWhileTooLarge(chunk, (c) => halveRawRange(c), fetch);
    }
    const series = mergeSeries(parts).filter((s) => s.points.length > 0);
    return withMergedStats({ series }, stats);
  }

  /**
   * Runs `fetch` over `range`; when the answer is too large, over the halves `halve` gives instead (in time
   * order, depth first), until the answers fit or a piece cannot be halved (then the `too_large` error stands).
   */
  private async splitWhileTooLarge(range: TimeRange, halve: (r: TimeRange) => readonly TimeRange[] | undefined, fetch: (r: TimeRange) => Promise<void>): Promise<void> {
    try {
      await fetch(range);
    } catch (err) {
      const halves = err instanceof MetricsSourceError && err.kind === 'too_large' ? halve(range) : undefined;
      if (halves === undefined) throw err;
      this.options.onAnswerTooLarge?.({
        query: (err as MetricsSourceError).query ?? '',
        when: `from ${new Date(range.startMs).toISOString()} to ${new Date(range.endMs).toISOString()}`,
        limitBytes: this.maxResponseBytes,
      });
      for (const half of halves) await this.splitWhileTooLarge(half, halve, fetch);
    }
  }

  async ready(options: { readonly signal?: AbortSignal } = {}): Promise<boolean> {
    const ctx: RequestContext = { url: this.base, endpoint: this.readyPath, pathPrefix: this.pathPrefix };
    let answer: HttpAnswer;
    try {
      answer = await this.turn(() => this.send(ctx, 'GET', `${this.base}${this.readyPath}`, undefined, options.signal));
    } catch (err) {
      if (err instanceof MetricsSourceError && (err.kind === 'network' || (err.kind === 'client_timeout' && options.signal?.aborted !== true))) return false;
      throw err;
    }
    if (answer.status >= 200 && answer.status < 300) return true;
    const error = errorFromAnswer(answer, ctx);
    if (error.retryable) return false;
    throw error;
  }

  async buildInfo(options: { readonly signal?: AbortSignal } = {}): Promise<BuildInfo> {
    const ctx = this.context('/api/v1/status/buildinfo');
    const answer = await this.turn(() => this.send(ctx, 'GET', `${this.url}${ctx.endpoint}`, undefined, options.signal));
    const parsed = BuildInfoData.safeParse(unwrapAnswer(answer, ctx));
    if (!parsed.success) throw invalid(ctx, 'the answer is not build information', 'check that the URL points at a Prometheus-compatible API');
    const { version, revision } = parsed.data;
    return {
      kind: backendKind(parsed.data, answer.headers),
      version: version === undefined || version === '' ? 'unknown' : version,
      ...(revision === undefined || revision === '' ? {} : { revision }),
    };
  }

  private context(endpoint: string, query?: string, when?: string): RequestContext {
    return {
      url: this.url,
      endpoint,
      pathPrefix: this.pathPrefix,
      ...(query === undefined ? {} : { query }),
      ...(when === undefined ? {} : { when }),
    };
  }

  private form(expr: string, options: QueryOptions): URLSearchParams {
    const form = new URLSearchParams();
    form.set('query', expr);
    // Let the backend give up a little before we do, so its own timeout error (with its reason) reaches us.
    const margin = Math.min(1000, Math.floor(this.timeoutMs / 10));
    form.set('timeout', formatDuration(Math.max(1, this.timeoutMs - margin)));
    if (options.stats === true) form.set('stats', 'all');
    for (const [name, value] of this.staticParams) form.set(name, value);
    return form;
  }

  private async post(ctx: RequestContext, form: URLSearchParams, signal: AbortSignal | undefined): Promise<{ data: unknown; status: number }> {
    // The answer's text is parsed inside the turn, so no more than the bound of raw answers is held at once.
    return this.turn(async () => {
      const answer = await this.send(ctx, 'POST', `${this.url}${ctx.endpoint}`, form.toString(), signal);
      return { data: unwrapAnswer(answer, ctx), status: answer.status };
    });
  }

  private parseQueryData(answer: { data: unknown; status: number }, ctx: RequestContext): QueryData {
    const parsed = QueryData.safeParse(answer.data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const at = issue === undefined ? '' : ` (data.${issue.path.join('.')}: ${issue.message})`;
      throw invalid(ctx, `the answer is not a query result${at}`, 'check that the URL points at a Prometheus-compatible query API', answer.status);
    }
    return parsed.data;
  }

  /** One HTTP exchange. Resolves with any HTTP answer; rejects only when there was none. */
  private async send(ctx: RequestContext, method: 'GET' | 'POST', url: string, body: string | undefined, signal: AbortSignal | undefined): Promise<HttpAnswer> {
    const timeoutMs = this.timeoutMs;
    if (isAborted(signal)) {
      throw errorFromTransport({ message: 'aborted before sending', aborted: true, timedOut: false, timeoutMs }, ctx);
    }
    const headers = await this.headers(ctx, body !== undefined);
    const controller = new AbortController();
    let timedOut = false;
    const limit = this.deadline(timeoutMs);
    const onTimeLimit = (): void => {
      timedOut = true;
      controller.abort();
    };
    if (limit.aborted) onTimeLimit();
    else limit.addEventListener('abort', onTimeLimit, { once: true });
    const onAbort = (): void => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const res = await this.http.request<unknown>({ method, url, data: body, headers, signal: controller.signal });
      return { status: res.status, body: typeof res.data === 'string' ? res.data : '', headers: lowerCaseHeaders(res.headers) };
    } catch (err) {
      const code = isAxiosError(err) ? err.code : errorCode(err);
      const message = err instanceof Error ? err.message : String(err);
      throw errorFromTransport({
        ...(code === undefined ? {} : { code }),
        message,
        aborted: isAborted(signal) && !timedOut,
        timedOut,
        timeoutMs,
        tooLarge: /maxContentLength/i.test(message),
        limitBytes: this.maxResponseBytes,
      }, ctx);
    } finally {
      limit.removeEventListener('abort', onTimeLimit);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private async headers(ctx: RequestContext, form: boolean): Promise<Record<string, string>> {
    const headers: Record<string, string> = { ...this.options.headers, Accept: 'application/json', 'User-Agent': 'burnwatch' };
    if (form) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    try {
      if (this.options.bearerToken !== undefined) {
        headers.Authorization = `Bearer ${await readSecret(this.options.bearerToken)}`;
      } else {
        const basic = this.options.basicAuth === undefined
          ? this.userInfo
          : { username: this.options.basicAuth.username, password: await readSecret(this.options.basicAuth.password) };
        if (basic !== undefined) headers.Authorization = `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`;
      }
    } catch (err) {
      // The reader's message names the file or variable, never the secret.
      const reason = err instanceof Error ? err.message : String(err);
      throw new MetricsSourceError(`cannot read the credentials for ${ctx.url}: ${reason}\n  check the bearerToken/basicAuth file or variable`, { kind: 'auth', url: ctx.url });
    }
    return headers;
  }
}

/**
 * Which backend answered: Mimir names itself (`application`); VictoriaMetrics sets an `X-Server-Hostname`
 * header on its answers (its build information may be empty); Prometheus's carries the Go build fields.
 */
export function backendKind(data: BuildInfoData, headers: Readonly<Record<string, string | undefined>>): BackendKind {
  if (/mimir/i.test(data.application ?? '')) return 'mimir';
  if (headers['x-server-hostname'] !== undefined) return 'victoriametrics';
  if (data.goVersion !== undefined && data.revision !== undefined) return 'prometheus';
  return 'unknown';
}

export function createPrometheusSource(options: PrometheusClientOptions): PrometheusSource {
  return new PrometheusSource(options);
}

async function readSecret(secret: Secret): Promise<string> {
  return typeof secret === 'string' ? secret : await secret();
}

function timeOf(date: Date, name: string): number {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError(`${name} is an invalid Date`);
  return ms;
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

function lowerCaseHeaders(raw: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (typeof raw !== 'object' || raw === null) return out;
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof value === 'string' || typeof value === 'number') out[name.toLowerCase()] = String(value);
    else if (Array.isArray(value)) out[name.toLowerCase()] = value.filter((v) => typeof v === 'string').join(', ');
  }
  return out;
}

function invalid(ctx: RequestContext, what: string, todo: string, status?: number): MetricsSourceError {
  return new MetricsSourceError(`${ctx.url}${ctx.endpoint}: ${what}${ctx.query === undefined ? '' : `\n  query: ${truncate(ctx.query, 300)}`}\n  ${todo}`, {
    kind: 'invalid_response',
    url: ctx.url,
    ...(status === undefined ? {} : { status }),
    ...(ctx.query === undefined ? {} : { query: truncate(ctx.query, 300) }),
  });
}

function toValue(text: string, ctx: RequestContext): number {
  const value = parseSampleValue(text);
  if (value === undefined) throw invalid(ctx, `sample value "${truncate(text, 40)}" is not a number`, 'check that the URL points at a Prometheus-compatible query API');
  return value;
}

function toSample(s: { metric: Record<string, string>; value?: [number, string] | undefined }, ctx: RequestContext): Sample {
  if (s.value === undefined) throw invalid(ctx, 'a sample has no value (a native histogram?)', 'query a classic counter or gauge, e.g. a _count or _bucket series');
  return { labels: s.metric, tsMs: secondsToMs(s.value[0]), value: toValue(s.value[1], ctx) };
}

function toSeries(s: { metric: Record<string, string>; values?: [number, string][] | undefined }, ctx: RequestContext): Series {
  if (s.values === undefined) throw invalid(ctx, 'a series has no values (native histograms?)', 'query a classic counter or gauge, e.g. a _count or _bucket series');
  const points: Point[] = new Array<Point>(s.values.length);
  for (let i = 0; i < s.values.length; i++) {
    const [ts, text] = s.values[i] as [number, string];
    points[i] = [secondsToMs(ts), toValue(text, ctx)];
  }
  return { labels: s.metric, points };
}

function toStats(stats: PromStats | undefined): QueryStats | undefined {
  const samples = stats?.samples;
  if (samples === undefined) return undefined;
  return {
    ...(samples.totalQueryableSamples === undefined ? {} : { totalQueryableSamples: samples.totalQueryableSamples }),
    ...(samples.peakSamples === undefined ? {} : { peakSamples: samples.peakSamples }),
  };
}

/** Totals are summed over chunks; the peak is the largest of any one request. */
function withMergedStats(result: { series: Series[] }, stats: readonly PromStats[]): RangeResult {
  const each = stats.map(toStats).filter((s): s is QueryStats => s !== undefined);
  if (each.length === 0) return result;
  const totals = each.map((s) => s.totalQueryableSamples).filter((n): n is number => n !== undefined);
  const peaks = each.map((s) => s.peakSamples).filter((n): n is number => n !== undefined);
  return {
    ...result,
    stats: {
      ...(totals.length === 0 ? {} : { totalQueryableSamples: totals.reduce((a, b) => a + b, 0) }),
      ...(peaks.length === 0 ? {} : { peakSamples: Math.max(...peaks) }),
    },
  };
}
