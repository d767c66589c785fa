import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { expect } from 'vitest';
import { SHARD_COUNT, shardOf } from '../../src/cluster/shards.js';
import { TSX_LOADER } from './cli.js';
import { freePort } from './free-port.js';
import { startPagerDutyEmulator } from './pagerduty-emulator.js';
import type { PagerDutyEmulator } from './pagerduty-emulator.js';
import { startPostgres } from './postgres.js';
import type { RunningPostgres } from './postgres.js';
import { spawnManaged, trackDir } from './process.js';
import type { ManagedProcess } from './process.js';
import { startPrometheus } from './prometheus.js';
import type { RunningPrometheus } from './prometheus.js';
import { startSlackEmulator } from './slack-emulator.js';
import type { SlackEmulator } from './slack-emulator.js';
import { startTcpProxy } from './tcp-proxy.js';
import type { TcpProxy } from './tcp-proxy.js';

/**
 * Several `burnwatch run` processes sharing one PostgreSQL database (issue 16, shards by advisory lock), for the
 * HA acceptance tests: a live exporter of request counters per service that the test switches into an incident,
 * a real Prometheus scraping it every second, the Slack and PagerDuty emulators, and per replica a TCP proxy in
 * front of each emulator (so every byte a replica sends to Slack or PagerDuty is seen with its time) and,
 * optionally, one in front of PostgreSQL (to cut that replica off the database). Everything talks over
 * 127.0.0.1 only. `close()` stops every process and deletes every file, also after a failed test; children
 * left behind are killed when the test process exits (process.ts).
 */

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
export const SLACK_TOKEN = 'xoxb-test-0000000000-burnwatch';
const PD_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';

/** The cluster timing every replica runs with (seconds in the config file, milliseconds here). */
export const TIMING = { intervalMs: 5_000, leaseIntervalMs: 1_000, failoverTimeoutMs: 6_000, schedulerDelayMs: 2_000 } as const;

/**
 * Six services whose SLO ids hash (FNV-1a, mod 64) into six different sixths of the shard range (3, 15, 24,
 * 38, 50, 57), so three replicas that each take a run of shards hold some of them each. `checkout` burns.
 */
export const SERVICES = ['shipping', 'cart', 'catalog', 'payments', 'login', 'checkout'] as const;
export const BURNING = 'checkout';

/** An SLO that pages within about half a minute of a 50 % error rate and resolves about half a minute after it ends. */
function sloFile(service: string): string {
  return `apiVersion: burnwatch/v1
kind: SLO
metadata: { name: ${service}, service: ${service} }
spec:
  objective: 99
  period: 1d
  indicator:
    events:
      errors: http_requests_total{service="${service}",code="500"}
      total: http_requests_total{service="${service}"}
  alerting:
    defaultTiers: false
    tiers:
      - { severity: page, long: 2m, short: 30s, burnRate: 10 }
    exhaustion: { disabled: true }
`;
}

/** Request counters per service that grow with the wall clock; `errorShare` of them fail. */
export class ServiceExporter {
  private readonly counts = new Map<string, { ok: number; errors: number; share: number }>();
  private last = Date.now();
  private server: Server | undefined;
  port = 0;

  constructor(services: readonly string[], private readonly rps = 20) {
    for (const s of services) this.counts.set(s, { ok: 0, errors: 0, share: 0 });
  }

  setErrorShare(service: string, share: number): void {
    const c = this.counts.get(service);
    if (c === undefined) throw new Error(`unknown service ${service}`);
    this.advance();
    c.share = share;
  }

  private advance(): void {
    const now = Date.now();
    const n = ((now - this.last) / 1000) * this.rps;
    this.last = now;
    for (const c of this.counts.values()) {
      c.errors += n * c.share;
      c.ok += n * (1 - c.share);
    }
  }

  async start(): Promise<void> {
    this.server = createServer((_req, res) => {
      this.advance();
      const lines = ['# TYPE http_requests_total counter'];
      for (const [s, c] of this.counts) {
        lines.push(`http_requests_total{service="${s}",code="200"} ${c.ok}`, `http_requests_total{service="${s}",code="500"} ${c.errors}`);
      }
      res.setHeader('Content-Type', 'text/plain; version=0.0.4');
      res.end(`${lines.join('\n')}\n`);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address !== null ? address.port : 0;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** `GET /api/v1/cluster` (HA.md: this shape exactly). */
export interface ClusterView {
  readonly replica: string;
  readonly shardCount: number;
  readonly replicas: readonly { readonly id: string; readonly shards: readonly number[] }[];
  readonly slos: Readonly<Record<string, number>>;
}

export interface Replica {
  readonly id: string;
  readonly port: number;
  readonly proc: ManagedProcess;
  /** In front of PostgreSQL when the cluster was started with `databaseProxies`. */
  readonly dbProxy: TcpProxy | undefined;
  readonly slackProxy: TcpProxy;
  readonly pdProxy: TcpProxy;
  /** GET on the replica's HTTP port: status and parsed JSON (status 0 when it does not answer). */
  get(path: string): Promise<{ status: number; json: unknown }>;
  cluster(): Promise<ClusterView | undefined>;
  /** SIGKILL: no shutdown, the PostgreSQL sessions end when the kernel closes the sockets. */
  kill(): Promise<void>;
}

export interface LedgerRowOf {
  readonly sloId: string;
  readonly slotMs: number;
  readonly replica: string | null;
  readonly writtenMs: number | null;
}

/**
 * The shard count each live replica aims at (HA.md "Fair share"): replicas sorted by id, replica i takes
 * floor(64 / n) plus one while i < 64 mod n.
 */
export function fairShare(ids: readonly string[]): Map<string, number> {
  const sorted = [...ids].sort();
  const n = sorted.length;
  return new Map(sorted.map((id, i) => [id, Math.floor(SHARD_COUNT / n) + (i < SHARD_COUNT % n ? 1 : 0)]));
}

/**
 * Why a replica's view does not show exactly the replicas `live` holding every shard once between them
 * (undefined when it does).
 */
export function uncovered(view: ClusterView | undefined, live: readonly string[]): string | undefined {
  if (view === undefined) return 'no answer';
  if (view.shardCount !== SHARD_COUNT) return `shardCount ${view.shardCount}`;
  const ids = view.replicas.map((r) => r.id).sort();
  if (JSON.stringify(ids) !== JSON.stringify([...live].sort())) return `replicas ${ids.join(',')}`;
  const held = view.replicas.flatMap((r) => r.shards).sort((a, b) => a - b);
  if (JSON.stringify(held) !== JSON.stringify(Array.from({ length: SHARD_COUNT }, (_, i) => i))) return `${held.length} shards held, not each of 0..63 once`;
  for (const s of SERVICES) if (view.slos[s] !== shardOf(s)) return `slos.${s} = ${view.slos[s]}, its shard is ${shardOf(s)}`;
  return undefined;
}

/** Why a view is not the settled cluster of `live` (undefined when it is): covered, and each replica at its fair share. */
export function unsettled(view: ClusterView | undefined, live: readonly string[]): string | undefined {
  const gap = uncovered(view, live);
  if (gap !== undefined || view === undefined) return gap;
  const target = fairShare(live);
  for (const r of view.replicas) if (r.shards.length !== target.get(r.id)) return `${r.id} holds ${r.shards.length}, its share is ${target.get(r.id)}`;
  return undefined;
}

/** The replica that holds an SLO's shard in a view. */
export function holderOf(view: ClusterView, sloId: string): string | undefined {
  const shard = view.slos[sloId];
  return view.replicas.find((r) => shard !== undefined && r.shards.includes(shard))?.id;
}

/** Polls `fn` every 250 ms until it returns something other than undefined; fails after `timeoutMs` with `detail()`. */
export async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs: number, detail: () => string = () => ''): Promise<T> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${detail()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export interface HaCluster {
  readonly dir: string;
  readonly postgres: RunningPostgres;
  readonly databaseUrl: string;
  readonly prometheus: RunningPrometheus;
  readonly exporter: ServiceExporter;
  readonly slack: SlackEmulator;
  readonly pd: PagerDutyEmulator;
  readonly replicas: Map<string, Replica>;
  /** Starts the replicas at once (concurrently, as a Deployment's pods start). */
  startReplicas(ids: readonly string[]): Promise<void>;
  /**
   * The live replicas' views once every one of them shows the settled cluster of `live` (`check`: `unsettled`,
   * or `uncovered` for every shard held without waiting for the fair share) and all read the same holders.
   */
  settled(live: readonly string[], timeoutMs: number, check?: (view: ClusterView | undefined, live: readonly string[]) => string | undefined): Promise<ClusterView[]>;
  /** Runs one query on the shared database (not through any proxy). */
  query<R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
  ledger(): Promise<LedgerRowOf[]>;
  /** Every replica's output tail, for failure messages. */
  readonly outputs: () => string;
  close(): Promise<void>;
}

export async function startHaCluster(options: { databaseProxies: boolean }): Promise<HaCluster> {
  const closers: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  };
  try {
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-ha-'));
    trackDir(dir);
    closers.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    mkdirSync(join(dir, 'slos'));
    for (const s of SERVICES) writeFileSync(join(dir, 'slos', `${s}.yaml`), sloFile(s));

    const postgres = await startPostgres();
    closers.push(() => postgres.stop());
    const databaseUrl = await postgres.createDatabase('burnwatch_ha');
    const exporter = new ServiceExporter(SERVICES);
    await exporter.start();
    closers.push(() => exporter.close());
    const prometheus = await startPrometheus({
      global: { scrape_interval: '1s', evaluation_interval: '15s' },
      scrapeConfigs: [{ job_name: 'services', static_configs: [{ targets: [`127.0.0.1:${exporter.port}`] }] }],
    });
    closers.push(() => prometheus.stop());
    const slack = await startSlackEmulator({ token: SLACK_TOKEN, channels: { alerts: 'C0ALERTS01' } });
    closers.push(() => slack.close());
    const pd = await startPagerDutyEmulator();
    closers.push(() => pd.close());
    const caFile = join(dir, 'pd-ca.pem');
    writeFileSync(caFile, pd.caCert);
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    closers.push(() => db.end());

    const replicas = new Map<string, Replica>();
    const startReplica = async (id: string): Promise<Replica> => {
      const slackProxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(slack.url).port) });
      closers.push(() => slackProxy.close());
      const pdProxy = await startTcpProxy({ host: '127.0.0.1', port: pd.port });
      closers.push(() => pdProxy.close());
      const dbProxy = options.databaseProxies ? await startTcpProxy({ host: '127.0.0.1', port: postgres.port }) : undefined;
      if (dbProxy) closers.push(() => dbProxy.close());
      const url = new URL(databaseUrl);
      if (dbProxy) url.port = String(dbProxy.port);
      const port = await freePort();
      const routingFile = join(dir, `routing-${id}.yaml`);
      writeFileSync(routingFile, `route:
  receiver: slack
  routes:
    - { receiver: slack, matchers: ['severity="page"'], continue: true }
    - { receiver: pagerduty, matchers: ['severity="page"'] }
receivers:
  - name: slack
    slack: { token: { env: TEST_SLACK_TOKEN }, channel: C0ALERTS01, apiUrl: "http://${slackProxy.host}/api/" }
  - name: pagerduty
    pagerduty: { routingKey: { env: TEST_PD_KEY }, eventsHost: "${pdProxy.host}", caFile: "${caFile}" }
`);
      const configFile = join(dir, `burnwatch-${id}.yaml`);
      writeFileSync(configFile, `slos: { path: ${join(dir, 'slos')} }
prometheus: { url: "${prometheus.url}" }
routing: { file: ${routingFile} }
database:
  url: ${url.href}
  password: { env: BURNWATCH_DB_PASSWORD }
evaluation: { interval: ${TIMING.intervalMs / 1000}s, rateWindow: 30s, maxBackfill: 10m }
server: { host: 127.0.0.1, port: ${port} }
reload: { pollInterval: 1s }
delivery: { shutdownGrace: 2s, sendTimeout: 5s }
cluster:
  replicaId: ${id}
  leaseInterval: ${TIMING.leaseIntervalMs / 1000}s
  failoverTimeout: ${TIMING.failoverTimeoutMs / 1000}s
`);
      const proc = spawnManaged(process.execPath, ['--import', TSX_LOADER, cli, 'run', '--config', configFile], {
        cwd: dir,
        // Trust authentication ignores the password; its secret reference must still resolve, as in a deployment.
        env: { ...process.env, BURNWATCH_DB_PASSWORD: 'unused-with-trust-auth', TEST_SLACK_TOKEN: SLACK_TOKEN, TEST_PD_KEY: PD_KEY },
      });
      closers.push(() => proc.stop(5_000));
      const get = async (path: string): Promise<{ status: number; json: unknown }> => {
        try {
          const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3_000) });
          const text = await res.text();
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = text;
          }
          return { status: res.status, json };
        } catch {
          return { status: 0, json: undefined };
        }
      };
      return {
        id, port, proc, dbProxy, slackProxy, pdProxy, get,
        cluster: async () => {
          const r = await get('/api/v1/cluster');
          return r.status === 200 ? (r.json as ClusterView) : undefined;
        },
        kill: async () => {
          if (proc.pid !== undefined) process.kill(proc.pid, 'SIGKILL');
          await proc.exited;
        },
      };
    };

    const outputs = (): string => [...replicas.values()].map((r) => `--- ${r.id} (exited: ${String(r.proc.hasExited())}) ---\n${r.proc.output().slice(-4_000)}`).join('\n');
    return {
      dir, postgres, databaseUrl, prometheus, exporter, slack, pd, replicas,
      async startReplicas(ids) {
        const started = await Promise.all(ids.map((id) => startReplica(id)));
        for (const r of started) replicas.set(r.id, r);
        await Promise.all(started.map((r) => until(`${r.id} /readyz 200`, async () => {
          if (r.proc.hasExited()) throw new Error(`${r.id} exited before it was ready:\n${r.proc.output().slice(-4_000)}`);
          return (await r.get('/readyz')).status === 200 ? true : undefined;
        }, 90_000, outputs)));
      },
      async settled(live, timeoutMs, check = unsettled) {
        let why = '';
        return until(`the cluster of ${live.join(', ')} to settle`, async () => {
          const views = await Promise.all(live.map((id) => replicas.get(id)!.cluster()));
          why = live.map((id, i) => `${id}: ${views[i]?.replica !== id ? `answers as ${views[i]?.replica}` : check(views[i], live) ?? 'settled'}`).join('; ');
          if (views.some((v, i) => v?.replica !== live[i] || check(v, live) !== undefined)) return undefined;
          // Every replica reads the same holders from PostgreSQL.
          const holders = new Set(views.map((v) => JSON.stringify([...v!.replicas].sort((a, b) => a.id.localeCompare(b.id)))));
          why = 'the replicas disagree on who holds what';
          return holders.size === 1 ? (views as ClusterView[]) : undefined;
        }, timeoutMs, () => `${why}\n${outputs()}`);
      },
      async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
        return (await db.query<R>(sql, params)).rows;
      },
      async ledger() {
        const rows = (await db.query<{ slo_id: string; slot_ms: string; replica: string | null; written_ms: string | null }>(
          `SELECT i.slo_id, l.slot_ms, l.replica, l.written_ms FROM ledger l JOIN slo_instances i ON i.id = l.instance_id ORDER BY i.slo_id, l.slot_ms`,
        )).rows;
        return rows.map((r) => ({ sloId: r.slo_id, slotMs: Number(r.slot_ms), replica: r.replica, writtenMs: r.written_ms === null ? null : Number(r.written_ms) }));
      },
      outputs,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** One entry of `GET /api/v1/alerts` (the fields these tests read). */
export interface AlertEntry {
  readonly slo: string;
  readonly severity: string;
  readonly state: string;
  readonly firedAt?: string;
}

/** The burning SLO's page alert as a replica's API shows it (from the shared store). */
export async function burningPage(replica: Replica): Promise<AlertEntry | undefined> {
  const r = await replica.get('/api/v1/alerts');
  if (r.status !== 200 || !Array.isArray(r.json)) return undefined;
  return (r.json as AlertEntry[]).find((a) => a.slo === BURNING && a.severity === 'page');
}

/** PagerDuty events sent, as [event_action, dedup_key]. */
export function pagerDutyEvents(pd: PagerDutyEmulator): [string, string][] {
  return pd.requests.flatMap((r) => {
    const body = r.json as { event_action?: string; dedup_key?: string } | undefined;
    return body?.event_action === undefined || body.dedup_key === undefined ? [] : [[body.event_action, body.dedup_key] as [string, string]];
  });
}

/** Slack messages that are not thread replies. */
export function slackRootMessages(slack: SlackEmulator): SlackEmulator['messages'] {
  return slack.messages.filter((m) => m.threadTs === undefined);
}

/** Whether every outbox row is delivered (at least `min` of them): nothing pending, retrying or dead. */
export async function outboxDelivered(cluster: HaCluster, min: number): Promise<boolean> {
  const rows = await cluster.query<{ state: string }>('SELECT state FROM outbox');
  return rows.length >= min && rows.every((r) => r.state === 'delivered');
}

/**
 * Waits until the page went out and its delivery was recorded: a Slack message, a PagerDuty trigger, and
 * both outbox rows delivered (so a kill after this cannot make the next holder send them again).
 */
export async function pageDelivered(cluster: HaCluster, timeoutMs: number): Promise<void> {
  await until('the page on Slack and PagerDuty, recorded as delivered', async () => {
    if (slackRootMessages(cluster.slack).length === 0 || !pagerDutyEvents(cluster.pd).some(([action]) => action === 'trigger')) return undefined;
    return (await outboxDelivered(cluster, 2)) ? true : undefined;
  }, timeoutMs, cluster.outputs);
}

/** Waits until the resolve went out and was recorded: the Slack message edited, the PagerDuty incident resolved. */
export async function resolveDelivered(cluster: HaCluster, timeoutMs: number): Promise<void> {
  await until('the resolve on Slack and PagerDuty, recorded as delivered', async () => {
    const edited = slackRootMessages(cluster.slack).some((m) => m.edits.length > 0);
    const resolved = pagerDutyEvents(cluster.pd).some(([action]) => action === 'resolve');
    if (!edited || !resolved) return undefined;
    return (await outboxDelivered(cluster, 4)) ? true : undefined;
  }, timeoutMs, cluster.outputs);
}

/**
 * Exactly one page for the whole episode: one Slack message (no second post), edited on resolve (every
 * chat.update names its ts), and one PagerDuty dedup key, triggered once and then resolved.
 */
export function expectOnePageResolved(cluster: HaCluster): void {
  const posts = cluster.slack.calls('chat.postMessage').filter((r) => r.answer.status === 200 && r.answer.error === undefined && r.form['thread_ts'] === undefined);
  expect(posts, 'Slack messages posted').toHaveLength(1);
  const [message] = slackRootMessages(cluster.slack);
  expect(message?.edits.length, 'edits of the Slack message').toBeGreaterThanOrEqual(1);
  const updates = cluster.slack.calls('chat.update');
  expect(updates.map((u) => [u.form['channel'], u.form['ts'], u.answer.error]), 'chat.update calls').toEqual(updates.map(() => [message?.channel, message?.ts, undefined]));
  const events = pagerDutyEvents(cluster.pd);
  const keys = [...new Set(events.map(([, key]) => key))];
  expect(keys, 'PagerDuty dedup keys').toHaveLength(1);
  expect(events.map(([action]) => action), 'PagerDuty events').toEqual(['trigger', 'resolve']);
  expect(cluster.pd.incidents.map((i) => [i.dedupKey, i.status]), 'PagerDuty incidents').toEqual([[keys[0], 'resolved']]);
}

/** The rows of one SLO whose slots lie in [fromMs, toMs]. */
export function rowsOf(rows: readonly LedgerRowOf[], sloId: string, fromMs: number, toMs: number): LedgerRowOf[] {
  return rows.filter((r) => r.sloId === sloId && r.slotMs >= fromMs && r.slotMs <= toMs);
}

/** The evaluation slots (multiples of the interval) from the first at or after `fromMs` to the last at or before `toMs`. */
export function slotsBetween(fromMs: number, toMs: number): number[] {
  const out: number[] = [];
  for (let t = Math.ceil(fromMs / TIMING.intervalMs) * TIMING.intervalMs; t <= toMs; t += TIMING.intervalMs) out.push(t);
  return out;
}

/** Who wrote the rows, in slot order, each run of the same replica once: ['r1', 'r3'] for a handover from r1 to r3. */
export function writerRuns(rows: readonly LedgerRowOf[]): (string | null)[] {
  return rows.map((r) => r.replica).filter((w, i, all) => i === 0 || w !== all[i - 1]);
}

/**
 * How late a slot may be written: the failover timeout and one interval (the slot the dead replica was about
 * to write waits for the next holder's first cycle), plus the scheduler's wait after a slot boundary (2 s)
 * and 3 s for cycles slowed by a loaded machine.
 */
export const MAX_SLOT_LATENESS_MS = TIMING.failoverTimeoutMs + TIMING.intervalMs + TIMING.schedulerDelayMs + 3_000;

/** A settled cluster of three in the middle of an incident on the burning SLO, paged by the replica that holds it. */
export interface Incident {
  readonly ids: readonly string[];
  /** Views of the settled cluster before the incident. */
  readonly before: ClusterView;
  /** `Date.now()` once it had settled: the first slot checked in the ledger. */
  readonly settledAt: number;
  /** The replica that holds the burning SLO's shard and paged. */
  readonly holder: Replica;
  readonly others: readonly string[];
  /** Its page alert as the API showed it once paged (firing). */
  readonly firing: AlertEntry | undefined;
}

/** Starts replicas r1, r2 and r3, waits for their fair shares, starts the burn and waits for the page to be delivered. */
export async function startIncident(c: HaCluster): Promise<Incident> {
  const ids = ['r1', 'r2', 'r3'];
  await c.startReplicas(ids);
  const [before] = await c.settled(ids, 60_000);
  const settledAt = Date.now();
  const holder = c.replicas.get(holderOf(before!, BURNING)!)!;
  c.exporter.setErrorShare(BURNING, 0.5);
  await pageDelivered(c, 120_000);
  return { ids, before: before!, settledAt, holder, others: ids.filter((id) => id !== holder.id), firing: await burningPage(holder) };
}

/**
 * An SLO's ledger rows over `slots` (the slots of a settled cluster whose cycles have surely run): one row for
 * every slot, none written later than MAX_SLOT_LATENESS_MS after its slot. Returns the rows.
 */
export function expectEverySlotInTime(ledger: readonly LedgerRowOf[], sloId: string, slots: readonly number[]): LedgerRowOf[] {
  const rows = rowsOf(ledger, sloId, slots[0]!, slots.at(-1)!);
  expect(rows.map((r) => r.slotMs), `${sloId}: a row for every slot`).toEqual(slots);
  const late = rows.filter((r) => r.writtenMs === null || r.writtenMs - r.slotMs > MAX_SLOT_LATENESS_MS);
  expect(late.map((r) => `${new Date(r.slotMs).toISOString()} written ${r.writtenMs === null ? 'without a time' : `${r.writtenMs - r.slotMs} ms after`} by ${r.replica}`), `${sloId}: slots written late`).toEqual([]);
  return rows;
}
