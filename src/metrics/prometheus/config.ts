import { z } from 'zod';
import { redactUrl } from '../../redact-url.js';
import { DURATION_HINT, parseDuration } from '../../slo/duration.js';
import type { Deadline } from '../../http/deadline.js';

/**
 * Connection settings for a Prometheus-compatible query API (Prometheus, Thanos Querier, Mimir/Cortex,
 * VictoriaMetrics), in two forms:
 *
 * - `PrometheusConnection`: what a user writes in the daemon's config file (strict: a typo is an error).
 *   Secrets are *references* (`{ file: ... }` or `{ env: ... }`), never values.
 * - `PrometheusClientOptions`: what the client takes, with secrets resolved by the caller
 *   (`resolveClientOptions`, given the means to read files and the environment), so this module does no I/O.
 *
 * Messages follow the project convention: first line what is wrong, second line what to write instead.
 */

const HEADER_NAME_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

const SecretRef = z.union(
  [
    z.strictObject({ file: z.string().min(1, { error: 'file is empty\nwrite the path of the file that holds the secret' }) }),
    z.strictObject({ env: z.string().regex(ENV_NAME_RE, { error: 'is not an environment variable name\nwrite a name such as PROMETHEUS_TOKEN' }) }),
  ],
  { error: 'must say where to read the secret\nwrite { file: /run/secrets/prometheus-token } or { env: PROMETHEUS_TOKEN }; never the secret itself' },
);
export type SecretRef = z.infer<typeof SecretRef>;

/**
 * Default largest answer read from the backend: 8 MiB. Parsing JSON and turning it into series takes about
 * 6 bytes of heap per byte of answer (measured on matrix answers), so 8 MiB costs about 50 MB at its peak,
 * well below the 256 MB heap the container image sets; longer ranges are split into smaller requests.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
/**
 * Requests in flight at once. Every SLO's queries of a cycle start together, so without a bound the answers
 * being read could take (number of queries) x maxResponseSize; with it, at most 4 x 8 MiB. burnwatch reads
 * each metric once per cycle (about 20 requests for 1,000 SLOs), so queueing costs little.
 */
export const DEFAULT_MAX_CONCURRENT_REQUESTS = 4;
const MAX_CONCURRENT_REQUESTS = 64;
/** Smallest accepted `maxResponseSize`: below it even a short answer of a few series would not fit. */
const MIN_RESPONSE_BYTES = 64 * 1024;

const BYTE_UNITS: Readonly<Record<string, number>> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, KB: 1000, MB: 1000 ** 2, GB: 1000 ** 3 };

/** `8MiB`, `512KiB`, `20MB`, `1048576` (bytes) -> bytes; undefined for anything else. */
export function parseByteSize(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isSafeInteger(text) && text > 0 ? text : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|KB|MB|GB)?\s*$/.exec(text);
  if (!m) return undefined;
  const bytes = Math.floor(Number(m[1]) * (BYTE_UNITS[m[2] ?? 'B'] ?? 1));
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

/** Bytes as the largest binary unit that divides them, e.g. 8388608 -> `8 MiB`, 1500 -> `1500 B`. */
export function formatByteSize(bytes: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} B`;
}

const ByteSize = z
  .union([z.number(), z.string()], { error: 'must be a size such as 8MiB or 16MiB' })
  .refine((v) => (parseByteSize(v) ?? 0) >= MIN_RESPONSE_BYTES, {
    error: (issue) => `"${String(issue.input)}" is not a size of at least 64KiB\nwrite e.g. 8MiB or 16MiB (B, KiB, MiB, GiB, or KB, MB, GB)`,
  });

const Timeout = z
  .string({ error: `must be a duration such as 30s\n${DURATION_HINT}` })
  .refine((s) => (parseDuration(s) ?? 0) > 0, { error: (issue) => `"${String(issue.input)}" is not a duration\n${DURATION_HINT}` });

export const PrometheusConnection = z
  .strictObject({
    url: z
      .string({ error: 'must be the base URL of the query API, e.g. http://prometheus:9090' })
      .refine(isHttpBaseUrl, {
        error: (issue) => `"${redactUrl(String(issue.input))}" is not an http(s) base URL without query or fragment\nwrite e.g. http://prometheus:9090 and put a path such as /prometheus in pathPrefix`,
      }),
    pathPrefix: z
      .string()
      .regex(/^(\/[^/?#\s]+)*$/, { error: 'must be empty or start with "/" and not end with "/"\nwrite /prometheus for Mimir or /select/0/prometheus for a VictoriaMetrics cluster' })
      .default('')
      .meta({ description: 'Path between the URL and /api/v1 (Mimir: /prometheus; VictoriaMetrics cluster: /select/<tenant>/prometheus).' }),
    readyPath: z
      .string()
      .regex(/^\/[^?#\s]*$/, { error: 'must be a path starting with "/"\nwrite /-/ready for Prometheus or /ready for Mimir' })
      .default('/-/ready')
      .meta({ description: 'Readiness path relative to the URL (Prometheus /-/ready; Mimir /ready).' }),
    timeout: Timeout.default('30s').meta({ description: 'Time limit of one request.' }),
    maxResponseSize: ByteSize.default('8MiB').meta({
      description: 'Largest answer read from the backend (e.g. 8MiB). A larger one is refused while it streams in, and a long range is split into smaller requests until the answers fit. Raise it only together with the memory limit (--max-old-space-size): an answer takes about 6 times its size in memory while it is parsed.',
    }),
    maxConcurrentRequests: z
      .number({ error: 'must be a whole number of requests, e.g. 4' })
      .int({ error: 'must be a whole number of requests, e.g. 4' })
      .min(1, { error: 'must be at least 1' })
      .max(MAX_CONCURRENT_REQUESTS, { error: `must be at most ${MAX_CONCURRENT_REQUESTS}\nanswers in flight take up to maxConcurrentRequests x maxResponseSize of memory` })
      .default(DEFAULT_MAX_CONCURRENT_REQUESTS)
      .meta({ description: 'Requests to the backend at once; more wait their turn. Answers being read take at most maxConcurrentRequests x maxResponseSize of memory (32 MiB by default), whatever the number of SLOs.' }),
    headers: z
      .record(z.string(), z.string({ error: 'header values must be strings\nquote the value' }))
      .default({})
      .meta({ description: 'Extra request headers, e.g. X-Scope-OrgID for Mimir/Cortex tenants.' }),
    params: z
      .record(z.string().min(1), z.string({ error: 'parameter values must be strings\nquote the value' }))
      .default({})
      .meta({ description: 'Extra query parameters sent with every query, e.g. nocache: "1" (VictoriaMetrics) or dedup: "true" (Thanos).' }),
    bearerToken: SecretRef.optional(),
    basicAuth: z
      .strictObject({
        username: z.string().min(1, { error: 'username is empty' }),
        password: SecretRef,
      })
      .optional(),
    tls: z
      .strictObject({
        caFile: z.string().min(1).optional(),
        certFile: z.string().min(1).optional(),
        keyFile: z.string().min(1).optional(),
        serverName: z.string().min(1).optional(),
        insecureSkipVerify: z.boolean().default(false),
      })
      .optional(),
    denyPartialResponse: z
      .strictObject({
        thanos: z.boolean().default(true).meta({ description: 'Send partial_response=false (Thanos Querier).' }),
        victoriaMetrics: z.boolean().default(true).meta({ description: 'Send deny_partial_response=1 (VictoriaMetrics cluster).' }),
      })
      .default({ thanos: true, victoriaMetrics: true })
      .meta({ description: 'Ask scale-out backends to fail rather than answer with part of the data. Prometheus ignores both.' }),
  })
  .superRefine((conn, ctx) => {
    if (conn.bearerToken !== undefined && conn.basicAuth !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['basicAuth'], message: 'bearerToken and basicAuth are both set\nkeep one of them' });
    }
    for (const name of Object.keys(conn.headers)) {
      if (!HEADER_NAME_RE.test(name)) {
        ctx.addIssue({ code: 'custom', path: ['headers', name], message: `"${name}" is not an HTTP header name\nwrite a name such as X-Scope-OrgID (no spaces or colons)` });
      }
      if (name.toLowerCase() === 'authorization') {
        ctx.addIssue({ code: 'custom', path: ['headers', name], message: 'credentials do not belong in headers (they would sit in the config file and could be logged)\nuse bearerToken: { file: ... } or basicAuth instead' });
      }
    }
    const tls = conn.tls;
    if (tls !== undefined && (tls.certFile === undefined) !== (tls.keyFile === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['tls', tls.certFile === undefined ? 'certFile' : 'keyFile'], message: 'a client certificate needs both certFile and keyFile\nset both or neither' });
    }
    if (hasUserInfo(conn.url) && (conn.bearerToken !== undefined || conn.basicAuth !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'the URL holds credentials and bearerToken/basicAuth is set too\nremove user:password@ from the URL' });
    }
  });
export type PrometheusConnection = z.infer<typeof PrometheusConnection>;

/** A secret, or a function that reads it on every request (so rotated token files are picked up). */
export type Secret = string | (() => string | Promise<string>);

/** What the client takes: everything resolved, nothing read from disk or the environment. */
export interface PrometheusClientOptions {
  /** Base URL, e.g. `http://prometheus:9090`. `user:password@` in it is used as basic auth and never shown. */
  readonly url: string;
  /** Between the base URL and `/api/v1` (default ''). */
  readonly pathPrefix?: string;
  /** Relative to the base URL (default `/-/ready`). */
  readonly readyPath?: string;
  /** Time limit of one request in ms (default 30 s). The server-side `timeout` parameter is set a little lower. */
  readonly timeoutMs?: number;
  /** Makes the time limit of one request (the clock's when left out; tests fire it by hand). */
  readonly deadline?: Deadline;
  readonly headers?: Readonly<Record<string, string>>;
  /** Extra form parameters sent with every query. */
  readonly params?: Readonly<Record<string, string>>;
  readonly bearerToken?: Secret;
  readonly basicAuth?: { readonly username: string; readonly password: Secret };
  readonly tls?: {
    readonly ca?: string | Buffer;
    readonly cert?: string | Buffer;
    readonly key?: string | Buffer;
    readonly serverName?: string;
    readonly insecureSkipVerify?: boolean;
  };
  /** Default: both true. */
  readonly denyPartialResponse?: { readonly thanos?: boolean; readonly victoriaMetrics?: boolean };
  /**
   * Largest response body accepted, in bytes (default `DEFAULT_MAX_RESPONSE_BYTES`, 8 MiB). Reading stops there;
   * range queries and raw-sample requests whose answer is larger are split in halves and asked again.
   */
  readonly maxResponseBytes?: number;
  /** Requests in flight at once (default 4); the rest queue. Bounds the memory of answers being read. */
  readonly maxConcurrentRequests?: number;
  /** Told each time an answer was too large and the request is split (for a log line). */
  readonly onAnswerTooLarge?: (info: { readonly query: string; readonly when: string; readonly limitBytes: number }) => void;
  /** Most points per series in one range request (default and Prometheus's limit: 11,000). */
  readonly maxPointsPerRequest?: number;
  /** Longest range of one raw-samples request in ms (default 6 h); `rawSamples` options may override it. */
  readonly rawChunkMs?: number;
}

/** The I/O `resolveClientOptions` needs, supplied by the composition root. */
export interface SecretReaders {
  /** Reads a file as text (paths are passed as written; resolve them against the config file's folder first). */
  readonly readFile: (path: string) => string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * Turns the settings from a config file into client options. Environment variables are read once (a missing
 * one is an error now, not at the first query); token and password files are re-read on every request so a
 * rotated token is used without a restart. TLS files are read once.
 */
export function resolveClientOptions(conn: PrometheusConnection, io: SecretReaders): PrometheusClientOptions {
  const secret = (ref: SecretRef, field: string): Secret => {
    if ('env' in ref) {
      const value = io.env[ref.env];
      if (value === undefined || value === '') {
        throw new Error(`${field}: environment variable ${ref.env} is not set or empty\nset it, or read the secret from a file with { file: ... }`);
      }
      return value.trim();
    }
    const read = (): string => {
      const text = io.readFile(ref.file).trim();
      if (text === '') throw new Error(`${field}: file ${ref.file} is empty\nwrite the secret into it`);
      return text;
    };
    read(); // fail at start-up rather than at the first query
    return read;
  };
  const tls = conn.tls;
  return {
    url: conn.url,
    pathPrefix: conn.pathPrefix,
    readyPath: conn.readyPath,
    timeoutMs: parseDuration(conn.timeout) ?? 30_000,
    maxResponseBytes: parseByteSize(conn.maxResponseSize) ?? DEFAULT_MAX_RESPONSE_BYTES,
    maxConcurrentRequests: conn.maxConcurrentRequests,
    headers: conn.headers,
    params: conn.params,
    denyPartialResponse: conn.denyPartialResponse,
    ...(conn.bearerToken === undefined ? {} : { bearerToken: secret(conn.bearerToken, 'bearerToken') }),
    ...(conn.basicAuth === undefined
      ? {}
      : { basicAuth: { username: conn.basicAuth.username, password: secret(conn.basicAuth.password, 'basicAuth.password') } }),
    ...(tls === undefined
      ? {}
      : {
          tls: {
            insecureSkipVerify: tls.insecureSkipVerify,
            ...(tls.caFile === undefined ? {} : { ca: io.readFile(tls.caFile) }),
            ...(tls.certFile === undefined ? {} : { cert: io.readFile(tls.certFile) }),
            ...(tls.keyFile === undefined ? {} : { key: io.readFile(tls.keyFile) }),
            ...(tls.serverName === undefined ? {} : { serverName: tls.serverName }),
          },
        }),
  };
}

function isHttpBaseUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.search === '' && url.hash === '';
  } catch {
    return false;
  }
}

function hasUserInfo(text: string): boolean {
  try {
    const url = new URL(text);
    return url.username !== '' || url.password !== '';
  } catch {
    return false;
  }
}
