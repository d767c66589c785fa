import { existsSync, readFileSync } from 'node:fs';
import { createPrometheusSource } from '../metrics/prometheus/client.js';
import type { PrometheusClientOptions } from '../metrics/prometheus/config.js';
import type { MetricsSource } from '../metrics/source.js';
import { redactUrl } from '../redact-url.js';
import { parseDuration } from '../slo/duration.js';
import type { Logger } from '../logger.js';
import type { LoadOptions } from '../formats/load.js';
import type { LocatedProblem } from '../formats/located.js';
import { isWarning } from '../formats/located.js';
import type { CliIo } from './io.js';
import { UsageError } from './io.js';

/** Options shared by the commands that query Prometheus. */
export const PROMETHEUS_OPTIONS = {
  prometheus: { type: 'string' },
  'path-prefix': { type: 'string' },
  header: { type: 'string', multiple: true },
  'bearer-token-file': { type: 'string' },
  timeout: { type: 'string' },
} as const;

export const PROMETHEUS_USAGE = `  --prometheus URL            Prometheus-compatible query API (Prometheus, Thanos, Mimir, VictoriaMetrics)
  --path-prefix PATH          between the URL and /api/v1 (Mimir: /prometheus)
  --header "Name: value"      extra request header, repeatable (e.g. X-Scope-OrgID: tenant-1)
  --bearer-token-file FILE    send the token in this file as a bearer token
  --timeout 30s               time limit of one query`;

export interface PrometheusFlags {
  readonly prometheus?: string | undefined;
  readonly 'path-prefix'?: string | undefined;
  readonly header?: string[] | undefined;
  readonly 'bearer-token-file'?: string | undefined;
  readonly timeout?: string | undefined;
}

export function prometheusFromFlags(values: PrometheusFlags): MetricsSource {
  const url = values.prometheus;
  if (url === undefined) throw new UsageError('--prometheus URL is required');
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new UsageError(`--prometheus must be an http(s) URL such as http://localhost:9090, not "${redactUrl(url)}"`);
  }
  const headers: Record<string, string> = {};
  for (const h of values.header ?? []) {
    const i = h.indexOf(':');
    if (i <= 0) throw new UsageError(`--header must look like "Name: value", not "${h}"`);
    headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  let timeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    timeoutMs = parseDuration(values.timeout);
    if (timeoutMs === undefined || timeoutMs <= 0) throw new UsageError(`--timeout must be a duration such as 30s, not "${values.timeout}"`);
  }
  const tokenFile = values['bearer-token-file'];
  const options: PrometheusClientOptions = {
    url: url.replace(/\/+$/, ''),
    ...(values['path-prefix'] === undefined ? {} : { pathPrefix: values['path-prefix'].replace(/\/+$/, '') }),
    headers,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(tokenFile === undefined ? {} : { bearerToken: () => readFileSync(tokenFile, 'utf8').trim() }),
  };
  return createPrometheusSource(options);
}

/** A time on the command line: RFC 3339, unix seconds, `now`, or `now-1h` / `now+5m`. */
export function parseTime(text: string, now: Date, flag: string): number {
  const rel = /^now(?:([+-])(\S+))?$/.exec(text.trim());
  if (rel) {
    if (rel[2] === undefined) return now.getTime();
    const ms = parseDuration(rel[2]);
    if (ms === undefined) throw new UsageError(`${flag}: "${text}" has no valid duration after now${rel[1] ?? ''}`);
    return now.getTime() + (rel[1] === '-' ? -ms : ms);
  }
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const ms = Date.parse(text);
  if (Number.isNaN(ms) || !/^\d{4}-\d\d-\d\d/.test(text)) throw new UsageError(`${flag} must be an RFC 3339 time (2026-11-20T10:00:00Z), unix seconds, or now-1h, not "${text}"`);
  return ms;
}

/** Warnings of the engine as plain lines on stderr (the daemon logs JSON instead). */
export function stderrLogger(io: CliIo, verbose = false): Logger {
  const line = (level: string, obj: object, msg: string): void => {
    const fields = Object.entries(obj).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
    io.err(`${level}: ${msg}${fields === '' ? '' : ` (${fields})`}\n`);
  };
  const logger: Logger = {
    info: (obj, msg) => { if (verbose) line('info', obj, msg); },
    debug: () => undefined,
    warn: (obj, msg) => line('warning', obj, msg),
    error: (obj, msg) => line('error', obj, msg),
    child: () => logger,
  };
  return logger;
}

/** Options of the commands that read SLO files the way `burnwatch validate` does. */
export const SLO_FILE_OPTIONS = {
  'runbook-root': { type: 'string' },
  'default-slo-period': { type: 'string' },
} as const;

/**
 * Checks the SLO files or folders named on the command line (each must exist) and `--default-slo-period`;
 * returns how to load them.
 */
export function sloFileFlags(paths: readonly string[], values: { 'runbook-root'?: string | undefined; 'default-slo-period'?: string | undefined }, io: CliIo): LoadOptions {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length > 0) throw new UsageError(`no such file or folder: ${missing.join(', ')}`);
  const period = values['default-slo-period'];
  const defaultPeriodMs = period === undefined ? undefined : parseDuration(period);
  if (period !== undefined && (defaultPeriodMs === undefined || defaultPeriodMs <= 0)) {
    throw new UsageError(`--default-slo-period must be a duration such as 30d, not "${period}"`);
  }
  return {
    cwd: io.cwd,
    ...(values['runbook-root'] === undefined ? {} : { runbookRoot: values['runbook-root'] }),
    ...(defaultPeriodMs === undefined ? {} : { defaultPeriodMs }),
  };
}

export function durationFlag(text: string, flag: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new UsageError(`${flag} must be a duration such as 30s or 5m, not "${text}"`);
  return ms;
}

/** Columns padded to their widest cell, two spaces apart. */
export function renderTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return `${rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n')}\n`;
}

/** `path:line:col: field: message (hint: ...)`: one line per problem, as compilers print them. */
export function formatError(e: LocatedProblem): string {
  const field = `${isWarning(e) ? 'warning: ' : ''}${e.path === '' ? '' : `${e.path}: `}`;
  const hint = e.hint === undefined ? '' : ` (hint: ${e.hint})`;
  return `${e.file}:${e.line}:${e.col}: ${field}${e.message}${hint}`;
}
