import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { TSX_LOADER } from '../test/support/cli.js';
import { freePort } from '../test/support/free-port.js';
import { startPostgres } from '../test/support/postgres.js';
import type { RunningPostgres } from '../test/support/postgres.js';
import { startPrometheus } from '../test/support/prometheus.js';
import type { RunningPrometheus } from '../test/support/prometheus.js';
import { clockTicks, processCpuSeconds } from './process-cpu.js';

/**
 * pg-scale: `burnwatch run` processes (the daemon as deployed, one per replica) evaluating N SLOs on PostgreSQL,
 * reading a real Prometheus that scrapes a synthetic exporter every 5 s. The SLOs are the bench's (service,
 * route) selector pairs (200 services x 5 routes), each with up to 10 objective and period variants. After two
 * warm-up cycles, `cycles` cycles are measured:
 * - burnwatch CPU per cycle: utime + stime of each `burnwatch run` process from /proc, over the cycles;
 * - cycle duration: the mean of `burnwatch_cycle_duration_seconds` over those cycles, from each replica's /metrics;
 * - database load: CPU of every PostgreSQL process pg_stat_activity lists (backends and background processes),
 *   from /proc; `pg_stat_database` deltas (xact_commit, rows inserted, updated and deleted); WAL bytes written
 *   (`pg_current_wal_lsn()` difference), all per cycle.
 * Replicas (`--replicas R`) are separate processes, each with `cluster: { replicaId }` in its settings (shard
 * leases): with one replica the settings carry no cluster section, so it runs on builds without them.
 */

export interface PgScaleOptions {
  readonly slos: number;
  readonly replicas: number;
  readonly cycles: number;
  readonly intervalSeconds: number;
}

export interface PgScaleResult {
  readonly options: PgScaleOptions;
  readonly measuredCycles: number;
  /** CPU seconds one read of a replica's /metrics cost it (the measurement reads it at least twice). */
  readonly scrapeCpuSeconds: number;
  readonly wallSeconds: number;
  /** Per replica: CPU seconds per cycle and mean cycle duration in seconds. */
  readonly replicas: readonly { readonly id: string; readonly cpuSecondsPerCycle: number; readonly cycleSeconds: number; readonly rssBytes: number }[];
  readonly postgres: {
    readonly cpuSecondsPerCycle: number;
    readonly commitsPerCycle: number;
    readonly rowsInsertedPerCycle: number;
    readonly rowsUpdatedPerCycle: number;
    readonly rowsDeletedPerCycle: number;
    readonly walBytesPerCycle: number;
    readonly databaseBytes: number;
  };
}

const SERVICES = 200;
const ROUTES = 5;
const PAIRS = SERVICES * ROUTES;
const SLOS_PER_FILE = 500;
const VARIANTS = [['99', '28d'], ['99', '30d'], ['99.5', '28d'], ['99.5', '30d'], ['99.9', '28d'], ['99.9', '30d'], ['99.95', '28d'], ['99.95', '30d'], ['99.99', '28d'], ['99.99', '30d']] as const;

/** The SLO documents: pair i % 1,000, variant floor(i / 1,000). */
function sloDocuments(from: number, to: number): string {
  const docs: string[] = [];
  for (let i = from; i < to; i++) {
    const pair = i % PAIRS;
    const [objective, period] = VARIANTS[Math.floor(i / PAIRS) % VARIANTS.length] ?? VARIANTS[0];
    const sel = `service="s${Math.floor(pair / ROUTES)}",route="r${pair % ROUTES}"`;
    docs.push(`apiVersion: burnwatch/v1
kind: SLO
metadata: { name: bench-${i}, service: s${Math.floor(pair / ROUTES)} }
spec:
  objective: ${objective}
  period: ${period}
  indicator:
    events:
      errors: bench_requests_total{${sel},code="500"}
      total: bench_requests_total{${sel}}
  alerting:
    exhaustion: { disabled: true }
`);
  }
  return docs.join('---\n');
}

/** An exporter of 2,000 counters: 10 requests/s per route, 0.05 % of them errors. */
function startExporter(port: number): Promise<Server> {
  const started = Date.now();
  const server = createServer((_req, res) => {
    const seconds = (Date.now() - started) / 1000;
    const lines = ['# TYPE bench_requests_total counter'];
    for (let s = 0; s < SERVICES; s++) {
      for (let r = 0; r < ROUTES; r++) {
        const total = Math.floor(seconds * 10);
        const errors = Math.floor(seconds * 10 * 0.0005);
        lines.push(`bench_requests_total{service="s${s}",route="r${r}",code="200"} ${total - errors}`, `bench_requests_total{service="s${s}",route="r${r}",code="500"} ${errors}`);
      }
    }
    res.setHeader('Content-Type', 'text/plain; version=0.0.4');
    res.end(`${lines.join('\n')}\n`);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

interface Replica {
  readonly id: string;
  readonly port: number;
  readonly child: ChildProcess;
  output: string;
}

function metricValue(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

async function scrape(replica: Replica): Promise<{ cycles: number; durationSum: number; durationCount: number }> {
  const text = await (await fetch(`http://127.0.0.1:${replica.port}/metrics`)).text();
  return { cycles: metricValue(text, 'burnwatch_cycles_total'), durationSum: metricValue(text, 'burnwatch_cycle_duration_seconds_sum'), durationCount: metricValue(text, 'burnwatch_cycle_duration_seconds_count') };
}

interface DbSample {
  readonly cpu: number;
  readonly commits: number;
  readonly inserted: number;
  readonly updated: number;
  readonly deleted: number;
  readonly walBytes: number;
}

/** Fields of /proc/<pid>/stat after the command name: field n is at index n - 3. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * CPU seconds of the whole PostgreSQL server: the postmaster's own, its children's that have ended (cutime +
 * cstime: backends come and go as the pools open and close connections), and the live processes'
 * pg_stat_activity lists (backends and background processes).
 */
async function postgresCpuSeconds(client: pg.Client): Promise<number> {
  const pids = (await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity')).rows.map((r) => r.pid);
  const own = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
  // Field 4 is the parent (the postmaster); 16 and 17 are cutime and cstime.
  const postmaster = Number(statFields(own)[1]);
  const fields = statFields(postmaster);
  let cpu = processCpuSeconds(postmaster) + (Number(fields[13]) + Number(fields[14])) / clockTicks();
  for (const pid of pids) {
    try {
      cpu += processCpuSeconds(pid);
    } catch {
      // ended meanwhile
    }
  }
  return cpu;
}

async function sampleDb(client: pg.Client, database: string): Promise<DbSample> {
  const cpu = await postgresCpuSeconds(client);
  const stats = (await client.query<{ xact_commit: string; tup_inserted: string; tup_updated: string; tup_deleted: string; wal: string }>(
    "SELECT xact_commit, tup_inserted, tup_updated, tup_deleted, pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS wal FROM pg_stat_database WHERE datname = $1", [database])).rows[0];
  return { cpu, commits: Number(stats?.xact_commit), inserted: Number(stats?.tup_inserted), updated: Number(stats?.tup_updated), deleted: Number(stats?.tup_deleted), walBytes: Number(stats?.wal) };
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, context: () => string, pollMs = 2_000): Promise<T> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (performance.now() > end) throw new Error(`pg-scale: timed out waiting for ${what}\n${context().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export async function pgScaleBench(options: PgScaleOptions, log: (line: string) => void): Promise<PgScaleResult> {
  const dir = mkdtempSync(join(tmpdir(), 'burnwatch-pg-scale-'));
  const replicas: Replica[] = [];
  let postgres: RunningPostgres | undefined;
  let prometheus: RunningPrometheus | undefined;
  let exporter: Server | undefined;
  let client: pg.Client | undefined;
  const started = performance.now();
  try {
    const exporterPort = await freePort();
    exporter = await startExporter(exporterPort);
    prometheus = await startPrometheus({ global: { scrape_interval: '5s', evaluation_interval: '1m' }, scrapeConfigs: [{ job_name: 'bench', static_configs: [{ targets: [`127.0.0.1:${exporterPort}`] }] }] });
    postgres = await startPostgres();
    const database = 'burnwatch_pg_scale';
    const url = await postgres.createDatabase(database);
    // A file holds at most 1,000 documents and 1 MiB (slos.limits): 500 SLOs (about 160 KB) per file.
    mkdirSync(join(dir, 'slos'));
    for (let from = 0; from < options.slos; from += SLOS_PER_FILE) writeFileSync(join(dir, 'slos', `bench-${from}.yaml`), sloDocuments(from, Math.min(options.slos, from + SLOS_PER_FILE)));
    log(`pg-scale: ${options.slos} SLOs, ${options.replicas} replica(s), PostgreSQL ${new URL(url).host}, Prometheus ${prometheus.url}`);
    // Let Prometheus hold a few scrapes before the first cycle.
    await new Promise((r) => setTimeout(r, 12_000));
    const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
    for (let i = 0; i < options.replicas; i++) {
      const id = `bench-${i}`;
      const port = await freePort();
      const config = join(dir, `${id}.yaml`);
      writeFileSync(config, `slos: { path: ${join(dir, 'slos')} }
prometheus: { url: "${prometheus.url}" }
database: { url: "${url}" }
evaluation: { interval: ${options.intervalSeconds}s, maxBackfill: 10m }
server: { host: 127.0.0.1, port: ${port} }
log: { level: warn }
${options.replicas > 1 ? `cluster: { replicaId: ${id} }\n` : ''}`);
      const child = spawn(process.execPath, ['--import', TSX_LOADER, cli, 'run', '--config', config], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BURNWATCH_CONFIG: '' } });
      const replica: Replica = { id, port, child, output: '' };
      child.stdout?.on('data', () => undefined);
      child.stderr?.on('data', (chunk: Buffer) => {
        replica.output = (replica.output + chunk.toString('utf8')).slice(-20_000);
      });
      replicas.push(replica);
    }
    client = new pg.Client({ connectionString: url });
    await client.connect();
    // Warm-up: every replica has run two cycles (the first backfills 10 minutes; minutes each at 10,000 SLOs on 2 cores).
    for (const r of replicas) await waitFor(`two cycles of ${r.id}`, async () => ((await scrape(r)).cycles >= 2 ? true : undefined), 30 * 60_000, () => r.output);
    const first = await Promise.all(replicas.map(scrape));
    const cpu0 = replicas.map((r) => processCpuSeconds(r.child.pid ?? 0));
    const db0 = await sampleDb(client, database);
    const target = Math.max(...first.map((f) => f.cycles)) + options.cycles;
    // /metrics renders every SLO's series, which costs the replica CPU: it is read only at the ends of the
    // measurement (and then every 5 s until the last cycle is done), and one read's cost is measured apart.
    await new Promise((r) => setTimeout(r, options.cycles * options.intervalSeconds * 1000));
    for (const r of replicas) await waitFor(`${options.cycles} measured cycles of ${r.id}`, async () => ((await scrape(r)).cycles >= target ? true : undefined), (options.cycles + 5) * options.intervalSeconds * 1000 * 4, () => r.output, 5_000);
    const last = await Promise.all(replicas.map(scrape));
    const cpu1 = replicas.map((r) => processCpuSeconds(r.child.pid ?? 0));
    const db1 = await sampleDb(client, database);
    const measured = Math.min(...last.map((l, i) => l.cycles - (first[i]?.cycles ?? 0)));
    const beforeScrape = processCpuSeconds(replicas[0]?.child.pid ?? 0);
    await scrape(replicas[0] as Replica);
    const scrapeCpuSeconds = processCpuSeconds(replicas[0]?.child.pid ?? 0) - beforeScrape;
    const size = (await client.query<{ n: string }>('SELECT pg_database_size(current_database())::text AS n')).rows[0];
    return {
      options,
      measuredCycles: measured,
      scrapeCpuSeconds,
      wallSeconds: (performance.now() - started) / 1000,
      replicas: replicas.map((r, i) => {
        const cycles = (last[i]?.cycles ?? 0) - (first[i]?.cycles ?? 0);
        const durations = (last[i]?.durationCount ?? 0) - (first[i]?.durationCount ?? 0);
        return {
          id: r.id,
          cpuSecondsPerCycle: ((cpu1[i] ?? 0) - (cpu0[i] ?? 0)) / cycles,
          cycleSeconds: ((last[i]?.durationSum ?? 0) - (first[i]?.durationSum ?? 0)) / durations,
          rssBytes: rssBytes(r.child.pid ?? 0),
        };
      }),
      postgres: {
        cpuSecondsPerCycle: (db1.cpu - db0.cpu) / measured,
        commitsPerCycle: (db1.commits - db0.commits) / measured,
        rowsInsertedPerCycle: (db1.inserted - db0.inserted) / measured,
        rowsUpdatedPerCycle: (db1.updated - db0.updated) / measured,
        rowsDeletedPerCycle: (db1.deleted - db0.deleted) / measured,
        walBytesPerCycle: (db1.walBytes - db0.walBytes) / measured,
        databaseBytes: Number(size?.n),
      },
    };
  } finally {
    await client?.end().catch(() => undefined);
    for (const r of replicas) r.child.kill('SIGTERM');
    await Promise.all(replicas.map((r) => new Promise((resolve) => {
      if (r.child.exitCode !== null) resolve(undefined);
      const timer = setTimeout(() => {
        r.child.kill('SIGKILL');
        resolve(undefined);
      }, 10_000);
      r.child.once('exit', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    })));
    await postgres?.stop();
    await prometheus?.stop();
    await new Promise((resolve) => (exporter ? exporter.close(resolve) : resolve(undefined)));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** VmRSS of a process from /proc/<pid>/status, in bytes (NaN when it is gone). */
function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}
