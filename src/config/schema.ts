import { z } from 'zod';
import { PrometheusConnection } from '../metrics/prometheus/config.js';
import { Duration } from '../formats/common-schema.js';
import { DEFAULT_SPEC_LIMITS, MAX_DEPTH_CEILING } from '../formats/limits.js';
import { isTimeZone } from '../slo/calendar.js';

/**
 * The daemon's settings (`burnwatch run --config FILE`, every field optional). Environment variables
 * `BURNWATCH_*` override the file (see load.ts); with neither, the embedded defaults run: SLOs from ./slos,
 * Prometheus at http://localhost:9090, every notification to standard output.
 */

/** The shortest evaluation interval (daemon and CLI): Prometheus scrapes every 10 to 60 s, a shorter one sees no new data. */
export const MIN_EVALUATION_INTERVAL = { text: '1s', ms: 1_000 } as const;

const SecretRef = z.union([
  z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'is not an environment variable name\nwrite e.g. BURNWATCH_API_TOKEN' }) }),
  z.strictObject({ file: z.string().min(1) }),
], { error: 'must say where to read the secret\nwrite { env: BURNWATCH_API_TOKEN } or { file: /run/secrets/burnwatch-api-token }; never the secret itself' });

/** A PostgreSQL URL without a password in it (the password is a secret reference of its own). */
const PostgresUrl = z.string().refine((text) => {
  try {
    return /^postgres(ql)?:$/.test(new URL(text).protocol);
  } catch {
    return false;
  }
}, { error: 'is not a PostgreSQL URL\nwrite postgres://user@host:5432/dbname' }).refine((text) => {
  try {
    return new URL(text).password === '';
  } catch {
    return true;
  }
}, { error: 'holds a password\nput it in database.password: { env: BURNWATCH_DB_PASSWORD } or { file: /run/secrets/burnwatch-db-password }, never in the URL' });

const Count = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number({ error: 'must be a whole number' }).int({ error: 'must be a whole number' })
  .min(min, { error: `must be at least ${min}` }).max(max, { error: `must be at most ${max}` });

/** Bounds on reading the SLO files (see formats/limits.ts); a file over one is an error for that file. */
const SpecLimits = z.strictObject({
  maxFileBytes: Count(1024).default(DEFAULT_SPEC_LIMITS.maxFileBytes)
    .meta({ description: 'Bytes one SLO file may hold; a larger one is not read.' }),
  maxTotalBytes: Count(1024).default(DEFAULT_SPEC_LIMITS.maxTotalBytes)
    .meta({ description: 'Bytes all SLO files may hold together; the files past it are not read.' }),
  maxFiles: Count(1).default(DEFAULT_SPEC_LIMITS.maxFiles)
    .meta({ description: 'Files and folders searched in the SLO folder (any file counts); the search stops past it.' }),
  maxDocuments: Count(1).default(DEFAULT_SPEC_LIMITS.maxDocuments)
    .meta({ description: 'SLO objects (YAML documents or top-level list items) in one file.' }),
  maxDepth: Count(8, MAX_DEPTH_CEILING).default(DEFAULT_SPEC_LIMITS.maxDepth)
    .meta({ description: 'Levels of maps and lists inside each other, aliases expanded.' }),
  maxStringLength: Count(64).default(DEFAULT_SPEC_LIMITS.maxStringLength)
    .meta({ description: 'Characters in one string (descriptions, queries, names, keys).' }),
  maxValues: Count(100).default(DEFAULT_SPEC_LIMITS.maxValues)
    .meta({ description: 'Values (keys, strings, numbers, maps, lists) in one file, counting what aliases and << merge keys copy in.' }),
});

const Url = z.string().refine((u) => {
  try {
    const url = new URL(u);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}, { error: 'must be an http(s) URL\nwrite e.g. https://github.com/acme/slos/blob/main/' });

/** A weekly or monthly report digest the daemon posts (see README "Reports"). */
const Digest = z.strictObject({
  name: z.string({ error: 'must be a name\nwrite e.g. weekly-slo-digest' })
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { error: 'is not a digest name\nwrite lower-case letters, digits and dashes, e.g. weekly-slo-digest' })
    .meta({ description: 'Names the digest in logs and in the outbox (one digest per name and period is sent, also across restarts).' }),
  every: z.enum(['week', 'month'], { error: 'must be week or month' })
    .meta({ description: 'week: Monday to Monday; month: calendar months; both in the time zone.' }),
  timezone: z.string().refine(isTimeZone, { error: 'is not a time zone\nwrite an IANA name such as UTC or Europe/Berlin' }).default('UTC')
    .meta({ description: 'Where weeks and months begin and end, and the times the digest shows.' }),
  at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be a time of day\nwrite HH:MM, e.g. 09:00' }).default('09:00')
    .meta({ description: 'Local time on the first day of the new week or month at which the last one\'s digest is posted.' }),
  receiver: z.string().min(1)
    .meta({ description: 'A receiver of the routing file with a slack, webhook or console destination.' }),
  groupBy: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be service or a label name' }).default('service')
    .meta({ description: 'Totals per service (default) or per value of a label.' }),
});

export const AppConfigFile = z.strictObject({
  slos: z.strictObject({
    path: z.string().min(1).default('./slos')
      .meta({ description: 'Folder (or file) of SLO files, searched recursively. With git-sync, the symlink it maintains (e.g. /git/slos/current/slos).' }),
    runbookRoot: z.string().min(1).optional()
      .meta({ description: 'Folder relative runbook paths are checked against (default: the git root above the SLO files).' }),
    defaultPeriod: Duration.default('30d')
      .meta({ description: 'Period of Sloth files, which have none of their own (Sloth --default-slo-period).' }),
    limits: SpecLimits.prefault({})
      .meta({ description: 'Bounds on reading the SLO files; a file over one is an error for that file (the last good set keeps running).' }),
  }).prefault({}),
  prometheus: PrometheusConnection.prefault({ url: 'http://localhost:9090' })
    .meta({ description: 'The Prometheus-compatible query API.' }),
  routing: z.strictObject({
    file: z.string().min(1).optional()
      .meta({ description: 'Routing config (route tree, receivers, inhibit rules); default: every notification to standard output.' }),
  }).prefault({}),
  database: z.strictObject({
    path: z.string().min(1).default('./data/burnwatch.db')
      .meta({ description: 'SQLite file of the ledger, alert states, outbox and silences. Keep it on a persistent volume.' }),
    url: PostgresUrl.optional()
      .meta({ description: 'PostgreSQL instead of SQLite (several replicas share it): postgres://user@host:5432/db, the password not in it.' }),
    password: SecretRef.optional()
      .meta({ description: 'The PostgreSQL password: { env: NAME } or { file: PATH }.' }),
  }).refine((d) => d.password === undefined || d.url !== undefined, {
    path: ['password'],
    error: 'is the PostgreSQL password, but database.url is not set\nset database.url: postgres://user@host:5432/db, or remove database.password to keep SQLite',
  }).prefault({}),
  cluster: z.strictObject({
    replicaId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, { error: 'is not a replica id\nwrite letters, digits, dots, colons, dashes and underscores (at most 128), e.g. the pod name' }).optional()
      .meta({ description: 'This replica\'s id in /api/v1/cluster, the metrics and the database (default: <hostname>-<pid>; BURNWATCH_REPLICA_ID overrides). Unique per replica.' }),
    leaseInterval: Duration.default('5s')
      .meta({ description: 'How often a replica checks its lock session, heartbeats and rebalances the shards; at most failoverTimeout / 3.' }),
    failoverTimeout: Duration.default('30s')
      .meta({ description: 'The longest an SLO may go unevaluated when its replica dies or is cut off from the database.' }),
  }).prefault({})
    .meta({ description: 'Shards between replicas sharing one PostgreSQL database (needs database.url).' }),
  evaluation: z.strictObject({
    interval: Duration.default('30s')
      .meta({ description: 'Evaluation interval and ledger slot: at least 1s and dividing 5 minutes (e.g. 10s, 15s, 20s, 30s, 1m, 5m).' }),
    rateWindow: Duration.default('2m')
      .meta({ description: 'Rate window for expression indicators sampled each slot (at least 4 scrape intervals).' }),
    maxBackfill: Duration.optional()
      .meta({ description: 'Cap on how far back a new SLO\'s ledger is read (default: its period plus its longest window).' }),
  }).prefault({}),
  server: z.strictObject({
    host: z.string().min(1).default('0.0.0.0'),
    port: z.number().int().min(0).max(65_535).default(9099)
      .meta({ description: 'One port for /metrics, /healthz, /readyz and the JSON API.' }),
    apiToken: SecretRef.optional()
      .meta({ description: 'Bearer token required by the mutating API (silences); without it those endpoints are disabled.' }),
    externalUrl: Url.optional()
      .meta({ description: 'Where people reach burnwatch (e.g. https://burnwatch.example.com): notifications link to the SLO\'s page under it.' }),
  }).prefault({}),
  links: z.strictObject({
    runbookBaseUrl: Url.optional().meta({ description: 'Prepended to relative runbook paths in notifications, e.g. the SLO repo\'s web URL.' }),
    prometheusUrl: Url.optional().meta({ description: 'Prometheus UI for the SLI-query link (default: prometheus.url).' }),
    dashboardUrl: Url.optional(),
  }).prefault({}),
  delivery: z.strictObject({
    maxAge: Duration.default('24h').meta({ description: 'A notification undelivered this long is given up (dead letter).' }),
    sendTimeout: Duration.default('30s'),
    shutdownGrace: Duration.default('10s').meta({ description: 'On SIGTERM, how long in-flight sends may take before they are left for the next start.' }),
  }).prefault({}),
  reload: z.strictObject({
    pollInterval: Duration.default('10s').meta({ description: 'How often the SLO folder and config files are checked for changes, at least 1s (SIGHUP reloads at once).' }),
  }).prefault({}),
  reports: z.strictObject({
    digests: z.array(Digest).max(20, { error: 'at most 20 digests' }).default([])
      .refine((list) => new Set(list.map((d) => d.name)).size === list.length, { error: 'two digests have the same name\ngive each digest its own name' })
      .meta({ description: 'Weekly or monthly error-budget digests posted through the outbox (nothing lost, none sent twice).' }),
  }).prefault({}),
  log: z.strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace'], { error: 'must be fatal, error, warn, info, debug or trace' }).default('info'),
  }).prefault({}),
});
export type AppConfigFile = z.infer<typeof AppConfigFile>;

/** Environment variables and the config path each overrides (documented in the README). */
export const ENV_OVERRIDES: readonly { readonly env: string; readonly path: readonly string[]; readonly type: 'string' | 'number' }[] = [
  { env: 'BURNWATCH_SLOS', path: ['slos', 'path'], type: 'string' },
  { env: 'BURNWATCH_DEFAULT_SLO_PERIOD', path: ['slos', 'defaultPeriod'], type: 'string' },
  { env: 'BURNWATCH_PROMETHEUS_URL', path: ['prometheus', 'url'], type: 'string' },
  { env: 'BURNWATCH_ROUTING_FILE', path: ['routing', 'file'], type: 'string' },
  { env: 'BURNWATCH_DB', path: ['database', 'path'], type: 'string' },
  { env: 'BURNWATCH_REPLICA_ID', path: ['cluster', 'replicaId'], type: 'string' },
  // The PostgreSQL URL from a Kubernetes Secret (secretKeyRef); its password stays a secret reference of its own.
  { env: 'BURNWATCH_DATABASE_URL', path: ['database', 'url'], type: 'string' },
  { env: 'BURNWATCH_INTERVAL', path: ['evaluation', 'interval'], type: 'string' },
  { env: 'BURNWATCH_MAX_BACKFILL', path: ['evaluation', 'maxBackfill'], type: 'string' },
  { env: 'BURNWATCH_HOST', path: ['server', 'host'], type: 'string' },
  { env: 'BURNWATCH_PORT', path: ['server', 'port'], type: 'number' },
  { env: 'BURNWATCH_EXTERNAL_URL', path: ['server', 'externalUrl'], type: 'string' },
  { env: 'BURNWATCH_RUNBOOK_BASE_URL', path: ['links', 'runbookBaseUrl'], type: 'string' },
  { env: 'BURNWATCH_LOG_LEVEL', path: ['log', 'level'], type: 'string' },
];
