/**
 * `npm run bench`: burnwatch against a real Prometheus holding 31 days of synthetic services, at 1,000 and
 * 10,000 SLOs, side by side with the Sloth-equivalent recording-rule expressions. Prints a table and writes
 * bench/results/latest.json. Not a test: it measures, and marks each figure against its target.
 *
 * Phases: (1) write 31 days of counters as OpenMetrics (streamed to a temporary file) and make TSDB blocks
 * with promtool; start Prometheus on them. (2) 1,000 new SLOs: the first `ingest` backfills 30 days (d).
 * (3) 10 cycles at 60 s slots with `stats` on: samples touched and Prometheus CPU (a, b). (4) the Sloth SLI
 * expressions of the same SLOs at the same instant, window by window (a, b). (5) rollup, VACUUM: ledger size
 * (e). (6) the ledgers are copied to the 9,000 objective/period variants and a separate, compiled process runs
 * 10,000 SLOs: CPU per cycle and RSS (c), once with V8's default heap sizing and once with the old generation
 * capped. (f) first, on its own: page latency from the evaluation that decides a page to its receipt by the
 * Slack and PagerDuty emulators (bench/notify-latency.ts). See bench/README.md.
 *
 * Flags: --cache  keep the generated TSDB in the temp folder and reuse it on the next run (the data is
 *                 deterministic; the cache key is a hash of bench/synthetic.ts).
 *         --out <file>  where to write the JSON (default bench/results/latest.json).
 *         --only notify  run (f) alone (about 4 minutes; no Prometheus, no TSDB); the JSON goes to
 *                 bench/results/notify-latency.json unless --out says otherwise.
 *         --backfill-only  stop after (d) and the 1,000-SLO cycles: the backfill's time and budget error only
 *                 (the JSON is written only with --out).
 *         --only status-page  only the status page's figures (bench/status-page.ts; no Prometheus needed),
 *                 written to bench/results/status-page.json unless --out says otherwise.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rename } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPrometheusSource } from '../src/metrics/prometheus/client.js';
import { DAY, HOUR, MINUTE, formatDuration } from '../src/slo/duration.js';
import { horizonMs } from '../src/engine/engine.js';
import { openDb } from '../src/store/db.js';
import { startPrometheus } from '../test/support/prometheus.js';
import type { RunningPrometheus } from '../test/support/prometheus.js';
import type { BudgetErrors } from './budget-error.js';
import { budgetErrors } from './budget-error.js';
import { measureLedger, steadyStateRows } from './ledger-size.js';
import { BACKFILL_MS, CollectingLogger, CountingSource, createBenchEngine, MB, SLOT_MS } from './harness.js';
import { ownCpuSeconds, processCpuSeconds } from './process-cpu.js';
import { measureNotifyLatency } from './notify-latency.js';
import type { NotifyLatencyResult } from './notify-latency.js';
import { copyLedgers } from './seed-variants.js';
import { statusPageBench } from './status-page.js';
import type { StatusPageFigure } from './status-page.js';
import type { BatchCost } from './sloth-equivalent.js';
import { runBatch, sliExpressions } from './sloth-equivalent.js';
import type { CycleMeasure, SteadyStateInput, SteadyStateResult } from './steady-state.js';
import { benchSlo, routes, ROUTES, SCRAPE_MS, SERVICES, sloSet, slothPeriodWindowExpr, VARIANTS, writeOpenMetrics } from './synthetic.js';
import { sqliteOf } from '../test/support/sqlite-engine.js';
import { pgScaleBench } from './pg-scale.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..');

// ---- the timeline --------------------------------------------------------------------------------------
// promtool cuts blocks on multiples of the block duration since the epoch; the data is placed inside one
// 1458 h range so that one pass over the input makes one block (see `makeTsdb`).
const BLOCK_MS = 1458 * HOUR;
const BLOCK_START = Math.ceil(Date.UTC(2026, 0, 1) / BLOCK_MS) * BLOCK_MS;
const DATA_START = BLOCK_START + DAY;
/** The first start of burnwatch: 31 days of history behind it. */
const T0 = DATA_START + 31 * DAY;
const DATA_END = T0 + HOUR;

const CYCLES_1K = 10;
const WARMUP_10K = 2;
const CYCLES_10K = 10;
const SLOTH_CONCURRENCY = 4;
/** A second run of the 10,000-SLO process with V8's old generation capped (see the (c) rows). */
const HEAP_CAP_FLAG = '--max-old-space-size=256';
const SLOTH_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d', '28d', '30d'];
const TARGETS = {
  sampleRatio: 1 / 1000,
  cpuShareOfCore: 0.1,
  rssBytes: 300 * MB,
  backfillMs: 5 * MINUTE,
  pageLatencyP99Ms: 1000,
};

/** One figure of the table (the status page's section has the same shape). */
type Figure = StatusPageFigure;

function parseArgs(argv: readonly string[]): { cache: boolean; out: string | undefined; backfillOnly: boolean; only?: 'notify' | 'status-page' | 'pg-scale'; slos: number; replicas: number } {
  let cache = false;
  let backfillOnly = false;
  let out: string | undefined;
  let only: 'notify' | 'status-page' | 'pg-scale' | undefined;
  let slos = 10_000;
  let replicas = 1;
  const count = (flag: string, text: string | undefined): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} takes a whole number of at least 1, not ${String(text)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--cache') cache = true;
    else if (a === '--backfill-only') backfillOnly = true;
    else if (a === '--out') out = resolve(argv[++i] ?? '');
    else if (a === '--only' && (argv[i + 1] === 'notify' || argv[i + 1] === 'status-page' || argv[i + 1] === 'pg-scale')) only = argv[++i] as 'notify' | 'status-page' | 'pg-scale';
    else if (a === '--slos') slos = count(a, argv[++i]);
    else if (a === '--replicas') replicas = count(a, argv[++i]);
    else throw new Error(`unknown argument ${String(a)}: use --cache, --backfill-only, --only notify|status-page|pg-scale, --slos N, --replicas R or --out <file>`);
  }
  return { cache, backfillOnly, out, slos, replicas, ...(only === undefined ? {} : { only }) };
}

function log(msg: string): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
}

function execFileAsync(cmd: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * MB }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolvePromise(stdout);
    });
  });
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    total += entry.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return total;
}

interface DataInfo {
  readonly services: number;
  readonly routesPerService: number;
  readonly series: number;
  readonly scrapeIntervalSeconds: number;
  readonly from: string;
  readonly to: string;
  readonly samples: number;
  readonly openMetricsBytes: number;
  readonly generateMs: number;
  readonly promtoolMs: number;
  readonly tsdbBytes: number;
  readonly reusedFromCache: boolean;
}

/**
 * Writes the OpenMetrics input (streamed to a temporary file: it is ~3.7 GB) and turns it into TSDB blocks with
 * promtool. `--max-block-duration=1458h` makes promtool cut one block for the whole 31 days and read the input
 * once (with the default 2 h it re-reads the input for every 2-hour block).
 */
async function makeTsdb(cache: boolean): Promise<{ dir: string; info: DataInfo; temporary: boolean }> {
  const key = createHash('sha256').update(readFileSync(join(here, 'synthetic.ts'))).update(String(DATA_START)).digest('hex').slice(0, 12);
  const cacheDir = join(os.tmpdir(), `burnwatch-bench-tsdb-${key}`);
  const infoFile = join(cacheDir, 'bench-data.json');
  if (cache && existsSync(infoFile)) {
    const info = JSON.parse(readFileSync(infoFile, 'utf8')) as DataInfo;
    log(`reusing the TSDB in ${cacheDir}`);
    return { dir: join(cacheDir, 'blocks'), info: { ...info, reusedFromCache: true }, temporary: false };
  }
  const work = await mkdtemp(join(os.tmpdir(), 'burnwatch-bench-data-'));
  const input = join(work, 'input.om');
  const blocks = join(work, 'blocks');
  mkdirSync(blocks);
  log('writing 31 days of OpenMetrics text (2,000 series, one sample every 2 minutes)');
  let t = performance.now();
  const written = await writeOpenMetrics(input, { startMs: DATA_START, endMs: DATA_END, t0Ms: T0 });
  const generateMs = performance.now() - t;
  log(`wrote ${(written.bytes / MB).toFixed(0)} MB (${written.samples} samples) in ${(generateMs / 1000).toFixed(1)} s; running promtool`);
  t = performance.now();
  await execFileAsync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=1458h', input, blocks], 20 * MINUTE);
  const promtoolMs = performance.now() - t;
  rmSync(input);
  const info: DataInfo = {
    services: SERVICES,
    routesPerService: ROUTES,
    series: written.series,
    scrapeIntervalSeconds: SCRAPE_MS / 1000,
    from: new Date(DATA_START).toISOString(),
    to: new Date(DATA_END).toISOString(),
    samples: written.samples,
    openMetricsBytes: written.bytes,
    generateMs,
    promtoolMs,
    tsdbBytes: dirBytes(blocks),
    reusedFromCache: false,
  };
  log(`promtool made ${readdirSync(blocks).length} block(s), ${(info.tsdbBytes / MB).toFixed(0)} MB, in ${(promtoolMs / 1000).toFixed(1)} s`);
  if (!cache) return { dir: blocks, info, temporary: true };
  rmSync(cacheDir, { recursive: true, force: true });
  await rename(work, cacheDir);
  writeFileSync(infoFile, JSON.stringify(info));
  return { dir: join(cacheDir, 'blocks'), info, temporary: false };
}

/** Prometheus CPU seconds per second while idle (no scrapes, no queries), to judge the other readings. */
async function idleCpuRate(pid: number, ms: number): Promise<number> {
  const c0 = processCpuSeconds(pid);
  await new Promise((r) => setTimeout(r, ms));
  return (processCpuSeconds(pid) - c0) / (ms / 1000);
}

/**
 * Compiles bench/steady-state.ts (and what it imports) to JavaScript in `dir`, so the measured process runs
 * compiled code as `bin/burnwatch.js` does; tsx's loader thread would add tens of MB to its RSS.
 */
async function compileSteadyState(dir: string): Promise<string> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  await execFileAsync(process.execPath, [tsc, '-p', join(here, 'tsconfig.child.json'), '--outDir', dir], 5 * MINUTE);
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return join(dir, 'bench', 'steady-state.js');
}

function runSteadyState(script: string, nodeFlags: readonly string[], input: SteadyStateInput): Promise<SteadyStateResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, script, JSON.stringify(input)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || line === '') reject(new Error(`bench/steady-state.ts exited with code ${String(code)}; output: ${out.slice(0, 2000)}`));
      else resolvePromise(JSON.parse(line) as SteadyStateResult);
    });
  });
}

const mean = (xs: readonly number[]): number => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmtSci = (n: number): string => (n === 0 ? '0' : n >= 0.01 ? n.toFixed(3) : n.toExponential(2));

const fmtMs = (ms: number): string => `${Math.round(ms)} ms`;

/** The (f) rows: p50/p99 per destination from the start of the deciding evaluation, against the 1 s target. */
function notifyFigures(r: NotifyLatencyResult): Figure[] {
  const storms = Object.entries(r.byPagesInCycle).map(([pages, g]) => `${pages}: ${fmtMs(g.slack.maxMs)}/${fmtMs(g.pagerduty.maxMs)}`).join(', ');
  return (['slack', 'pagerduty'] as const).map((d) => {
    const s = r.fromEvaluationStart[d];
    const e = r.fromEvaluationEnd[d];
    const name = d === 'slack' ? 'Slack' : 'PagerDuty';
    const st = r.stages[d];
    const stages = `stages p50 / p99: evaluation ${fmtMs(st.evaluate.p50Ms)} / ${fmtMs(st.evaluate.p99Ms)}, in the outbox ${fmtMs(st.inOutbox.p50Ms)} / ${fmtMs(st.inOutbox.p99Ms)}, send ${fmtMs(st.send.p50Ms)} / ${fmtMs(st.send.p99Ms)}; slowest page ${fmtMs(st.slowest.totalMs)} = ${fmtMs(st.slowest.evaluateMs)} + ${fmtMs(st.slowest.inOutboxMs)} + ${fmtMs(st.slowest.sendMs)} (${st.slowest.pagesInCycle} pages in its cycle; burnwatch on CPU ${fmtMs(st.slowest.evaluateCpuMs)} of the evaluation's ${fmtMs(st.slowest.evaluateMs)}, ${fmtMs(st.slowest.deliveryCpuMs)} of the delivery's ${fmtMs(st.slowest.deliveryWallMs)})`;
    return {
      id: `f.${d}`,
      figure: `(f) page latency, evaluation start -> ${name} emulator, p50 / p99`,
      value: s.p99Ms,
      unit: 'ms',
      text: `${fmtMs(s.p50Ms)} / ${fmtMs(s.p99Ms)}`,
      target: 'p99 <= 1 s',
      pass: s.count >= 100 && s.p99Ms <= TARGETS.pageLatencyP99Ms,
      note: d === 'slack'
        ? `${s.count} pages of ${r.slos.toLocaleString('en-US')} SLOs; from evaluateAt's return p50 ${fmtMs(e.p50Ms)}, p99 ${fmtMs(e.p99Ms)}; evaluateAt p50 ${fmtMs(r.evaluateMs.p50)}, max ${fmtMs(r.evaluateMs.max)}; ${stages}; slowest Slack/PagerDuty by pages decided in the cycle: ${storms}`
        : `${s.count} pages; from evaluateAt's return p50 ${fmtMs(e.p50Ms)}, p99 ${fmtMs(e.p99Ms)}; ${stages}; resolves (Slack / PagerDuty) p99 ${fmtMs(r.resolves.slack.p99Ms)} / ${fmtMs(r.resolves.pagerduty.p99Ms)}; burnwatch CPU ${r.deliveryCpuMsPerRequest.toFixed(1)} ms per request sent (${r.requests} requests); outbox at the end: ${r.deliveryProblems.pending} pending, ${r.deliveryProblems.dead} dead; failed sends: ${Object.entries(r.deliveryProblems.failedSends).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`,
    };
  });
}

function machineInfo(loadAtStart: number[], prometheus?: string): object {
  return { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryBytes: os.totalmem(), node: process.version, platform: `${os.platform()} ${os.release()}`, ...(prometheus === undefined ? {} : { prometheus }), loadAverage: { atStart: loadAtStart, atEnd: os.loadavg() } };
}

/** The SQLite figures of the scale scenario (c) in the last full run's results, as text (undefined: none). */
function readPreviousSqliteFigures(): string | undefined {
  try {
    const previous = JSON.parse(readFileSync(join(here, 'results', 'latest.json'), 'utf8')) as { figures?: { id: string; text: string; note?: string }[] };
    const cpu = previous.figures?.find((f) => f.id === 'c.cpu.10000');
    const rss = previous.figures?.find((f) => f.id === 'c.rss.10000');
    return cpu === undefined ? undefined : `10,000 SLOs ${cpu.text} CPU per cycle (${cpu.note ?? ''}), peak RSS ${rss?.text ?? '?'}`;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.only === 'pg-scale') {
    const loadAtStart = os.loadavg();
    // 10,000 SLOs on 2 cores take minutes per cycle: 2 measured cycles there, 4 below.
    const result = await pgScaleBench({ slos: args.slos, replicas: args.replicas, cycles: args.slos >= 5_000 ? 2 : 4, intervalSeconds: 30 }, log);
    const sqlite = readPreviousSqliteFigures();
    log(`pg-scale: one read of /metrics cost the replica ${result.scrapeCpuSeconds.toFixed(2)} s CPU`);
    for (const r of result.replicas) log(`pg-scale ${r.id}: ${r.cpuSecondsPerCycle.toFixed(3)} s CPU per cycle, cycle ${r.cycleSeconds.toFixed(3)} s, RSS ${(r.rssBytes / 2 ** 20).toFixed(0)} MB`);
    const p = result.postgres;
    log(`pg-scale PostgreSQL per cycle: ${p.cpuSecondsPerCycle.toFixed(3)} s CPU, ${p.commitsPerCycle.toFixed(0)} commits, rows ${p.rowsInsertedPerCycle.toFixed(0)} inserted / ${p.rowsUpdatedPerCycle.toFixed(0)} updated / ${p.rowsDeletedPerCycle.toFixed(0)} deleted, WAL ${(p.walBytesPerCycle / 1024).toFixed(0)} KiB; database ${(p.databaseBytes / 2 ** 20).toFixed(1)} MB`);
    if (sqlite !== undefined) log(`SQLite, scale scenario (c) of the last full run: ${sqlite}`);
    const pgOut = args.out ?? join(here, 'results', 'pg-scale.json');
    mkdirSync(dirname(pgOut), { recursive: true });
    writeFileSync(pgOut, `${JSON.stringify({ generatedAt: new Date().toISOString(), machine: { cpus: os.cpus().length, node: process.version, loadAtStart }, result, sqliteScale: sqlite ?? null }, null, 2)}\n`);
    log(`wrote ${relative(process.cwd(), pgOut)}`);
    return;
  }
  if (args.only === 'status-page') {
    const ui = await statusPageBench(log);
    printTable(ui.figures);
    const uiOut = args.out ?? join(here, 'results', 'status-page.json');
    mkdirSync(dirname(uiOut), { recursive: true });
    writeFileSync(uiOut, `${JSON.stringify({ generatedAt: new Date().toISOString(), machine: { cpus: os.cpus().length, node: process.version }, figures: ui.figures, details: ui.details }, null, 2)}\n`);
    log(`wrote ${relative(process.cwd(), uiOut)}`);
    return;
  }
  const started = performance.now();
  // Other work on the machine stretches wall times (CPU-time figures are less affected): recorded with the results.
  const loadAtStart = os.loadavg();

  // ---- (f) page latency, on its own (no Prometheus running yet) ---------------------------------------------
  const notifyLatency = args.backfillOnly ? undefined : await measureNotifyLatency(log);
  const fFigures = notifyLatency ? notifyFigures(notifyLatency) : [];
  if (notifyLatency) log(`page latency: ${fFigures.map((f) => `${f.id} ${f.text}`).join('; ')} (${Math.round(notifyLatency.wallMs / 1000)} s)`);
  if (args.only === 'notify' && notifyLatency) {
    printTable(fFigures);
    const notifyOut = args.out ?? join(here, 'results', 'notify-latency.json');
    mkdirSync(dirname(notifyOut), { recursive: true });
    writeFileSync(notifyOut, `${JSON.stringify({ generatedAt: new Date().toISOString(), durationSeconds: Math.round((performance.now() - started) / 1000), machine: machineInfo(loadAtStart), figures: fFigures, details: { notifyLatency } }, null, 2)}\n`);
    log(`wrote ${relative(process.cwd(), notifyOut)}`);
    if (notifyLatency.deliveryProblems.pending > 0 || notifyLatency.deliveryProblems.dead > 0) process.exitCode = 1;
    return;
  }

  const data = await makeTsdb(args.cache);
  let prom: RunningPrometheus | undefined;
  const work = await mkdtemp(join(os.tmpdir(), 'burnwatch-bench-'));
  try {
    prom = await startPrometheus({ blocksFrom: data.dir, readyTimeoutMs: 120_000 });
    if (data.temporary) rmSync(dirname(data.dir), { recursive: true, force: true });
    const promPid = prom.pid;
    if (promPid === undefined) throw new Error('Prometheus started without a process id');
    const source = createPrometheusSource({ url: prom.url, timeoutMs: 120_000 });
    const version = (await source.buildInfo()).version;
    log(`Prometheus ${version} ready at ${prom.url} after ${prom.readyAfterMs} ms`);
    const idleRate = await idleCpuRate(promPid, 5000);

    // ---- (d) backfill: 1,000 new SLOs, 30 days each -------------------------------------------------------
    const dbPath = join(work, 'ledger.db');
    const db = openDb(dbPath);
    const counting = new CountingSource(source);
    const logger = new CollectingLogger();
    const engine = createBenchEngine(counting, db, logger);
    const slos1k = sloSet(1000);
    await engine.setSlos(slos1k, T0);
    log('backfilling 1,000 SLOs x 30 days (first ingest)');
    const bp0 = processCpuSeconds(promPid);
    const bc0 = ownCpuSeconds();
    let t = performance.now();
    await engine.ingest(T0);
    const backfillReport = await engine.evaluateAt(T0);
    const backfill = {
      wallMs: performance.now() - t,
      burnwatchCpuSeconds: ownCpuSeconds() - bc0,
      promCpuSeconds: processCpuSeconds(promPid) - bp0,
      calls: { ...counting.calls },
      evaluated: backfillReport.evaluated,
      failed: backfillReport.failed,
      problems: [...logger.problems],
      ledgerRows: sqliteOf(engine).ledger.rowCount(),
    };
    log(`backfill: ${(backfill.wallMs / 1000).toFixed(1)} s, ${backfill.evaluated} evaluated, ${backfill.failed} failed`);
    const ledgerAfterBackfill = measureLedger(db, dbPath);
    const scenario = { startMs: DATA_START, endMs: DATA_END, t0Ms: T0 };
    const budgetAfterBackfill = await budgetErrors(engine, source, slos1k, T0, scenario);
    log(`budget after the backfill: ${budgetText(budgetAfterBackfill)}`);

    // ---- (a)(b) burnwatch cycles at 1,000 SLOs -------------------------------------------------------------
    const cycles1k: CycleMeasure[] = [];
    const cp0 = processCpuSeconds(promPid);
    let at = T0;
    for (let i = 0; i < CYCLES_1K; i++) {
      at += SLOT_MS;
      counting.reset();
      const c0 = ownCpuSeconds();
      const w0 = performance.now();
      await engine.ingest(at);
      const report = await engine.evaluateAt(at);
      const calls = counting.calls;
      cycles1k.push({
        atMs: at,
        samples: report.stats.totalQueryableSamples ?? 0,
        cpuSeconds: ownCpuSeconds() - c0,
        wallMs: performance.now() - w0,
        evaluated: report.evaluated,
        failed: report.failed,
        queries: calls.instantQuery + calls.rangeQuery + calls.rawSamples,
      });
    }
    const promCpu1k = processCpuSeconds(promPid) - cp0;
    const t1 = at;
    log(`1,000-SLO cycles: ${fmtInt(mean(cycles1k.map((c) => c.samples)))} samples, ${mean(cycles1k.map((c) => c.cpuSeconds)).toFixed(3)} s CPU per cycle`);
    // 10 minutes later the period's start falls between two hourly rows of the ledger (interpolated).
    const budgetAfterCycles = await budgetErrors(engine, source, slos1k, t1, scenario);
    log(`budget after ${CYCLES_1K} cycles: ${budgetText(budgetAfterCycles)}`);
    const backfillFigures = (): Figure[] => [
      { id: 'd.backfill', figure: '(d) backfill 30 days x 1,000 SLOs (first ingest)', value: backfill.wallMs, unit: 'ms', text: `${(backfill.wallMs / 1000).toFixed(1)} s`, target: '<= 5 min', pass: backfill.wallMs <= TARGETS.backfillMs && backfill.failed === 0, note: `Prometheus CPU ${backfill.promCpuSeconds.toFixed(1)} s, burnwatch CPU ${backfill.burnwatchCpuSeconds.toFixed(1)} s; ${backfill.calls.rangeQuery} range, ${backfill.calls.instantQuery} instant and ${backfill.calls.rawSamples} raw-sample calls; ${fmtInt(ledgerAfterBackfill.rows)} ledger rows written` },
      budgetFigure('d.budget', '(d) budget error of the backfill vs Prometheus increase() over 30 d', budgetAfterBackfill, true),
      budgetFigure('d.budget.live', `(d) same after ${CYCLES_1K} live cycles (period start between hourly rows)`, budgetAfterCycles, false),
    ];
    if (args.backfillOnly) {
      printTable(backfillFigures());
      if (args.out !== undefined) {
        mkdirSync(dirname(args.out), { recursive: true });
        writeFileSync(args.out, `${JSON.stringify({ generatedAt: new Date().toISOString(), figures: backfillFigures(), details: { backfill, budgetAfterBackfill, budgetAfterCycles } }, null, 2)}\n`);
      }
      return;
    }

    // ---- (a)(b) the Sloth-equivalent at the same instant ---------------------------------------------------
    log('evaluating the Sloth SLI expressions of the 1,000 selectors');
    const indicators = routes().map((r) => benchSlo(r, 0).indicator);
    const deps = { source, promPid, concurrency: SLOTH_CONCURRENCY };
    const overhead = await runBatch('API overhead: vector(1)', indicators.map(() => 'vector(1)'), t1, deps);
    const sloth: BatchCost[] = [];
    for (const w of SLOTH_WINDOWS) sloth.push(await runBatch(w, sliExpressions(indicators, w), t1, deps));
    const recorded: BatchCost[] = [];
    for (const p of ['30d', '28d']) recorded.push(await runBatch(`recorded mean ${p}`, Array.from({ length: 20 }, () => slothPeriodWindowExpr(p)), t1, deps));
    for (const b of [overhead, ...sloth, ...recorded]) log(`  ${b.label.padEnd(24)} ${fmtInt(b.samples).padStart(14)} samples  ${b.promCpuSeconds.toFixed(2)} s CPU  ${(b.wallMs / 1000).toFixed(1)} s`);

    // ---- (e) rollup, then the ledger size --------------------------------------------------------------------
    let r0 = ownCpuSeconds();
    t = performance.now();
    await engine.rollup(t1);
    const rollup1k = { cpuSeconds: ownCpuSeconds() - r0, wallMs: performance.now() - t };
    const ledgerAfterRollup = measureLedger(db, dbPath);
    r0 = performance.now();
    db.exec('VACUUM');
    const vacuumMs = performance.now() - r0;
    const ledgerAfterVacuum = measureLedger(db, dbPath);

    // ---- (c) 10,000 SLOs in a process of their own ---------------------------------------------------------
    log('copying the ledgers of the 1,000 SLOs to their 9,000 objective/period variants');
    t = performance.now();
    const pairs = routes().flatMap((r) => VARIANTS.slice(1).map((_, i) => ({ from: benchSlo(r, 0).id, to: benchSlo(r, i + 1).id })));
    const copied = copyLedgers(db, pairs);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    log(`copied ${fmtInt(copied.rows)} rows in ${((performance.now() - t) / 1000).toFixed(1)} s; compiling the 10,000-SLO process`);
    const script = await compileSteadyState(join(work, 'compiled'));
    const cappedDbPath = join(work, 'ledger-capped.db');
    copyFileSync(dbPath, cappedDbPath);
    const steadyInput = { url: prom.url, promPid, startMs: t1, count: 10_000, warmup: WARMUP_10K, cycles: CYCLES_10K };
    log('running 10,000 SLOs (default V8 heap settings)');
    const steady = await runSteadyState(script, ['--expose-gc'], { ...steadyInput, dbPath });
    log(`running 10,000 SLOs again with ${HEAP_CAP_FLAG}`);
    const steadyCapped = await runSteadyState(script, ['--expose-gc', HEAP_CAP_FLAG], { ...steadyInput, dbPath: cappedDbPath });

    // ---- figures -------------------------------------------------------------------------------------------
    const byWindow = new Map(sloth.map((x) => [x.label, x]));
    const batch = (label: string): BatchCost => {
      const found = byWindow.get(label);
      if (!found) throw new Error(`no batch for window ${label}`);
      return found;
    };
    const shortWindows = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'];
    const samplesOf = (labels: readonly string[]): number => labels.reduce((acc, l) => acc + batch(l).samples, 0);
    // Prometheus CPU of a batch less the HTTP API cost of as many trivial queries (rules run in-process).
    const perQueryOverhead = overhead.promCpuSeconds / overhead.queries;
    const grossCpuOf = (labels: readonly string[]): number => labels.reduce((acc, l) => acc + batch(l).promCpuSeconds, 0);
    const netCpuOf = (labels: readonly string[]): number => labels.reduce((acc, l) => acc + Math.max(0, batch(l).promCpuSeconds - perQueryOverhead * batch(l).queries), 0);
    const recordedPerSlo = (i: number): number => (recorded[i]?.samples ?? 0) / (recorded[i]?.queries ?? 1);
    const recordedNetCpuPerSlo = (i: number): number => Math.max(0, (recorded[i]?.promCpuSeconds ?? 0) / (recorded[i]?.queries ?? 1) - perQueryOverhead);

    // 1,000 SLOs: measured on the 1,000 selectors. Sloth default = 7 windows over raw counters + the period
    // window as the mean of the recorded 5m ratio (measured on one SLO, x 1,000).
    const sloth1k = {
      all: samplesOf([...shortWindows, '30d']),
      short: samplesOf(shortWindows),
      default: samplesOf(shortWindows) + 1000 * recordedPerSlo(0),
      grossCpu: grossCpuOf([...shortWindows, '30d']),
      netCpu: netCpuOf([...shortWindows, '30d']),
      defaultNetCpu: netCpuOf(shortWindows) + 1000 * recordedNetCpuPerSlo(0),
    };
    // 10,000 SLOs = the 1,000 selectors x (5 variants at 30 d + 5 at 28 d): SCALED from the per-window batches.
    const sloth10k = {
      all: 10 * samplesOf(shortWindows) + 5 * samplesOf(['30d']) + 5 * samplesOf(['28d']),
      short: 10 * samplesOf(shortWindows),
      default: 10 * samplesOf(shortWindows) + 5000 * (recordedPerSlo(0) + recordedPerSlo(1)),
      grossCpu: 10 * grossCpuOf(shortWindows) + 5 * grossCpuOf(['30d']) + 5 * grossCpuOf(['28d']),
      netCpu: 10 * netCpuOf(shortWindows) + 5 * netCpuOf(['30d']) + 5 * netCpuOf(['28d']),
      defaultNetCpu: 10 * netCpuOf(shortWindows) + 5000 * (recordedNetCpuPerSlo(0) + recordedNetCpuPerSlo(1)),
    };

    const bw1k = mean(cycles1k.map((c) => c.samples));
    const bw10k = mean(steady.cycles.map((c) => c.samples));
    const promBw1k = promCpu1k / CYCLES_1K;
    const promBw10k = steady.promCpuSeconds / CYCLES_10K;
    const cpu10k = mean(steady.cycles.map((c) => c.cpuSeconds));
    const cpu10kCapped = mean(steadyCapped.cycles.map((c) => c.cpuSeconds));
    const cpu1k = mean(cycles1k.map((c) => c.cpuSeconds));
    const instances10k = steady.ledger.instances;
    const firstRoute = routes()[0];
    if (!firstRoute) throw new Error('no routes');
    const retention30 = horizonMs(benchSlo(firstRoute, 0)) + DAY;
    const theory = steadyStateRows(SLOT_MS, retention30);
    const theoryBacked = steadyStateRows(SLOT_MS, BACKFILL_MS);
    const ratio = (bw: number, sl: number): { value: number; text: string; pass: boolean } => ({ value: bw / sl, text: `${fmtSci(bw / sl)} (1/${fmtInt(sl / bw)})`, pass: bw / sl <= TARGETS.sampleRatio });
    const mbText = (n: number): string => `${(n / MB).toFixed(0)} MB`;
    const liveText = (r: SteadyStateResult): string => (r.liveHeapBytes === undefined ? '' : `, live heap ${mbText(r.liveHeapBytes)}`);

    const figures: Figure[] = [];
    const add = (f: Figure): void => {
      figures.push(f);
    };
    for (const [n, bw, sl, scaled] of [[1000, bw1k, sloth1k, false], [10_000, bw10k, sloth10k, true]] as const) {
      const label = n === 1000 ? '1,000' : '10,000';
      const tag = scaled ? ' [Sloth SCALED from the 1,000 selectors]' : '';
      add({ id: `a.burnwatch.${n}`, figure: `(a) Prometheus samples per cycle, burnwatch, ${label} SLOs`, value: bw, unit: 'samples', text: fmtInt(bw), note: `mean of ${n === 1000 ? CYCLES_1K : CYCLES_10K} cycles, ${(bw / 2000).toFixed(2)} per series: every sample the 2,000 series got in the minute (one per 2-min scrape), read once` });
      add({ id: `a.sloth.${n}`, figure: `(a) Prometheus samples per evaluation, Sloth-equivalent, ${label} SLOs${tag}`, value: sl.all, unit: 'samples', text: fmtInt(sl.all), note: `SLI rules 5m..3d + period window over raw counters; without the period window ${fmtInt(sl.short)}; Sloth default (period = mean of recorded 5m ratio, measured on 1 SLO) ${fmtInt(sl.default)}` });
      const r = ratio(bw, sl.all);
      add({ id: `a.ratio.${n}`, figure: `(a) ratio burnwatch / Sloth-equivalent, ${label} SLOs`, value: r.value, unit: 'ratio', text: r.text, target: '<= 1/1000', pass: r.pass });
      const rs = ratio(bw, sl.short);
      add({ id: `a.ratio.${n}.noPeriod`, figure: '    same, Sloth without the period window', value: rs.value, unit: 'ratio', text: rs.text, target: '<= 1/1000', pass: rs.pass });
      const rd = ratio(bw, sl.default);
      add({ id: `a.ratio.${n}.slothDefault`, figure: '    same, Sloth default period window', value: rd.value, unit: 'ratio', text: rd.text, target: '<= 1/1000', pass: rd.pass });
    }
    add({ id: 'b.burnwatch.1000', figure: '(b) Prometheus CPU s/min, burnwatch, 1,000 SLOs', value: promBw1k, unit: 's/min', text: promBw1k.toFixed(3), note: `/proc/<pid>/stat utime+stime over ${CYCLES_1K} cycles (one cycle per minute at 60 s); idle Prometheus ${(idleRate * 60).toFixed(3)} s/min` });
    add({ id: 'b.sloth.1000', figure: '(b) Prometheus CPU s/min, Sloth-equivalent, 1,000 SLOs', value: sloth1k.netCpu, unit: 's/min', text: `${sloth1k.netCpu.toFixed(2)} net (${sloth1k.grossCpu.toFixed(2)} via HTTP)`, note: `8,000 instant queries, one rule evaluation per minute; net = less ${(perQueryOverhead * 1000).toFixed(2)} ms HTTP API cost per query (vector(1) x 1,000); Sloth default period window: ${sloth1k.defaultNetCpu.toFixed(2)} s/min net` });
    add({ id: 'b.burnwatch.10000', figure: '(b) Prometheus CPU s/min, burnwatch, 10,000 SLOs', value: promBw10k, unit: 's/min', text: promBw10k.toFixed(3), note: `over ${CYCLES_10K} cycles` });
    add({ id: 'b.sloth.10000', figure: '(b) Prometheus CPU s/min, Sloth-equivalent, 10,000 SLOs [SCALED]', value: sloth10k.netCpu, unit: 's/min', text: `${sloth10k.netCpu.toFixed(1)} net (${sloth10k.grossCpu.toFixed(1)} via HTTP)`, note: `${((sloth10k.netCpu / 60) * 100).toFixed(0)} % of one core net; Sloth default period window: ${sloth10k.defaultNetCpu.toFixed(1)} s/min net` });
    add({ id: 'c.cpu.10000', figure: '(c) burnwatch CPU per cycle, 10,000 SLOs', value: cpu10k, unit: 's', text: `${cpu10k.toFixed(2)} s = ${((cpu10k / 60) * 100).toFixed(1)} % of a core`, target: '<= 6 s (10 %)', pass: cpu10k / (SLOT_MS / 1000) <= TARGETS.cpuShareOfCore, note: `mean of ${CYCLES_10K} cycles after ${WARMUP_10K} warm-up; 1,000 SLOs: ${cpu1k.toFixed(2)} s` });
    add({ id: 'c.rss.10000', figure: '(c) burnwatch peak RSS, 10,000 SLOs, default V8 heap', value: steady.maxRssBytes, unit: 'bytes', text: mbText(steady.maxRssBytes), target: '<= 300 MB', pass: steady.maxRssBytes <= TARGETS.rssBytes, note: `RSS ${mbText(steady.rssBytes)} after ${WARMUP_10K + CYCLES_10K} cycles${liveText(steady)}; peak = the V8 heap growing with uncollected garbage` });
    add({ id: 'c.cpu.10000.capped', figure: `(c) burnwatch CPU per cycle, 10,000 SLOs, ${HEAP_CAP_FLAG}`, value: cpu10kCapped, unit: 's', text: `${cpu10kCapped.toFixed(2)} s = ${((cpu10kCapped / 60) * 100).toFixed(1)} % of a core`, target: '<= 6 s (10 %)', pass: cpu10kCapped / (SLOT_MS / 1000) <= TARGETS.cpuShareOfCore });
    add({ id: 'c.rss.10000.capped', figure: `(c) burnwatch peak RSS, 10,000 SLOs, ${HEAP_CAP_FLAG}`, value: steadyCapped.maxRssBytes, unit: 'bytes', text: mbText(steadyCapped.maxRssBytes), target: '<= 300 MB', pass: steadyCapped.maxRssBytes <= TARGETS.rssBytes, note: `RSS ${mbText(steadyCapped.rssBytes)} after the cycles${liveText(steadyCapped)}` });
    for (const f of backfillFigures()) add(f);
    add({ id: 'e.backfill', figure: '(e) ledger bytes per SLO after the backfill', value: ledgerAfterBackfill.usedBytesPerInstance, unit: 'bytes', text: `${fmtInt(ledgerAfterBackfill.usedBytesPerInstance)} B`, note: `${fmtInt(ledgerAfterBackfill.rowsPerInstance)} rows/SLO (hourly rows beyond 73 h, 5-min rows to 7 h, 7 h of 60 s rows), ${ledgerAfterBackfill.bytesPerRow.toFixed(1)} B/row` });
    add({ id: 'e.rollup', figure: '(e) ledger bytes per SLO after rollup + VACUUM', value: ledgerAfterVacuum.fileBytes / ledgerAfterVacuum.instances, unit: 'bytes', text: `${fmtInt(ledgerAfterVacuum.fileBytes / ledgerAfterVacuum.instances)} B`, note: `${fmtInt(ledgerAfterVacuum.rowsPerInstance)} rows/SLO, ${ledgerAfterVacuum.bytesPerRow.toFixed(1)} B/row; without VACUUM the file stays at ${fmtInt(ledgerAfterRollup.fileBytes / ledgerAfterRollup.instances)} B/SLO (${fmtInt(ledgerAfterRollup.usedBytesPerInstance)} B in use)` });
    add({ id: 'e.10000', figure: '(e) ledger bytes per SLO, 10,000 SLOs, after rollup', value: steady.ledger.usedBytes / instances10k, unit: 'bytes', text: `${fmtInt(steady.ledger.usedBytes / instances10k)} B`, note: `${mbText(steady.ledger.usedBytes)} in all, ${fmtInt(steady.ledger.rowsPerInstance)} rows/SLO` });
    add({ id: 'e.theory', figure: '(e) steady-state rows per SLO (30 d, 60 s slots)', value: theory.total, unit: 'rows', text: `${fmtInt(theory.total)} = ${fmtInt(theory.total * ledgerAfterVacuum.bytesPerRow)} B`, note: `${theory.fine} every-slot (7 h) + ${theory.medium} 5-min (to 73 h) + ${theory.coarse} hourly + 1 base, retention ${formatDuration(retention30)} (period + 3d window + 1d); x ${ledgerAfterVacuum.bytesPerRow.toFixed(1)} B/row` });
    for (const f of fFigures) add(f);

    const ui = await statusPageBench(log);
    for (const f of ui.figures) add(f);

    const result = {
      generatedAt: new Date().toISOString(),
      durationSeconds: Math.round((performance.now() - started) / 1000),
      machine: machineInfo(loadAtStart, version),
      data: data.info,
      timeline: { t0: new Date(T0).toISOString(), cycles1kEnd: new Date(t1).toISOString(), slotSeconds: SLOT_MS / 1000, backfillDays: BACKFILL_MS / DAY },
      sloSets: {
        '1000': '1,000 SLOs, one per (service, route): errors http_requests_total{service,route,code="500"} / total http_requests_total{service,route}; 99.9 %, 30 d. 1,000 selector pairs over 2,000 series.',
        '10000': 'the same 1,000 selector pairs x 10 objective/period variants (99, 99.5, 99.9, 99.95, 99.99 % x 28 d, 30 d): still 2,000 series. burnwatch reads each series once per cycle for all SLOs (one raw-sample request per metric, each selector picked out locally); Sloth records every window of every SLO.',
      },
      figures,
      details: {
        promIdleCpuSecondsPerSecond: idleRate,
        backfill,
        budgetAfterBackfill,
        budgetAfterCycles,
        cycles1k,
        promCpu1kSeconds: promCpu1k,
        sloth: { windows: sloth, recordedPeriodWindow: recorded, apiOverhead: overhead, concurrency: SLOTH_CONCURRENCY, atMs: t1 },
        rollup1k,
        ledger: { afterBackfill: ledgerAfterBackfill, afterRollup: ledgerAfterRollup, afterVacuum: ledgerAfterVacuum, vacuumMs, steadyStateRows: theory, rowsFor30DaysBackfilled: theoryBacked },
        copiedForVariants: copied,
        steady10k: steady,
        steady10kCapped: steadyCapped,
        slothTotals: { '1000': sloth1k, '10000': sloth10k, perQueryOverheadSeconds: perQueryOverhead },
        notifyLatency,
        statusPage: ui.details,
      },
    };
    printTable(figures);
    const out = args.out ?? join(here, 'results', 'latest.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    log(`wrote ${relative(process.cwd(), out)}; ${result.durationSeconds} s in all`);
    if (backfill.failed > 0 || [...steady.cycles, ...steadyCapped.cycles].some((c) => c.failed > 0) || (notifyLatency?.deliveryProblems.dead ?? 0) > 0) process.exitCode = 1;
  } finally {
    await prom?.stop();
    rmSync(work, { recursive: true, force: true });
    if (data.temporary) rmSync(dirname(data.dir), { recursive: true, force: true });
  }
}

function budgetText(b: BudgetErrors): string {
  return `vs Prometheus increase() max ${b.maxVsPrometheus.toFixed(4)} points (${b.worstVsPrometheus}), mean ${b.meanVsPrometheus.toFixed(5)}; vs the hand count max ${b.maxVsHandCount.toExponential(1)}`;
}

/**
 * Budget errors: within 0.1 point of Prometheus's increase() (it extrapolates at the window's edges), and 0
 * against the hand count when the period starts on a kept ledger row (`exact`); between two hourly rows the
 * ledger interpolates the period's start.
 */
function budgetFigure(id: string, figure: string, b: BudgetErrors, exact: boolean): Figure {
  return {
    id,
    figure,
    value: b.maxVsPrometheus,
    unit: 'points',
    text: `max ${b.maxVsPrometheus.toFixed(4)} points, mean ${b.meanVsPrometheus.toFixed(5)}`,
    target: exact ? '0 (vs the hand count); <= 0.1 vs increase()' : '<= 0.1 vs increase()',
    pass: (!exact || b.maxVsHandCount <= 1e-6) && b.maxVsPrometheus <= 0.1,
    note: `${b.slos} SLOs at ${new Date(b.atMs).toISOString()}; largest vs increase(): ${b.worstVsPrometheus}; vs the hand count (counter values at the window's ends) max ${b.maxVsHandCount.toExponential(1)} points, mean ${b.meanVsHandCount.toExponential(1)}`,
  };
}

function printTable(figures: readonly Figure[]): void {
  const rows = figures.map((f) => [f.figure, f.text, f.target ?? '', f.pass === undefined ? '' : f.pass ? 'pass' : 'FAIL']);
  const head = ['figure', 'value', 'target', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(line(r));
  console.log('');
  for (const f of figures) if (f.note !== undefined) console.log(`  ${f.id}: ${f.note}`);
}

await main();
