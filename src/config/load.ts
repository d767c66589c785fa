import { readFileSync } from 'node:fs';
import type { LocatedDocument, Location, LocatedProblem } from '../formats/located.js';
import { parseYamlFile } from '../formats/located.js';
import type { SpecLimits } from '../formats/limits.js';
import { issuesToErrors } from '../formats/zod-errors.js';
import { parseDuration } from '../slo/duration.js';
import { AppConfigFile, ENV_OVERRIDES, MIN_EVALUATION_INTERVAL } from './schema.js';

export interface AppConfig {
  readonly file?: string;
  readonly raw: AppConfigFile;
  readonly slosPath: string;
  readonly runbookRoot?: string;
  readonly defaultPeriodMs: number;
  /** Bounds on reading the SLO files. */
  readonly specLimits: SpecLimits;
  readonly routingFile?: string;
  readonly databasePath: string;
  /** PostgreSQL instead of SQLite, and where its password is read from. */
  readonly database?: { readonly url: string; readonly password?: { readonly env: string } | { readonly file: string } };
  readonly intervalMs: number;
  readonly rateWindowMs: number;
  readonly maxBackfillMs?: number;
  readonly maxAgeMs: number;
  readonly sendTimeoutMs: number;
  readonly shutdownGraceMs: number;
  readonly pollIntervalMs: number;
  /** Shard leases (PostgreSQL only); without a replica id, the composition root names the replica <hostname>-<pid>. */
  readonly cluster: { readonly replicaId?: string; readonly leaseIntervalMs: number; readonly failoverTimeoutMs: number };
}

export type ConfigResult = { readonly ok: true; readonly config: AppConfig } | { readonly ok: false; readonly errors: readonly LocatedProblem[] };

const ms = (text: string): number => parseDuration(text) ?? 0;

const INTERVAL_HINT = 'use 10s, 15s, 20s, 30s, 1m or 5m';

/**
 * Settings a tiny value would turn into a busy loop (an evaluation interval of 1ms logged thousands of missed
 * slots a second): the smallest each may be.
 */
const MINIMUMS: readonly { path: readonly string[]; value: (c: AppConfigFile) => string; what: string; minimum: string; minimumMs: number; hint: string }[] = [
  { path: ['evaluation', 'interval'], value: (c) => c.evaluation.interval, what: 'evaluation interval', minimum: MIN_EVALUATION_INTERVAL.text, minimumMs: MIN_EVALUATION_INTERVAL.ms, hint: `${INTERVAL_HINT}: Prometheus scrapes every 10 to 60 s, a much shorter interval mostly sees no new data` },
  { path: ['reload', 'pollInterval'], value: (c) => c.reload.pollInterval, what: 'reload poll interval', minimum: '1s', minimumMs: 1_000, hint: 'use e.g. 10s; SIGHUP reloads at once' },
];

/**
 * The daemon's settings: the config file (if any), then `BURNWATCH_*` environment variables on top, checked
 * against the schema. Every problem comes back located (file, line, column, field) with what to write, or
 * naming the environment variable.
 */
export function loadConfig(file: string | undefined, env: Readonly<Record<string, string | undefined>>): ConfigResult {
  let raw: unknown = {};
  let doc: LocatedDocument | undefined;
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      return { ok: false, errors: [{ file, line: 1, col: 1, path: '', message: `cannot read the config file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, hint: 'check --config (or BURNWATCH_CONFIG) and the file permissions' }] };
    }
    const parsed = parseYamlFile(file, text);
    if (parsed.errors.length > 0) return { ok: false, errors: parsed.errors };
    if (parsed.documents.length > 1) return { ok: false, errors: [{ file, line: 1, col: 1, path: '', message: 'the config file holds several YAML documents', hint: 'keep one document' }] };
    doc = parsed.documents[0];
    raw = doc?.value() ?? {};
    if (raw === null) raw = {};
    if (typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, errors: [{ file, line: 1, col: 1, path: '', message: 'the config file must be a map of settings', hint: 'see the README: slos, prometheus, routing, database, evaluation, server, links, delivery, reload, log' }] };
  }
  const errors: LocatedProblem[] = [];
  const merged = structuredClone(raw) as Record<string, unknown>;
  for (const o of ENV_OVERRIDES) {
    const value = env[o.env];
    if (value === undefined || value === '') continue;
    let v: unknown = value;
    if (o.type === 'number') {
      v = Number(value);
      if (!Number.isInteger(v)) {
        errors.push({ file: `environment variable ${o.env}`, line: 1, col: 1, path: o.path.join('.'), message: `"${value}" is not a whole number`, hint: `set ${o.env} to e.g. 9099` });
        continue;
      }
    }
    setIn(merged, o.path, v);
  }
  const result = AppConfigFile.safeParse(merged, { reportInput: true });
  if (!result.success) {
    for (const issue of result.error.issues) {
      const envSource = ENV_OVERRIDES.find((o) => o.path.join('.') === issue.path.slice(0, o.path.length).join('.') && env[o.env] !== undefined && env[o.env] !== '');
      if (envSource || !doc) {
        const [first, ...rest] = issue.message.split('\n');
        errors.push({
          file: envSource ? `environment variable ${envSource.env}` : '(built-in defaults)',
          line: 1,
          col: 1,
          path: issue.path.join('.'),
          message: first ?? issue.message,
          ...(rest.length > 0 ? { hint: rest.join(' ') } : {}),
        });
      } else {
        errors.push(...issuesToErrors([issue], doc, AppConfigFile));
      }
    }
    return { ok: false, errors };
  }
  if (errors.length > 0) return { ok: false, errors };
  const c = result.data;
  /** Where a setting came from: its environment variable when set, else its place in the file. */
  const locate = (path: readonly string[]): Location => {
    const envSource = ENV_OVERRIDES.find((o) => o.path.join('.') === path.join('.') && env[o.env] !== undefined && env[o.env] !== '');
    const inFile = envSource === undefined ? doc?.locate(path) : undefined;
    return inFile ?? { file: envSource ? `environment variable ${envSource.env}` : file ?? '(built-in defaults)', line: 1, col: 1, path: path.join('.') };
  };
  const intervalMs = ms(c.evaluation.interval);
  for (const m of MINIMUMS) {
    const text = m.value(c);
    if (ms(text) < m.minimumMs) {
      return { ok: false, errors: [{ ...locate(m.path), message: `the ${m.what} ${text} is below the minimum of ${m.minimum}`, hint: m.hint }] };
    }
  }
  if (300_000 % intervalMs !== 0) {
    return { ok: false, errors: [{ ...locate(['evaluation', 'interval']), message: `the evaluation interval ${c.evaluation.interval} does not divide 5 minutes`, hint: INTERVAL_HINT }] };
  }
  const clusterProblem = checkCluster(c, raw, locate);
  if (clusterProblem !== undefined) return { ok: false, errors: [clusterProblem] };
  return {
    ok: true,
    config: {
      ...(file === undefined ? {} : { file }),
      raw: c,
      slosPath: c.slos.path,
      ...(c.slos.runbookRoot === undefined ? {} : { runbookRoot: c.slos.runbookRoot }),
      defaultPeriodMs: ms(c.slos.defaultPeriod),
      specLimits: c.slos.limits,
      ...(c.routing.file === undefined ? {} : { routingFile: c.routing.file }),
      databasePath: c.database.path,
      ...(c.database.url === undefined ? {} : { database: { url: c.database.url, ...(c.database.password === undefined ? {} : { password: c.database.password }) } }),
      intervalMs,
      rateWindowMs: ms(c.evaluation.rateWindow),
      ...(c.evaluation.maxBackfill === undefined ? {} : { maxBackfillMs: ms(c.evaluation.maxBackfill) }),
      maxAgeMs: ms(c.delivery.maxAge),
      sendTimeoutMs: ms(c.delivery.sendTimeout),
      shutdownGraceMs: ms(c.delivery.shutdownGrace),
      pollIntervalMs: ms(c.reload.pollInterval),
      cluster: {
        ...(c.cluster.replicaId === undefined ? {} : { replicaId: c.cluster.replicaId }),
        leaseIntervalMs: ms(c.cluster.leaseInterval),
        failoverTimeoutMs: ms(c.cluster.failoverTimeout),
      },
    },
  };
}

/**
 * The cluster settings make sense on PostgreSQL only (a `cluster` section in the file without database.url is
 * an error; the replica id from the environment alone is not: it names the one SQLite replica), and a lease
 * tick must come at least three times within the failover timeout.
 */
function checkCluster(c: AppConfigFile, file: unknown, locate: (path: readonly string[]) => Location): LocatedProblem | undefined {
  const inFile = typeof file === 'object' && file !== null && 'cluster' in file;
  if (inFile && c.database.url === undefined) {
    return { ...locate(['cluster']), message: 'sharding needs PostgreSQL, but database.url is not set', hint: 'set database.url: postgres://user@host:5432/db to share the SLOs between replicas, or remove the cluster section (one replica on SQLite evaluates every SLO)' };
  }
  const lease = ms(c.cluster.leaseInterval);
  const failover = ms(c.cluster.failoverTimeout);
  if (lease < 1_000) {
    return { ...locate(['cluster', 'leaseInterval']), message: `the lease interval ${c.cluster.leaseInterval} is below the minimum of 1s`, hint: 'use e.g. 5s (the default)' };
  }
  if (lease * 3 > failover) {
    return { ...locate(['cluster', 'leaseInterval']), message: `the lease interval ${c.cluster.leaseInterval} is more than a third of the failover timeout ${c.cluster.failoverTimeout}`, hint: 'a replica must see a dead one within the failover timeout: make cluster.leaseInterval at most cluster.failoverTimeout / 3 (defaults 5s and 30s)' };
  }
  return undefined;
}

function setIn(obj: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur = obj;
  for (const key of path.slice(0, -1)) {
    const next = cur[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (last !== undefined) cur[last] = value;
}
