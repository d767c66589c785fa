import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertmanager } from './support/alertmanager.js';
import type { RunningAlertmanager } from './support/alertmanager.js';
import { startPagerDutyEmulator } from './support/pagerduty-emulator.js';
import type { PagerDutyEmulator } from './support/pagerduty-emulator.js';
import { postgresBinDir, startPostgres } from './support/postgres.js';
import type { RunningPostgres } from './support/postgres.js';
import { hasBinary, startPrometheus, toOpenMetrics } from './support/prometheus.js';
import type { RunningPrometheus } from './support/prometheus.js';
import { between, scenarioSeries } from './support/scenarios.js';
import { startSlackEmulator } from './support/slack-emulator.js';
import type { SlackEmulator } from './support/slack-emulator.js';

/**
 * Delivery end to end: an outage in a real Prometheus, burnwatch's engine + outbox + dispatcher in a child
 * process, and the real SDKs talking to a Slack emulator, a PagerDuty emulator (HTTPS, self-signed CA) and a
 * real Alertmanager 0.25. Then the crash test: the same child killed with SIGKILL at random points.
 */

const MIN = 60_000;
const SLOT = 60_000;
const childSource = fileURLToPath(new URL('./support/delivery-child.ts', import.meta.url));
/**
 * The child is bundled once (esbuild, packages left to node_modules) so each of the ~55 starts costs the
 * module loading only, not a TypeScript transform: half the start-up time.
 */
const child = fileURLToPath(new URL('../node_modules/.cache/burnwatch-test/delivery-child.mjs', import.meta.url));
const SLACK_TOKEN = 'xoxb-test-0000000000-burnwatch';
const PD_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const RUNBOOK_BASE = 'https://git.example.com/slos/blob/main/';

/** Minutes are aligned so the page is seen active in Alertmanager and its resolve is in the past. */
const FROM = Math.floor((Date.now() - 100 * MIN) / SLOT) * SLOT;
const at = (m: number): number => FROM + m * MIN;

const SLO = `apiVersion: burnwatch/v1
kind: SLO
metadata: { name: checkout-availability, service: checkout, labels: { team: payments } }
spec:
  objective: 99.9
  indicator:
    events:
      errors: http_requests_total{service="checkout",code="500"}
      total: http_requests_total{service="checkout"}
  alerting:
    runbook: runbooks/checkout-availability.md
    ticket: { disabled: true }
    exhaustion: { disabled: true }
`;

function routing(opts: { slackApi: string; pdHost: string; caFile: string; alertmanager?: string }): string {
  return `route:
  receiver: slack
  group_wait: 30s
  routes:
    - { receiver: slack, matchers: ['severity="page"'], continue: true }
    - { receiver: pagerduty, matchers: ['severity="page"'], continue: ${opts.alertmanager === undefined ? 'false' : 'true'} }
${opts.alertmanager === undefined ? '' : '    - { receiver: alertmanager, matchers: [\'severity="page"\'] }\n'}receivers:
  - name: slack
    slack: { token: { env: TEST_SLACK_TOKEN }, channel: C0ALERTS01, apiUrl: "${opts.slackApi}" }
  - name: pagerduty
    pagerduty: { routingKey: { env: TEST_PD_KEY }, eventsHost: "${opts.pdHost}", caFile: "${opts.caFile}" }
${opts.alertmanager === undefined ? '' : `  - name: alertmanager\n    alertmanager: { url: "${opts.alertmanager}", evaluationInterval: 1h }\n`}`;
}

interface Env {
  dir: string;
  slosDir: string;
  routingFile: string;
}

function childConfig(env: Env, db: string, prometheusUrl: string, toMs: number, extra: { slotMs?: number; pauseMs?: number; databaseUrl?: string } = {}): string {
  return JSON.stringify({ dbPath: join(env.dir, db), prometheusUrl, slosDir: env.slosDir, routingFile: env.routingFile, fromMs: FROM, toMs, slotMs: SLOT, runbookBaseUrl: RUNBOOK_BASE, ...extra });
}

/** Runs the child to its end (asynchronously: the emulators answer from this process). */
function runChild(config: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [child, config], { env: { ...process.env, TEST_SLACK_TOKEN: SLACK_TOKEN, TEST_PD_KEY: PD_KEY } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => p.kill('SIGKILL'), 300_000);
    p.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/**
 * Starts the child and kills it with SIGKILL `afterMs` after it has started the slot at or after
 * `killAtMs` (simulated time), or lets it finish first. Aiming at a slot keeps the kills at the same
 * simulated times on fast and slow machines; the delay puts each at a random point inside its slot.
 */
function runAndKill(config: string, killAtMs: number, afterMs: number): Promise<'killed' | 'finished'> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [child, config], { env: { ...process.env, TEST_SLACK_TOKEN: SLACK_TOKEN, TEST_PD_KEY: PD_KEY }, stdio: ['ignore', 'pipe', 'ignore'] });
    let timer: ReturnType<typeof setTimeout> | undefined;
    let buffered = '';
    p.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      const started = lines.some((line) => line.startsWith('SLOT ') && Number(line.slice(5)) >= killAtMs);
      if (timer === undefined && started) timer = setTimeout(() => p.kill('SIGKILL'), afterMs);
    });
    p.on('exit', (_code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      resolve(signal === 'SIGKILL' ? 'killed' : 'finished');
    });
  });
}

let prom: RunningPrometheus | undefined;
let am: RunningAlertmanager | undefined;
let postgres: RunningPostgres | undefined;
const closers: (() => Promise<void>)[] = [];
let workdir = '';

async function emulators(env: Env, alertmanager?: string): Promise<{ slack: SlackEmulator; pd: PagerDutyEmulator }> {
  const slack = await startSlackEmulator({ token: SLACK_TOKEN, channels: { alerts: 'C0ALERTS01' } });
  const pd = await startPagerDutyEmulator();
  closers.push(() => slack.close(), () => pd.close());
  const caFile = join(env.dir, 'pd-ca.pem');
  writeFileSync(caFile, pd.caCert);
  writeFileSync(env.routingFile, routing({ slackApi: slack.apiUrl, pdHost: pd.host, caFile, ...(alertmanager === undefined ? {} : { alertmanager }) }));
  return { slack, pd };
}

function newEnv(name: string): Env {
  const dir = join(workdir, name);
  const slosDir = join(dir, 'slos');
  mkdirSync(slosDir, { recursive: true });
  writeFileSync(join(slosDir, 'checkout.yaml'), SLO);
  return { dir, slosDir, routingFile: join(dir, 'routing.yaml') };
}

describe.skipIf(!hasBinary('prometheus') || !hasBinary('prometheus-alertmanager'))('delivery end to end and after crashes', () => {
  beforeAll(async () => {
    await build({ entryPoints: [childSource], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: child, logLevel: 'warning' });
    workdir = mkdtempSync(join(tmpdir(), 'burnwatch-delivery-'));
    // 50 % errors from minute 10 to 20: the page fires ~2 min in and resolves ~30 min after the end.
    const scenario = { name: 'checkout', rps: () => 20, errorShare: (t: number) => (between(t, at(10), at(20)) ? 0.5 : 0.0002) };
    prom = await startPrometheus({ openMetrics: () => toOpenMetrics(scenarioSeries([scenario], FROM - 8 * 60 * MIN, at(95))) });
    am = await startAlertmanager();
  }, 120_000);

  afterAll(async () => {
    for (const c of closers) await c();
    await postgres?.stop();
    await am?.stop();
    await prom?.stop();
    if (workdir !== '') rmSync(workdir, { recursive: true, force: true });
  });

  // The same run on either store: the SQLite file (the default), or a PostgreSQL database (database.url).
  for (const store of ['sqlite', 'postgres'] as const) it(`pages once on Slack, PagerDuty and Alertmanager with the runbook link, and resolves each (${store})`, async (ctx) => {
    if (!prom || !am) throw new Error('setup failed');
    let database: { databaseUrl?: string } = {};
    if (store === 'postgres') {
      if (postgresBinDir() === undefined) return ctx.skip('no PostgreSQL server binaries (pg_config --bindir, /usr/lib/postgresql/*/bin)');
      postgres = await startPostgres();
      database = { databaseUrl: await postgres.createDatabase('burnwatch_delivery') };
    }
    const env = newEnv(`e2e-${store}`);
    const { slack, pd } = await emulators(env, am.url);
    // Phase 1: up to just after the page fires; Alertmanager must show the alert as active.
    const first = await runChild(childConfig(env, 'burnwatch.db', prom.url, at(16), database));
    expect(first.stdout, first.stderr).toContain('DONE {"pending":0,"dead":0}');
    const active = await (await fetch(`${am.url}/api/v2/alerts`)).json() as { labels: Record<string, string>; annotations: Record<string, string>; status: { state: string } }[];
    const mine = active.filter((a) => a.labels['slo'] === 'checkout-availability');
    expect(mine).toHaveLength(1);
    expect(mine[0]?.status.state).toBe('active');
    expect(mine[0]?.annotations['runbook_url']).toBe(`${RUNBOOK_BASE}runbooks/checkout-availability.md`);
    // Phase 2: the rest, in a new process on the same database (a restart).
    const second = await runChild(childConfig(env, 'burnwatch.db', prom.url, at(80), database));
    expect(second.stdout, second.stderr).toContain('DONE {"pending":0,"dead":0}');

    // Slack: one message, edited on resolve (same channel and ts), one thread reply.
    const posts = slack.calls('chat.postMessage').filter((r) => r.answer.status === 200 && r.form['thread_ts'] === undefined);
    expect(posts).toHaveLength(1);
    const [message] = slack.messages.filter((m) => m.threadTs === undefined);
    expect(message?.edits).toHaveLength(1);
    expect(JSON.stringify(message?.blocks)).toContain(`${RUNBOOK_BASE}runbooks/checkout-availability.md`);
    expect(JSON.stringify(message?.edits[0]?.blocks)).toMatch(/resolved/i);
    expect(slack.messages.filter((m) => m.threadTs === message?.ts)).toHaveLength(1);

    // PagerDuty: one incident, resolved, with the runbook among its links.
    expect(pd.incidents).toHaveLength(1);
    expect(pd.incidents[0]?.status).toBe('resolved');
    expect(JSON.stringify(pd.incidents[0]?.links)).toContain(`${RUNBOOK_BASE}runbooks/checkout-availability.md`);

    // Alertmanager: resolved (endsAt in the past), so no longer listed.
    const after = await (await fetch(`${am.url}/api/v2/alerts`)).json() as { labels: Record<string, string> }[];
    expect(after.filter((a) => a.labels['slo'] === 'checkout-availability')).toEqual([]);

    // The run kept its state where the settings said: PostgreSQL's outbox holds the deliveries, and no SQLite file was made.
    if (database.databaseUrl !== undefined) {
      const client = new pg.Client({ connectionString: database.databaseUrl });
      await client.connect();
      try {
        const delivered = await client.query<{ n: string }>("SELECT COUNT(*) AS n FROM outbox WHERE state = 'delivered'");
        expect(Number(delivered.rows[0]?.n)).toBeGreaterThanOrEqual(6); // firing and resolved, to three receivers
      } finally {
        await client.end();
      }
      expect(existsSync(join(env.dir, 'burnwatch.db'))).toBe(false);
    }
  }, 240_000);

  it('delivers everything after 50 SIGKILLs at random points: no duplicated incident, no resolve before its trigger', async () => {
    if (!prom) throw new Error('setup failed');
    // Reference: one uninterrupted run.
    const refEnv = newEnv('reference');
    const ref = await emulators(refEnv);
    const reference = await runChild(childConfig(refEnv, 'burnwatch.db', prom.url, at(80), { slotMs: 30_000 }));
    expect(reference.stdout, reference.stderr).toContain('DONE');

    const env = newEnv('crash');
    const { slack, pd } = await emulators(env);
    // Slow answers (as real APIs are) widen the window between a send and its record.
    slack.failNext({ kind: 'slow', delayMs: 80 }, 10_000);
    pd.failNext({ kind: 'slow', delayMs: 80 }, 10_000);
    // 30 s slots with a short pause each. Kill i aims at a random slot in the i-th fiftieth of minutes 5
    // to 70, so the kills walk through the page (about minute 11) and its resolve (about minute 50, when
    // the 30 m window is clear of the incident) and leave minutes 70 to 80 to the last run.
    const config = childConfig(env, 'burnwatch.db', prom.url, at(80), { slotMs: 30_000, pauseMs: 60 });
    const span = (at(70) - at(5)) / 50;
    let kills = 0;
    let finishedEarly = 0;
    for (let i = 0; i < 50; i++) {
      const outcome = await runAndKill(config, at(5) + i * span + Math.random() * span, Math.floor(Math.random() * 120));
      if (outcome === 'killed') kills++;
      else finishedEarly++;
    }
    const sentBeforeLastRun = pd.requests.map((r) => (r.json as { event_action?: string } | undefined)?.event_action);
    // The rest in one go (no pause per slot).
    const last = await runChild(childConfig(env, 'burnwatch.db', prom.url, at(80), { slotMs: 30_000 }));
    expect(last.stdout, last.stderr).toContain('DONE {"pending":0,"dead":0}');
    // The kills landed across the page and its resolve: both were sent by killed runs. The last run resumes
    // at the last slot recorded before the last kill, aimed at minute 68.7 to 70.
    const reached = Number(/READY (\d+)/.exec(last.stdout)?.[1]);
    expect(reached).toBeGreaterThanOrEqual(at(68));
    expect(sentBeforeLastRun).toContain('trigger');
    expect(sentBeforeLastRun).toContain('resolve');

    const triggersPerKey = new Map<string, number>();
    for (const r of pd.requests) {
      const body = r.json as { event_action?: string; dedup_key?: string } | undefined;
      if (body?.dedup_key === undefined) continue;
      if (body.event_action === 'resolve') expect(triggersPerKey.get(body.dedup_key) ?? 0, 'a resolve came before its trigger').toBeGreaterThan(0);
      else triggersPerKey.set(body.dedup_key, (triggersPerKey.get(body.dedup_key) ?? 0) + 1);
    }
    // The same incidents as the uninterrupted run, each opened once and resolved.
    expect(pd.incidents.map((i) => [i.dedupKey, i.status])).toEqual(ref.pd.incidents.map((i) => [i.dedupKey, i.status]));
    // Slack: every update edits a message that was posted before it; every firing message was resolved.
    const updates = slack.calls('chat.update');
    const roots = slack.messages.filter((m) => m.threadTs === undefined);
    expect(updates.every((u) => u.answer.status === 200 && u.answer.error === undefined)).toBe(true);
    expect(roots.length).toBeGreaterThanOrEqual(ref.slack.messages.filter((m) => m.threadTs === undefined).length);
    // At-least-once: a kill between Slack's answer and its record posts the message again; the resolve
    // edits the copy that was recorded, the latest one.
    expect(roots.at(-1)?.edits.length).toBeGreaterThanOrEqual(1);
    console.log(`crash test: ${kills} SIGKILLs, ${finishedEarly} runs finished before their kill, the kills reached minute ${(reached - FROM) / MIN} of 80; PagerDuty: ${pd.requests.length} events (reference ${ref.pd.requests.length}), ${pd.incidents.length} incidents (reference ${ref.pd.incidents.length}); Slack: ${roots.length} messages (reference ${ref.slack.messages.filter((m) => m.threadTs === undefined).length}), ${updates.length} updates`);
    expect(kills).toBeGreaterThanOrEqual(50);
  }, 600_000);
});
