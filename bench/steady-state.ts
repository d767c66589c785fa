import { createPrometheusSource } from '../src/metrics/prometheus/client.js';
import { openDb } from '../src/store/db.js';
import type { LedgerSize } from './ledger-size.js';
import { measureLedger } from './ledger-size.js';
import { CollectingLogger, CountingSource, createBenchEngine, SLOT_MS } from './harness.js';
import { ownCpuSeconds, processCpuSeconds } from './process-cpu.js';
import { sloSet } from './synthetic.js';

/**
 * The steady state of a burnwatch process with many SLOs, run in a process of its own so its RSS is its own:
 * opens a ledger that is already current up to `startMs` (made by bench/run.ts), loads `count` SLOs, and runs
 * `warmup + cycles` cycles (ingest + evaluateAt) at 60 s slots after `startMs`, back to back. Prints one JSON
 * line (SteadyStateResult) on stdout.
 *
 * argv[2]: JSON SteadyStateInput.
 */

export interface SteadyStateInput {
  readonly url: string;
  readonly dbPath: string;
  readonly promPid: number;
  readonly startMs: number;
  readonly count: number;
  readonly warmup: number;
  readonly cycles: number;
}

export interface CycleMeasure {
  readonly atMs: number;
  /** `totalQueryableSamples` of the cycle's Prometheus queries. */
  readonly samples: number;
  /** This process's CPU seconds (user + system) for ingest + evaluateAt. */
  readonly cpuSeconds: number;
  readonly wallMs: number;
  readonly evaluated: number;
  readonly failed: number;
  readonly queries: number;
}

export interface SteadyStateResult {
  readonly count: number;
  readonly setSlos: { readonly added: number; readonly rebuilt: number; readonly cpuSeconds: number };
  readonly warmup: readonly CycleMeasure[];
  readonly cycles: readonly CycleMeasure[];
  /** Prometheus CPU seconds over the measured cycles (not the warm-up), from /proc. */
  readonly promCpuSeconds: number;
  /** RSS after the cycles, and the peak RSS up to then (setSlos and the cycles, before the rollup). */
  readonly rssBytes: number;
  readonly maxRssBytes: number;
  readonly heapUsedBytes: number;
  /** Heap in use after a full collection at the end (needs --expose-gc). */
  readonly liveHeapBytes?: number;
  readonly nodeFlags: readonly string[];
  /** The hourly thinning at this size; `maxRssBytes` is the process's peak RSS once it is done. */
  readonly rollup: { readonly cpuSeconds: number; readonly wallMs: number; readonly maxRssBytes: number };
  readonly timeline: readonly MemoryPoint[];
  readonly ledger: LedgerSize;
  readonly problems: readonly string[];
  readonly problemCount: number;
}

export interface MemoryPoint {
  readonly after: string;
  readonly rssBytes: number;
  readonly maxRssBytes: number;
  readonly heapUsedBytes: number;
}

function memoryPoint(after: string): MemoryPoint {
  const m = process.memoryUsage();
  return { after, rssBytes: m.rss, maxRssBytes: process.resourceUsage().maxRSS * 1024, heapUsedBytes: m.heapUsed };
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '{}') as SteadyStateInput;
  const counting = new CountingSource(createPrometheusSource({ url: input.url, timeoutMs: 120_000 }));
  const timeline: MemoryPoint[] = [memoryPoint('start')];
  const db = openDb(input.dbPath);
  timeline.push(memoryPoint('openDb'));
  const logger = new CollectingLogger();
  const engine = createBenchEngine(counting, db, logger);
  const slos = sloSet(input.count);
  const c0 = ownCpuSeconds();
  const changes = await engine.setSlos(slos, input.startMs);
  const setSlosCpu = ownCpuSeconds() - c0;
  timeline.push(memoryPoint('setSlos'));

  const runCycle = async (atMs: number): Promise<CycleMeasure> => {
    counting.reset();
    const cpu0 = ownCpuSeconds();
    const t0 = performance.now();
    await engine.ingest(atMs);
    const report = await engine.evaluateAt(atMs);
    const wallMs = performance.now() - t0;
    const calls = counting.calls;
    return {
      atMs,
      samples: report.stats.totalQueryableSamples ?? 0,
      cpuSeconds: ownCpuSeconds() - cpu0,
      wallMs,
      evaluated: report.evaluated,
      failed: report.failed,
      queries: calls.instantQuery + calls.rangeQuery + calls.rawSamples,
    };
  };

  const warmup: CycleMeasure[] = [];
  const cycles: CycleMeasure[] = [];
  let at = input.startMs;
  for (let i = 0; i < input.warmup; i++) {
    warmup.push(await runCycle((at += SLOT_MS)));
    timeline.push(memoryPoint(`warm-up cycle ${i + 1}`));
  }
  const prom0 = processCpuSeconds(input.promPid);
  for (let i = 0; i < input.cycles; i++) {
    cycles.push(await runCycle((at += SLOT_MS)));
    timeline.push(memoryPoint(`cycle ${i + 1}`));
  }
  const promCpuSeconds = processCpuSeconds(input.promPid) - prom0;
  const memory = process.memoryUsage();
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;

  const r0 = ownCpuSeconds();
  const rt0 = performance.now();
  await engine.rollup(at);
  const rollup = { cpuSeconds: ownCpuSeconds() - r0, wallMs: performance.now() - rt0, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
  timeline.push(memoryPoint('rollup'));
  // What is live, as opposed to garbage V8 has not collected yet (only with --expose-gc).
  const gc = (globalThis as { gc?: () => void }).gc;
  let liveHeapBytes: number | undefined;
  if (gc) {
    gc();
    liveHeapBytes = process.memoryUsage().heapUsed;
  }
  const ledger = measureLedger(db, input.dbPath);
  db.close();

  const result: SteadyStateResult = {
    count: slos.length,
    setSlos: { added: changes.added.length, rebuilt: changes.rebuilt.length, cpuSeconds: setSlosCpu },
    warmup,
    cycles,
    promCpuSeconds,
    rssBytes: memory.rss,
    maxRssBytes,
    heapUsedBytes: memory.heapUsed,
    ...(liveHeapBytes === undefined ? {} : { liveHeapBytes }),
    nodeFlags: process.execArgv,
    rollup,
    timeline,
    ledger,
    problems: logger.problems,
    problemCount: logger.count,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
