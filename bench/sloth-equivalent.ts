import type { MetricsSource } from '../src/metrics/source.js';
import type { Indicator } from '../src/slo/model.js';
import { errorRatioQuery } from '../src/slo/queries.js';
import { processCpuSeconds } from './process-cpu.js';

/**
 * What Prometheus does every rule evaluation for Sloth-generated SLOs: one SLI recording rule per SLO and
 * window, `slo:sli_error:ratio_rate<w>` = errors rate over total rate over w. The benchmark evaluates the same
 * expressions (`errorRatioQuery`) through the HTTP API at one instant with `stats=all` and adds up the samples
 * Prometheus touched, and reads Prometheus's CPU time around each window's batch.
 */

export interface BatchCost {
  readonly label: string;
  readonly queries: number;
  /** Sum of `totalQueryableSamples` over the queries. */
  readonly samples: number;
  /** Prometheus CPU seconds (utime + stime from /proc) while the batch ran. */
  readonly promCpuSeconds: number;
  readonly wallMs: number;
}

/** Runs `exprs` as instant queries at `atMs`, `concurrency` at a time, with stats. */
export async function runBatch(label: string, exprs: readonly string[], atMs: number, deps: { source: MetricsSource; promPid: number; concurrency: number }): Promise<BatchCost> {
  let samples = 0;
  let next = 0;
  const cpu0 = processCpuSeconds(deps.promPid);
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      const expr = exprs[i];
      if (expr === undefined) return;
      const r = await deps.source.instantQuery(expr, new Date(atMs), { stats: true });
      if (r.stats?.totalQueryableSamples === undefined) throw new Error(`Prometheus returned no totalQueryableSamples for ${expr.slice(0, 120)}: it needs version 2.35 or later`);
      samples += r.stats.totalQueryableSamples;
    }
  };
  await Promise.all(Array.from({ length: deps.concurrency }, worker));
  const wallMs = performance.now() - t0;
  return { label, queries: exprs.length, samples, promCpuSeconds: processCpuSeconds(deps.promPid) - cpu0, wallMs };
}

/** Sloth's SLI recording-rule expression of each indicator for one window. */
export function sliExpressions(indicators: readonly Indicator[], window: string): string[] {
  return indicators.map((indicator) => errorRatioQuery(indicator, [], window));
}
