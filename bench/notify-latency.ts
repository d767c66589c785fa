import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NotificationSink } from '../src/alerting/sink.js';
import { Engine } from '../src/engine/engine.js';
import type { AlertNotification } from '../src/notify/notifier.js';
import { parseRoutingConfig } from '../src/notify/routing-config.js';
import { Delivery } from '../src/runtime/delivery.js';
import { HOUR, MINUTE } from '../src/slo/duration.js';
import type { Slo } from '../src/slo/model.js';
import { openDb } from '../src/store/db.js';
import { OutboxStore } from '../src/store/outbox.js';
import { SilenceStore } from '../src/store/silences.js';
import { counter, FakeMetrics } from '../test/support/fake-metrics.js';
import type { SyntheticSeries } from '../test/support/fake-metrics.js';
import type { EmulatorsReady, Receipt } from './emulators-child.js';
import { benchSlo, METRIC, routes } from './synthetic.js';
import { silentLogger as quiet } from '../test/support/logger.js';

/**
 * Page latency: from the evaluation that decides a page to its receipt by the Slack and PagerDuty emulators,
 * through the daemon's own path: the engine's `evaluateAt` writes the alert state and the outbox rows in one
 * transaction, the outbox wakes the dispatcher, which renders and sends through the real SDK clients
 * (@slack/web-api over HTTP, @pagerduty/pdjs over HTTPS with a test CA) to the emulators in test/support,
 * which run in a process of their own (bench/emulators-child.ts), as the real services run elsewhere.
 *
 * - 1,000 SLOs (the bench's (service, route) set, 99.9 % over 30 d, workbook tiers, a runbook each) over a
 *   synthetic source (10 requests/s per route, 0.05 % errors); the source only feeds the ledger, it is not
 *   part of what is timed.
 * - 120 of them burn (50 % errors for 10 minutes) in 10 waves of 1, 1, 2, 3, 5, 8, 10, 15, 25 and 50 routes,
 *   3 minutes apart, so cycles decide from one to 50 pages at once; each burning SLO pages once (the 1h/5m
 *   tier, about 2 minutes into its burn) and resolves about 30 minutes after it.
 * - 30 s slots, stepped as fast as deliveries allow: each cycle waits until the outbox is empty before the
 *   next, as the daemon's cycles are 30 s apart. Routing: every page to Slack and to PagerDuty, group_wait 0
 *   (a configured group_wait adds exactly its length); tickets to Slack.
 * - Every cycle starts without open connections (the emulators close the idle ones before it): in the
 *   daemon, 30 s apart, the connections of one cycle have timed out before the next (after 4 s idle).
 * - Timed per page and destination: from just before the `evaluateAt` that decides it (and, separately,
 *   from its return) to the emulator's receipt of the request (`receivedAt`, when the whole request has
 *   arrived). Both sides read `performance.timeOrigin + performance.now()`: epoch milliseconds with
 *   sub-millisecond resolution, comparable between two processes on one machine.
 * - Where that time goes, per page: the evaluation (`evaluateAt`, which ends with the transaction that
 *   writes the outbox rows), then the wait in the outbox (from the commit until the dispatcher hands the
 *   row to the notifier: waking the dispatcher, and the receiver's earlier rows when more rows than its
 *   4 lanes are due), then the send (rendering, the SDK, the connection and the request, up to the
 *   emulator's receipt). The hand-over time comes from the dispatcher's `delivered` report (when the send
 *   ended, less its duration; millisecond resolution). For the slowest page, its cycle's CPU time against
 *   wall time shows whether the process had a core to run on (the machine may be loaded by other work).
 */

const SLOT_MS = 30_000;
const SCRAPE_MS = 30_000;
const WAVES = [1, 1, 2, 3, 5, 8, 10, 15, 25, 50];
const WAVE_GAP_MS = 3 * MINUTE;
const BURN_MS = 10 * MINUTE;
const SLACK_TOKEN = 'xoxb-bench-0000000000-burnwatch';
const PD_KEY = 'B3NCHR0UT1NGKEY0123456789abcdefA';

export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface NotifyLatencyResult {
  readonly slos: number;
  readonly pagesDecided: number;
  /** From just before the deciding evaluateAt to the emulator's receipt. */
  readonly fromEvaluationStart: { readonly slack: LatencySummary; readonly pagerduty: LatencySummary };
  /** From the return of the deciding evaluateAt to the emulator's receipt. */
  readonly fromEvaluationEnd: { readonly slack: LatencySummary; readonly pagerduty: LatencySummary };
  /** Resolves, from the start of the evaluation that decides them. */
  readonly resolves: { readonly slack: LatencySummary; readonly pagerduty: LatencySummary };
  /** From the evaluation start, by how many pages that evaluation decided (1 page alone ... a storm of 50). */
  readonly byPagesInCycle: Readonly<Record<string, { readonly slack: LatencySummary; readonly pagerduty: LatencySummary }>>;
  /** Wall time of evaluateAt over all cycles (1,000 SLOs) and of the cycles that decided pages. */
  readonly evaluateMs: { readonly p50: number; readonly max: number };
  readonly cycles: number;
  /** burnwatch's CPU time (this process) from each evaluation's return until its outbox was empty, per request the emulators received. */
  readonly deliveryCpuMsPerRequest: number;
  readonly requests: number;
  readonly wallMs: number;
  /** Left in the outbox at the end, and sends that failed on the way (by receiver and reason). */
  readonly deliveryProblems: { readonly pending: number; readonly dead: number; readonly failedSends: Readonly<Record<string, number>> };
  /** Where the time of each page went (see the file's comment), per destination. */
  readonly stages: { readonly slack: PageStages; readonly pagerduty: PageStages };
}

export interface PageStages {
  /** evaluateAt, start to return (its transaction commits the outbox rows just before it returns). */
  readonly evaluate: LatencySummary;
  /** From evaluateAt's return until the dispatcher handed the row to the notifier. */
  readonly inOutbox: LatencySummary;
  /** From the hand-over to the emulator's receipt of the whole request. */
  readonly send: LatencySummary;
  /**
   * The slowest page, stage by stage, and how much CPU burnwatch got in its cycle: the evaluation's and the
   * delivery's CPU time against their wall time (from evaluateAt's return until the outbox was empty). Far less
   * CPU than wall time on a loaded machine means the process waited for a core.
   */
  readonly slowest: {
    readonly totalMs: number;
    readonly evaluateMs: number;
    readonly inOutboxMs: number;
    readonly sendMs: number;
    readonly pagesInCycle: number;
    readonly evaluateCpuMs: number;
    readonly deliveryWallMs: number;
    readonly deliveryCpuMs: number;
  };
}

/** What one cycle cost burnwatch: CPU time of the evaluation, wall and CPU time of the delivery. */
interface CycleCost {
  evaluateCpuMs: number;
  deliveryWallMs: number;
  deliveryCpuMs: number;
}

/** One page at one destination: its stages in ms, and how many pages its evaluation decided. */
interface PageTimes {
  readonly evaluate: number;
  readonly inOutbox: number;
  readonly send: number;
  readonly pages: number;
  readonly cycle: CycleCost;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? NaN;
}

export function summarize(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1) ?? NaN };
}

function routingYaml(slackApi: string, pdHost: string, caFile: string): string {
  return `route:
  receiver: slack
  group_wait: 0s
  routes:
    - { receiver: slack, matchers: ['severity="page"'], continue: true }
    - { receiver: pagerduty, matchers: ['severity="page"'] }
receivers:
  - name: slack
    slack: { token: { env: BENCH_SLACK_TOKEN }, channel: C0ALERTS01, apiUrl: "${slackApi}" }
  - name: pagerduty
    pagerduty: { routingKey: { env: BENCH_PD_KEY }, eventsHost: "${pdHost}", caFile: "${caFile}" }
`;
}


const isPage = (n: AlertNotification): boolean => n.severity === 'page' && n.kind === 'burn' && n.status === 'firing';

const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Now, as epoch milliseconds with sub-millisecond resolution (the emulators' receipts use the same). */
const epochNow = (): number => performance.timeOrigin + performance.now();

/** Starts bench/emulators-child.ts (through tsx, like the bench) and waits for its addresses. */
async function startEmulators(): Promise<{ child: ChildProcess; ready: EmulatorsReady }> {
  const script = fileURLToPath(new URL('./emulators-child.ts', import.meta.url));
  const child = fork(script, [SLACK_TOKEN], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [message] = (await Promise.race([once(child, 'message'), once(child, 'exit').then(() => [undefined])])) as [unknown];
  const ready = (message as { ready?: EmulatorsReady } | undefined)?.ready;
  if (ready === undefined) throw new Error('the emulators process did not start (bench/emulators-child.ts)');
  return { child, ready };
}

/** Has the emulators close their idle connections, and gives burnwatch a moment to see them closed. */
async function dropIdleConnections(child: ChildProcess): Promise<void> {
  child.send('drop-idle');
  await once(child, 'message');
  await sleep(5);
}

async function receiptsOf(child: ChildProcess): Promise<Receipt[]> {
  child.send('receipts');
  const [message] = (await once(child, 'message')) as [{ receipts: Receipt[] }];
  return message.receipts;
}

export async function measureNotifyLatency(log: (msg: string) => void): Promise<NotifyLatencyResult> {
  const started = performance.now();
  const dir = mkdtempSync(join(os.tmpdir(), 'burnwatch-bench-notify-'));
  const { child, ready } = await startEmulators();
  let db: ReturnType<typeof openDb> | undefined;
  let delivery: Delivery | undefined;
  try {
    const caFile = join(dir, 'pd-ca.pem');
    writeFileSync(caFile, ready.caCert);
    const routingFile = join(dir, 'routing.yaml');
    const parsed = parseRoutingConfig(routingFile, routingYaml(ready.slackApi, ready.pdHost, caFile));
    if (!parsed.ok) throw new Error(`bench routing: ${JSON.stringify(parsed.errors)}`);

    // Simulated time lies in the past, so every row is due at once for the dispatcher's real clock.
    const t0 = Math.floor((Date.now() - 12 * HOUR) / SLOT_MS) * SLOT_MS;
    const burnStart = t0 + 5 * MINUTE;
    const all = routes();
    const burning = new Map<number, number>();
    let next = 0;
    WAVES.forEach((size, wave) => {
      for (let k = 0; k < size; k++) burning.set((next++ * 8) % all.length, burnStart + wave * WAVE_GAP_MS);
    });
    const series: SyntheticSeries[] = all.flatMap((r) => {
      const from = burning.get(r.index);
      const share = (t: number): number => (from !== undefined && t > from && t <= from + BURN_MS ? 0.5 : 0.0005);
      const labels = { __name__: METRIC, service: r.service, route: r.route };
      return [
        counter({ ...labels, code: '200' }, (t) => 10 * (1 - share(t)), { startMs: t0 - 3 * HOUR, scrapeMs: SCRAPE_MS }),
        counter({ ...labels, code: '500' }, (t) => 10 * share(t), { startMs: t0 - 3 * HOUR, scrapeMs: SCRAPE_MS }),
      ];
    });
    const slos: Slo[] = all.map((r) => {
      const slo = benchSlo(r, 0);
      return { ...slo, alerting: { ...slo.alerting, runbook: `runbooks/${slo.service}.md` } };
    });

    db = openDb(join(dir, 'burnwatch.db'));
    /** Sends that failed (and were retried), by `<receiver>/<reason>`: none is expected. */
    const failedSends: Record<string, number> = {};
    /** Per `<notification id>|<receiver>`: when the dispatcher handed the row to the notifier (epoch ms). */
    const handedOver = new Map<string, number>();
    const created = Delivery.create(parsed.config, {
      observer: {
        delivered: (receiver, _kind, row, latencyMs) => {
          handedOver.set(`${row.notificationId}|${receiver}`, epochNow() - latencyMs);
        },
        failed: (receiver, _kind, reason) => {
          failedSends[`${receiver}/${reason}`] = (failedSends[`${receiver}/${reason}`] ?? 0) + 1;
        },
      },
      store: new OutboxStore(db),
      silences: new SilenceStore(db),
      notifierDeps: { secrets: (ref) => (ref.env === 'BENCH_SLACK_TOKEN' ? SLACK_TOKEN : PD_KEY), logger: quiet },
      now: () => Date.now(),
      random: Math.random,
      logger: quiet,
      schedule: (fn, ms) => {
        const timer = setTimeout(fn, ms);
        return { cancel: () => clearTimeout(timer) };
      },
    });
    if (!created.ok) throw new Error(`bench receivers: ${JSON.stringify(created.errors)}`);
    const live = created.delivery;
    delivery = live;

    // The outbox as the engine's sink, noting which notifications each evaluation decided.
    const decided: AlertNotification[] = [];
    const sink: NotificationSink = {
      enqueue: (ns, atMs) => {
        decided.push(...ns);
        live.outbox.enqueue(ns, atMs);
      },
      heartbeat: (ns, atMs) => live.outbox.heartbeat(ns, atMs),
    };
    const engine = new Engine(
      { source: new FakeMetrics(series, SCRAPE_MS), db, logger: quiet, sink, suppression: live.suppression },
      { slotMs: SLOT_MS, rateWindowMs: 2 * MINUTE, links: { prometheusUrl: 'http://prometheus.example.com:9090', runbookBaseUrl: 'https://git.example.com/slos/blob/main/' }, maxBackfillMs: 2 * HOUR },
    );
    engine.setSlos(slos, t0);
    live.dispatcher.start();
    log(`notification latency: 1,000 SLOs, ${burning.size} of them burning in ${WAVES.length} waves; backfilling 2 h`);
    await engine.ingest(t0);
    engine.evaluateAt(t0);

    /** Per notification id: when the evaluation that decided it started and returned, and how many pages it decided. */
    const decisions = new Map<string, { n: AlertNotification; start: number; end: number; pages: number; cycle: CycleCost }>();
    const evaluateMs: number[] = [];
    // The last wave resolves about 30 minutes after its burn (the 6h/30m tier's short window).
    const end = burnStart + (WAVES.length - 1) * WAVE_GAP_MS + BURN_MS + 40 * MINUTE;
    let cycles = 0;
    let deliveryCpuMicros = 0;
    for (let t = t0 + SLOT_MS; t <= end; t += SLOT_MS) {
      await dropIdleConnections(child);
      await engine.ingest(t);
      decided.length = 0;
      const evaluateCpu0 = process.cpuUsage();
      const start = epochNow();
      engine.evaluateAt(t);
      const returned = epochNow();
      const cpu0 = process.cpuUsage();
      evaluateMs.push(returned - start);
      cycles++;
      const pages = decided.filter(isPage).length;
      const cost: CycleCost = { evaluateCpuMs: cpuMs(process.cpuUsage(evaluateCpu0)), deliveryWallMs: 0, deliveryCpuMs: 0 };
      for (const n of decided) decisions.set(n.id, { n, start, end: returned, pages, cycle: cost });
      // Wait for the dispatcher to empty the outbox (the daemon's next cycle is 30 s away); polled sparingly,
      // so the polling takes no CPU from what is measured (receipt times come from the emulators).
      const deadline = performance.now() + 30_000;
      while (live.store.stats().pending > 0 && performance.now() < deadline) await sleep(25);
      const cpu = process.cpuUsage(cpu0);
      deliveryCpuMicros += cpu.user + cpu.system;
      cost.deliveryWallMs = epochNow() - returned;
      cost.deliveryCpuMs = cpuMs(cpu);
    }
    const problems = live.store.stats();

    // Receipts: the first request of each page (and resolve) per destination.
    const pageDecision = (sloId: string, status: 'firing' | 'resolved') =>
      [...decisions.values()].find((d) => d.n.slo.id === sloId && d.n.severity === 'page' && d.n.kind === 'burn' && d.n.status === status);
    const byPages = new Map<number, { slack: number[]; pagerduty: number[] }>();
    const fromStart = { slack: [] as number[], pagerduty: [] as number[] };
    const fromEnd = { slack: [] as number[], pagerduty: [] as number[] };
    const resolves = { slack: [] as number[], pagerduty: [] as number[] };
    const seen = new Set<string>();
    const stages = { slack: [] as PageTimes[], pagerduty: [] as PageTimes[] };
    const record = (destination: 'slack' | 'pagerduty', sloId: string, status: 'firing' | 'resolved', receivedAt: number): void => {
      const key = `${destination}/${sloId}/${status}`;
      const decision = pageDecision(sloId, status);
      if (seen.has(key) || decision === undefined) return;
      seen.add(key);
      if (status === 'resolved') {
        resolves[destination].push(receivedAt - decision.start);
        return;
      }
      fromStart[destination].push(receivedAt - decision.start);
      fromEnd[destination].push(receivedAt - decision.end);
      const handed = handedOver.get(`${decision.n.id}|${destination}`);
      if (handed !== undefined) stages[destination].push({ evaluate: decision.end - decision.start, inOutbox: handed - decision.end, send: receivedAt - handed, pages: decision.pages, cycle: decision.cycle });
      const group = byPages.get(decision.pages) ?? { slack: [], pagerduty: [] };
      group[destination].push(receivedAt - decision.start);
      byPages.set(decision.pages, group);
    };
    const receipts = await receiptsOf(child);
    for (const r of receipts) {
      if (r.to === 'slack') {
        const page = /^\[(PAGE|RESOLVED)\] (\S+?)[:\s]/.exec(r.text);
        if (page === null || r.threadTs !== undefined) continue;
        // A resolve of a page edits its message (chat.update); its text names the severity after the kind.
        if (page[1] === 'RESOLVED' && !r.text.includes('(page)')) continue;
        record('slack', page[2] ?? '', page[1] === 'PAGE' ? 'firing' : 'resolved', r.atEpochMs);
      } else {
        const [sloId, severity] = r.dedupKey.split('/');
        if (severity !== 'page' || sloId === undefined) continue;
        record('pagerduty', sloId, r.action === 'resolve' ? 'resolved' : 'firing', r.atEpochMs);
      }
    }
    const pagesDecided = [...decisions.values()].filter((d) => isPage(d.n)).length;
    const stagesOf = (list: PageTimes[]): PageStages => {
      const total = (x: PageTimes): number => x.evaluate + x.inOutbox + x.send;
      const slowest = list.reduce<PageTimes | undefined>((a, b) => (a === undefined || total(b) > total(a) ? b : a), undefined);
      return {
        evaluate: summarize(list.map((x) => x.evaluate)),
        inOutbox: summarize(list.map((x) => x.inOutbox)),
        send: summarize(list.map((x) => x.send)),
        slowest: {
          totalMs: slowest === undefined ? NaN : total(slowest),
          evaluateMs: slowest?.evaluate ?? NaN,
          inOutboxMs: slowest?.inOutbox ?? NaN,
          sendMs: slowest?.send ?? NaN,
          pagesInCycle: slowest?.pages ?? 0,
          evaluateCpuMs: slowest?.cycle.evaluateCpuMs ?? NaN,
          deliveryWallMs: slowest?.cycle.deliveryWallMs ?? NaN,
          deliveryCpuMs: slowest?.cycle.deliveryCpuMs ?? NaN,
        },
      };
    };
    const sortedEval = [...evaluateMs].sort((a, b) => a - b);
    return {
      slos: slos.length,
      pagesDecided,
      fromEvaluationStart: { slack: summarize(fromStart.slack), pagerduty: summarize(fromStart.pagerduty) },
      fromEvaluationEnd: { slack: summarize(fromEnd.slack), pagerduty: summarize(fromEnd.pagerduty) },
      resolves: { slack: summarize(resolves.slack), pagerduty: summarize(resolves.pagerduty) },
      byPagesInCycle: Object.fromEntries([...byPages].sort(([a], [b]) => a - b).map(([pages, g]) => [String(pages), { slack: summarize(g.slack), pagerduty: summarize(g.pagerduty) }])),
      evaluateMs: { p50: percentile(sortedEval, 50), max: sortedEval.at(-1) ?? NaN },
      cycles,
      deliveryCpuMsPerRequest: deliveryCpuMicros / 1000 / Math.max(1, receipts.length),
      requests: receipts.length,
      wallMs: performance.now() - started,
      deliveryProblems: { pending: problems.pending, dead: problems.dead, failedSends },
      stages: { slack: stagesOf(stages.slack), pagerduty: stagesOf(stages.pagerduty) },
    };
  } finally {
    await delivery?.dispatcher.stop(5_000);
    db?.close();
    child.send('close');
    await Promise.race([once(child, 'exit'), sleep(5_000)]);
    if (child.exitCode === null) child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
