import { createWriteStream, existsSync, readdirSync, statSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { formatBurnRate } from '../src/notify/alert-text.js';
import { formatDuration } from '../src/slo/duration.js';
import type { Slo } from '../src/slo/model.js';
import { errorBudget } from '../src/slo/model.js';
import { loadSpecs } from '../src/formats/load.js';
import { isWarning } from '../src/formats/located.js';
import type { NotificationLine } from './narrate.js';
import { describeNotification, formatElapsed, parseLogLine, parseNotificationLine } from './narrate.js';
import type { Child } from './processes.js';
import { freePort, onPath, spawnChild } from './processes.js';
import { loadHistory, scrapeTargetLabels, startPrometheus } from './prometheus.js';
import type { DemoPrometheus } from './prometheus.js';
import { demoRouting } from './routing.js';
import type { RunningShop, ShopTraffic } from './shop.js';
import { renderHistory, startShop } from './shop.js';

/**
 * `npm run demo`: a demo shop with request counters and a scripted incident, a real Prometheus scraping it
 * (with a day of healthy history loaded first), and `burnwatch run` watching a one-day SLO with the console
 * receiver (plus Slack and PagerDuty when their environment variables are set). The demo prints what
 * happens, ends with exit code 0 once burnwatch has paged and resolved, and stops everything it started,
 * also on Ctrl-C. `--fast` shortens the healthy phase and the incident (for the test).
 */

const USAGE = `Usage: npm run demo [-- --fast] [-- --screenshots DIR]

Starts a demo shop, a real Prometheus and burnwatch, breaks the shop's checkout for a while and shows
burnwatch paging (with the runbook) and resolving. Takes about 3 minutes (--fast: about 1.5); Ctrl-C stops it.
Needs Prometheus: sudo apt-get install -y prometheus
Optional: SLACK_BOT_TOKEN and SLACK_CHANNEL, PAGERDUTY_ROUTING_KEY also send the notifications there.
--screenshots DIR  saves PNGs of the status page (overview and SLO page) during the incident and after the
                   resolve, taken with headless Chromium (/usr/bin/chromium).`;

const INSTALL_COMMAND = 'sudo apt-get install -y prometheus';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const SLO_DIR = 'demo/slos';
const SLO_FILE = 'demo/slos/checkout-availability.yaml';
const ROUTING_FILE = 'demo/routing.yaml';

const DAY_MS = 86_400_000;
/** History sample spacing (the live scrape interval in demo/prometheus.yml is 5 s). */
const HISTORY_STEP_MS = 15_000;
const INCIDENT_ROUTE = '/checkout';
const INCIDENT_ERROR_SHARE = 0.5;

interface Timing {
  /** From burnwatch's start to the incident. */
  readonly healthyMs: number;
  readonly incidentMs: number;
  /** A page must arrive this long after the demo started. */
  readonly pageWithinMs: number;
  /** The resolution must arrive this long after the incident ended. */
  readonly resolveWithinMs: number;
  /** How often the shop's traffic is reported. */
  readonly reportEveryMs: number;
}

const NORMAL: Timing = { healthyMs: 60_000, incidentMs: 100_000, pageWithinMs: 5 * 60_000, resolveWithinMs: 3 * 60_000, reportEveryMs: 20_000 };
/**
 * For the test: a short healthy phase (the day of history makes the SLO evaluable at once) and an incident
 * that still pages safely. The page tier needs more than 14.4 x 1 % errors in both windows: over 2 minutes
 * that is 35 s of 50 % errors, and the 30 s window stays above it until about 21 s after the end; 45 s of
 * incident leave both true together for about 30 s, three evaluations even when the data arrive late.
 */
const FAST: Timing = { healthyMs: 5_000, incidentMs: 45_000, pageWithinMs: 3 * 60_000, resolveWithinMs: 2 * 60_000, reportEveryMs: 10_000 };

function makeTraffic(nowMs: number): ShopTraffic {
  return {
    routes: [{ route: '/checkout', ratePerSecond: 20 }, { route: '/products', ratePerSecond: 40 }],
    baselineErrorShare: 0.001,
    // A day of history, up to the moment the shop starts serving its live counters.
    sinceMs: nowMs - DAY_MS,
  };
}

type Outcome = { readonly code: number; readonly message?: string };

class Demo {
  private readonly started = Date.now();
  private root = '';
  private shop: RunningShop | undefined;
  private prometheus: DemoPrometheus | undefined;
  private burnwatch: Child | undefined;
  private readonly logs: WriteStream[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private finishing = false;
  private settle: (outcome: Outcome) => void = () => undefined;
  private readonly outcome = new Promise<Outcome>((resolveOutcome) => {
    this.settle = resolveOutcome;
  });
  private incident: { startMs: number; endMs: number } | undefined;
  private pageAtMs: number | undefined;
  private resolvedAtMs: number | undefined;
  private resolution: NotificationLine | undefined;
  /** burnwatch's address, once it answers. */
  private api: string | undefined;

  constructor(private readonly slo: Slo, private readonly timing: Timing, private readonly fast: boolean, private readonly screenshots?: string) {}

  /** The SLO's status page over the last hour (the incident fills the charts). */
  private sloPage(): string {
    return `${this.api ?? ''}/slos/${encodeURIComponent(this.slo.id)}?range=1h`;
  }

  /** Saves PNGs of the status page (--screenshots): the overview and the SLO page, names prefixed with `stage`. */
  private async shoot(stage: string): Promise<void> {
    if (this.screenshots === undefined || this.api === undefined) return;
    try {
      const files = await saveScreenshots(this.screenshots, [[`status-overview-${stage}.png`, `${this.api}/`], [`status-slo-${stage}.png`, this.sloPage()]]);
      this.say(`screenshots   ${files.join(', ')}`);
    } catch (err) {
      this.say(`screenshots   not taken: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private say(text: string): void {
    process.stdout.write(`[${formatElapsed(Date.now() - this.started).padStart(5)}] ${text}\n`);
  }

  private more(text: string): void {
    process.stdout.write(`        ${text}\n`);
  }

  private at(ms: number): string {
    return formatElapsed(ms - this.started);
  }

  /** Ends the demo with `code` (the first call wins). */
  private finish(code: number, message?: string): void {
    if (this.finishing) return;
    this.finishing = true;
    this.settle(message === undefined ? { code } : { code, message });
  }

  private later(ms: number, fn: () => void): void {
    this.timers.push(setTimeout(fn, Math.max(0, ms)));
  }

  async run(): Promise<number> {
    const onSignal = (signal: NodeJS.Signals): void => this.finish(130, `stopped (${signal === 'SIGINT' ? 'Ctrl-C' : signal})`);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const startup = this.start().catch((err: unknown) => this.finish(1, err instanceof Error ? err.message : String(err)));
      const outcome = await this.outcome;
      await startup;
      await this.stop();
      if (outcome.code === 0) this.summary();
      else process.stderr.write(`\nburnwatch demo: ${outcome.message ?? 'failed'}\n`);
      if (this.root !== '') process.stdout.write(`\nLogs kept in ${this.root} (burnwatch.log: burnwatch's JSON log; prometheus.log).\n`);
      return outcome.code;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }

  private async start(): Promise<void> {
    process.stdout.write(`burnwatch demo: a demo shop, a real Prometheus and burnwatch on this machine${this.fast ? ' (fast mode)' : ''}. Ctrl-C stops it.\n\n`);
    this.root = await mkdtemp(join(tmpdir(), 'burnwatch-demo-'));
    const dataDir = join(this.root, 'prometheus-data');
    await mkdir(dataDir);

    const traffic = makeTraffic(Date.now());
    const shop = await startShop(traffic, () => Date.now());
    this.shop = shop;
    if (this.finishing) return;
    this.say(`demo shop     http://${shop.address}/metrics  (/checkout ~20 requests/s, /products ~40 requests/s)`);

    const historyEnd = Date.now();
    const took = await loadHistory(renderHistory(traffic, historyEnd, HISTORY_STEP_MS, await scrapeTargetLabels()), this.root, dataDir);
    if (this.finishing) return;
    this.say(`history       the shop's last 24 hours (healthy: 0.1 % errors) written into Prometheus's storage (${(took / 1000).toFixed(1)} s)`);

    const prometheusLog = this.openLog('prometheus.log');
    this.prometheus = await startPrometheus({ root: this.root, dataDir, shopAddress: shop.address, log: prometheusLog });
    this.watch(this.prometheus.child);
    if (this.finishing) return;
    this.say(`Prometheus    ${this.prometheus.url}  (scrapes the shop every 5 s)`);

    await this.startBurnwatch();
    if (this.finishing) return;
    this.scheduleIncident();
  }

  private openLog(name: string): WriteStream {
    const stream = createWriteStream(join(this.root, name), { flags: 'a' });
    this.logs.push(stream);
    return stream;
  }

  /** A child that stops while the demo runs ends the demo (Ctrl-C reaches the children too: give the signal handler a moment). */
  private watch(child: Child): void {
    void child.exited.then(({ code, signal }) => setTimeout(() => {
      this.finish(1, `${child.name} stopped unexpectedly (exit code ${String(code)}, signal ${String(signal)}). Its last output:\n${child.tail()}`);
    }, 500));
  }

  private async routingFile(): Promise<{ file: string; receivers: readonly string[] }> {
    const routing = demoRouting(await readFile(join(REPO_ROOT, ROUTING_FILE), 'utf8'), process.env);
    if (routing.note !== undefined) this.say(`note          ${routing.note}`);
    if (routing.text === undefined) return { file: ROUTING_FILE, receivers: routing.receivers };
    const file = join(this.root, 'routing.yaml');
    await writeFile(file, routing.text);
    return { file, receivers: routing.receivers };
  }

  private async startBurnwatch(): Promise<void> {
    const prometheus = this.prometheus;
    if (!prometheus) return;
    const cli = chooseCli(REPO_ROOT);
    const routing = await this.routingFile();
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {};
    // The demo's settings only: a BURNWATCH_* of the caller (a config file, another database) must not leak in.
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BURNWATCH_') || k === 'BURNWATCH_RUNBOOK_BASE_URL') env[k] = v;
    Object.assign(env, {
      BURNWATCH_SLOS: SLO_DIR,
      BURNWATCH_PROMETHEUS_URL: prometheus.url,
      BURNWATCH_DB: join(this.root, 'burnwatch.db'),
      BURNWATCH_INTERVAL: '10s',
      BURNWATCH_HOST: '127.0.0.1',
      BURNWATCH_PORT: String(port),
      BURNWATCH_ROUTING_FILE: routing.file,
      BURNWATCH_LOG_LEVEL: 'info',
      // Notifications link to the SLO's status page.
      BURNWATCH_EXTERNAL_URL: `http://127.0.0.1:${port}`,
    });
    const log = this.openLog('burnwatch.log');
    const shown = new Set<string>();
    let started: () => void = () => undefined;
    const up = new Promise<void>((resolveUp) => {
      started = resolveUp;
    });
    const child = spawnChild('burnwatch', cli.command, cli.args, {
      cwd: REPO_ROOT,
      env,
      log,
      onStdoutLine: (line) => this.onOutput(line),
      onStderrLine: (line) => {
        const entry = parseLogLine(line);
        if (entry === undefined) {
          process.stderr.write(`burnwatch: ${line}\n`);
          return;
        }
        if (entry.msg === 'burnwatch started') started();
        if (entry.level !== 'warn' && entry.level !== 'error' && entry.level !== 'fatal') return;
        // Each kind of problem once (a receiver that cannot be reached fails on every retry); the rest is in the log.
        const kind = `${entry.level} ${entry.msg} ${entry.receiver ?? ''}`;
        if (shown.has(kind)) return;
        shown.add(kind);
        this.say(`burnwatch ${entry.level.padEnd(7)} ${entry.msg}${entry.fields === '' ? '' : ` (${entry.fields})`}${entry.error === undefined ? '' : `: ${entry.error}`}`);
        this.more('(repeats of this one go to the log only)');
      },
    });
    this.burnwatch = child;
    this.watch(child);
    await Promise.race([up, child.exited, new Promise((r) => setTimeout(r, 60_000))]);
    if (this.finishing) return;
    if (child.hasExited()) return; // watch() reports it
    this.say(`burnwatch     running ${cli.description}`);
    const pages = this.slo.alerting.tiers.filter((t) => t.severity === 'page').map((t) => `${formatBurnRate(t.factor)} over ${formatDuration(t.longMs)} and ${formatDuration(t.shortMs)}`);
    const period = this.slo.period.kind === 'rolling' ? formatDuration(this.slo.period.durationMs) : this.slo.period.unit;
    this.more(`SLO ${SLO_FILE}: ${this.slo.objective} % of /checkout requests succeed over ${period}; pages at a burn rate above ${pages.join(', or ')}`);
    this.more(`evaluates every 10 s; receivers: ${routing.receivers.join(', ')}; log: ${join(this.root, 'burnwatch.log')}`);
    const api = `http://127.0.0.1:${port}`;
    if (await answers(`${api}/healthz`)) {
      this.api = api;
      this.more(`status: ${api}/api/v1/slos   metrics: ${api}/metrics`);
      this.say(`status page   ${api}/  (open it: budgets, burn rates and alerts, live)`);
      this.more(`the SLO's page: ${this.sloPage()}`);
    } else {
      this.more(`(this build serves no HTTP API yet: ${api}/api/v1/slos does not answer)`);
    }
  }

  private scheduleIncident(): void {
    const shop = this.shop;
    if (!shop) return;
    const startMs = Date.now() + this.timing.healthyMs;
    const endMs = startMs + this.timing.incidentMs;
    shop.scheduleIncident({ route: INCIDENT_ROUTE, startMs, durationMs: this.timing.incidentMs, errorShare: INCIDENT_ERROR_SHARE });
    this.incident = { startMs, endMs };
    this.say(`timeline      healthy until ${this.at(startMs)}; then half of the /checkout requests fail until ${this.at(endMs)}`);
    this.more('expect a page about a minute after the incident starts and its resolution soon after it ends');
    this.later(startMs - Date.now(), () => this.say(`INCIDENT      the shop fails ${INCIDENT_ERROR_SHARE * 100} % of /checkout requests: ${formatBurnRate(INCIDENT_ERROR_SHARE / errorBudget(this.slo.objective))} the error rate the SLO allows`));
    this.later(endMs - Date.now(), () => {
      this.say('RECOVERED     the shop answers /checkout normally again');
      if (this.pageAtMs !== undefined) this.more('waiting for burnwatch to resolve the page');
    });
    this.later(this.started + this.timing.pageWithinMs - Date.now(), () => {
      if (this.pageAtMs === undefined) this.finish(1, `no page arrived within ${formatElapsed(this.timing.pageWithinMs)} minutes. Look at the log (${join(this.root, 'burnwatch.log')}) for errors; does Prometheus (${this.prometheus?.url ?? '?'}) show demo_http_requests_total?`);
    });
    this.later(endMs + this.timing.resolveWithinMs - Date.now(), () => {
      if (this.resolvedAtMs === undefined) this.finish(1, `the page was not resolved within ${formatElapsed(this.timing.resolveWithinMs)} minutes of the incident's end. Look at the log (${join(this.root, 'burnwatch.log')}).`);
    });
    // A few seconds off the phase boundaries, so that no report falls on the very moment the incident starts or ends.
    this.reportTraffic(Date.now(), this.timing.reportEveryMs - 3_000);
  }

  /** Every few seconds: what the shop served since the last report. */
  private reportTraffic(fromMs: number, inMs: number): void {
    this.later(inMs, () => {
      const shop = this.shop;
      if (!shop || this.finishing) return;
      const now = Date.now();
      const a = shop.countsAt(INCIDENT_ROUTE, fromMs);
      const b = shop.countsAt(INCIDENT_ROUTE, now);
      const requests = b.ok + b.errors - a.ok - a.errors;
      const errors = b.errors - a.errors;
      const share = requests > 0 ? (100 * errors) / requests : 0;
      this.say(`shop          /checkout: ${Math.round(requests / ((now - fromMs) / 1000))} requests/s, ${share.toFixed(1)} % errors in the last ${Math.round((now - fromMs) / 1000)} s`);
      this.reportTraffic(now, this.timing.reportEveryMs);
    });
  }

  private onOutput(line: string): void {
    const n = parseNotificationLine(line);
    if (n === undefined) {
      this.say(`burnwatch     ${line}`);
      return;
    }
    const now = Date.now();
    const [first = '', ...rest] = describeNotification(n, { openable: openableRunbook });
    this.say(first);
    for (const r of rest) this.more(r);
    if (n.severity !== 'page' || n.kind !== 'burn') return;
    if (n.status === 'firing' && this.pageAtMs === undefined) {
      this.pageAtMs = now;
      if (this.incident === undefined || now < this.incident.startMs) this.more('(a page before the incident began: unexpected)');
      this.more(`watch it on the status page: ${this.sloPage()}`);
      this.later(20_000, () => void this.shoot('incident'));
    } else if (n.status === 'resolved' && this.pageAtMs !== undefined && this.resolvedAtMs === undefined) {
      this.resolvedAtMs = now;
      this.resolution = n;
      // The resolve reaches the timeline at the page's next refresh (every evaluation interval).
      if (this.screenshots === undefined) this.finish(0);
      else this.later(12_000, () => void this.shoot('resolved').finally(() => this.finish(0)));
    }
  }

  private summary(): void {
    const incident = this.incident;
    if (!incident || this.pageAtMs === undefined || this.resolvedAtMs === undefined) return;
    const s = (ms: number): string => `${Math.round(ms / 1000)} s`;
    const r = this.resolution;
    const spent = r?.resolution ? `; ${(r.resolution.budgetSpent * 100).toFixed(1)} % of the day's error budget went while it fired, ${(r.budget.remaining * 100).toFixed(1)} % is left` : '';
    const events: [number, string][] = [
      [incident.startMs, 'the incident began (half of /checkout failing)'],
      [this.pageAtMs, `burnwatch paged, ${s(this.pageAtMs - incident.startMs)} after it began`],
      [incident.endMs, 'the incident ended'],
      [this.resolvedAtMs, `burnwatch resolved the page, ${s(this.resolvedAtMs - incident.endMs)} after it ended${spent}`],
    ];
    process.stdout.write('\nWhat happened\n');
    for (const [at, what] of events.sort((a, b) => a[0] - b[0])) process.stdout.write(`  ${this.at(at).padStart(5)}  ${what}\n`);
    process.stdout.write(`\nNext: read ${SLO_FILE} (the SLO and its tiers) and demo/runbooks/checkout-availability.md, then point\nburnwatch at your own Prometheus: BURNWATCH_PROMETHEUS_URL=http://your-prometheus:9090 npx burnwatch run\n`);
  }

  /** Stops everything (burnwatch first, so it sends nothing half-way), then removes all but the logs. */
  private async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    await this.burnwatch?.stop();
    await this.prometheus?.child.stop();
    await this.shop?.close();
    await Promise.all(this.logs.map((l) => new Promise<void>((r) => l.end(r))));
    if (this.root === '') return;
    for (const entry of readdirSync(this.root)) {
      if (!entry.endsWith('.log')) await rm(join(this.root, entry), { recursive: true, force: true });
    }
  }
}

/** A file:// URL for a runbook path relative to the repository, when the file is there. */
function openableRunbook(path: string): string | undefined {
  const file = resolve(REPO_ROOT, path);
  return existsSync(file) ? pathToFileURL(file).href : undefined;
}

/** PNGs of pages in headless Chromium (playwright-core, a dev dependency: the demo runs from the repository). */
async function saveScreenshots(dir: string, pages: readonly (readonly [string, string])[]): Promise<string[]> {
  const { chromium } = await import('playwright-core');
  await mkdir(dir, { recursive: true });
  const profile = await mkdtemp(join(tmpdir(), 'burnwatch-demo-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 1500 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const files: string[] = [];
  try {
    for (const [name, url] of pages) {
      const page = await context.newPage();
      await page.goto(url);
      await page.waitForFunction(() => (globalThis as unknown as { document: { getElementById(id: string): { textContent: string | null } | null } }).document.getElementById('updated')?.textContent?.startsWith('Updated') === true);
      await page.waitForTimeout(500);
      const file = join(dir, name);
      await page.screenshot({ path: file, fullPage: name.startsWith('status-overview') });
      files.push(file);
      await page.close();
    }
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
  return files;
}

async function answers(url: string): Promise<boolean> {
  for (let i = 0; i < 10; i++) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return true;
    } catch {
      // not (yet) listening
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/**
 * How to start burnwatch: the compiled CLI when dist/ is at least as new as every source file (after
 * `npm ci` or `npm run build`), because it starts faster and is what users run; otherwise the sources
 * through tsx, so that a change not yet built is what the demo shows.
 */
function chooseCli(root: string): { command: string; args: string[]; description: string } {
  const dist = join(root, 'dist', 'cli.js');
  let reason = 'dist/ is missing; npm run build makes it';
  if (existsSync(dist) && existsSync(join(root, 'bin', 'burnwatch.js'))) {
    const newest = newestSource(join(root, 'src'));
    if (newest.mtimeMs <= statSync(dist).mtimeMs) return { command: process.execPath, args: ['bin/burnwatch.js', 'run'], description: 'from the build in dist/ (node bin/burnwatch.js run)' };
    reason = `dist/ is older than ${relative(root, newest.file)}`;
  }
  return { command: process.execPath, args: ['--import', 'tsx', 'src/cli.ts', 'run'], description: `from the sources with tsx (${reason})` };
}

function newestSource(dir: string): { file: string; mtimeMs: number } {
  let newest = { file: dir, mtimeMs: 0 };
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.spec.ts')) continue;
    const file = join(entry.parentPath, entry.name);
    const { mtimeMs } = statSync(file);
    if (mtimeMs > newest.mtimeMs) newest = { file, mtimeMs };
  }
  return newest;
}

async function main(argv: readonly string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({ args: [...argv], options: { fast: { type: 'boolean' }, screenshots: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (err) {
    process.stderr.write(`burnwatch demo: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const missing = ['prometheus', 'promtool'].filter((b) => !onPath(b));
  if (missing.length > 0) {
    process.stderr.write(`The demo needs Prometheus (${missing.join(' and ')} not found on the PATH). Install it with:\n\n  ${INSTALL_COMMAND}\n\n`);
    return 1;
  }
  const loaded = loadSpecs([join(REPO_ROOT, SLO_FILE)], { cwd: REPO_ROOT });
  const slo = loaded.slos[0];
  const errors = loaded.errors.filter((e) => !isWarning(e));
  if (errors.length > 0 || slo === undefined) {
    for (const e of errors) process.stderr.write(`${e.file}:${e.line}:${e.col}: ${e.path === '' ? '' : `${e.path}: `}${e.message}${e.hint === undefined ? '' : `\n  ${e.hint}`}\n`);
    process.stderr.write(`burnwatch demo: ${SLO_FILE} does not load (above); burnwatch validate ${SLO_DIR} says the same\n`);
    return 1;
  }
  return new Demo(slo, values.fast === true ? FAST : NORMAL, values.fast === true, values.screenshots === undefined ? undefined : resolve(values.screenshots)).run();
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Everything is stopped by now; should a stray handle (a keep-alive socket) hold the process, end it anyway.
setTimeout(() => process.exit(code), 2000).unref();
