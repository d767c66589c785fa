import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import type { OpenMetricsSeries } from './openmetrics.js';
import { formatValue, renderLabels } from './openmetrics.js';
import { lostPortRace, removeDir, spawnManaged, trackDir, waitForReady } from './process.js';

/**
 * Starts a real single-node VictoriaMetrics (Debian's `victoria-metrics`, 1.79) on 127.0.0.1 with a temporary
 * storage folder, and loads history through `/api/v1/import/prometheus` (the text exposition format with
 * timestamps in MILLISECONDS, unlike promtool's OpenMetrics backfill in seconds), then `/internal/force_flush`
 * so that queries see it at once. Always call `stop()`.
 *
 * Flags that matter for tests on imported history: `-search.latencyOffset=0s` (by default the newest 30 s are
 * hidden from queries), `-search.disableCache` (the rollup cache would keep answers from before an import),
 * `-retentionPeriod=100y` (older samples would be dropped at import).
 */

export interface StartVictoriaMetricsOptions {
  readonly series?: readonly OpenMetricsSeries[];
  readonly extraFlags?: readonly string[];
  readonly readyTimeoutMs?: number;
  readonly binary?: string;
}

export interface RunningVictoriaMetrics {
  /** `http://127.0.0.1:<port>`: the Prometheus query API is under `/api/v1/`. */
  readonly url: string;
  readonly port: number;
  readonly pid: number | undefined;
  /** Milliseconds the import (and flush) took. */
  readonly importMs: number;
  /** Imports more series (then flushes). */
  importSeries(series: readonly OpenMetricsSeries[]): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

export async function startVictoriaMetrics(options: StartVictoriaMetricsOptions = {}): Promise<RunningVictoriaMetrics> {
  const root = await mkdtemp(join(tmpdir(), 'burnwatch-victoria-'));
  trackDir(root);
  try {
    const dataDir = join(root, 'data');
    await mkdir(dataDir);
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const args = [
        `-storageDataPath=${dataDir}`,
        `-httpListenAddr=127.0.0.1:${port}`,
        '-retentionPeriod=100y',
        '-search.latencyOffset=0s',
        '-search.disableCache',
        '-loggerLevel=WARN',
        ...(options.extraFlags ?? []),
      ];
      const proc = spawnManaged(options.binary ?? 'victoria-metrics', args, { cwd: root });
      const url = `http://127.0.0.1:${port}`;
      try {
        await waitForReady(`${url}/health`, proc, { name: 'victoria-metrics', timeoutMs: options.readyTimeoutMs ?? 30_000 });
      } catch (err) {
        await proc.stop();
        if (attempt < 3 && lostPortRace(proc.output())) continue;
        throw err;
      }
      const importSeries = (series: readonly OpenMetricsSeries[]): Promise<void> => importInto(url, series);
      const started = performance.now();
      try {
        if (options.series !== undefined) await importSeries(options.series);
      } catch (err) {
        await proc.stop();
        throw err;
      }
      const importMs = Math.round(performance.now() - started);
      let stopping: Promise<void> | undefined;
      return {
        url,
        port,
        pid: proc.pid,
        importMs,
        importSeries,
        output: () => proc.output(),
        stop: () => {
          stopping ??= proc.stop().then(() => removeDir(root));
          return stopping;
        },
      };
    }
  } catch (err) {
    await removeDir(root);
    throw err;
  }
}

/** Lines of the Prometheus text format with millisecond timestamps, posted in bodies of about 4 MB. */
async function importInto(url: string, series: readonly OpenMetricsSeries[]): Promise<void> {
  const post = async (body: string): Promise<void> => {
    const res = await fetch(`${url}/api/v1/import/prometheus`, { method: 'POST', body });
    const text = await res.text();
    if (res.status !== 204 && res.status !== 200) throw new Error(`VictoriaMetrics import answered ${res.status}: ${text.slice(0, 500)}`);
  };
  let chunk: string[] = [];
  let size = 0;
  for (const s of series) {
    const labels = renderLabels(s.labels ?? {});
    for (const [ts, value] of s.samples) {
      if (!Number.isSafeInteger(ts)) throw new Error(`${s.name}${labels}: timestamp ${ts} is not a whole number of milliseconds`);
      const line = `${s.name}${labels} ${formatValue(value)} ${ts}`;
      chunk.push(line);
      size += line.length + 1;
      if (size > 4_000_000) {
        await post(`${chunk.join('\n')}\n`);
        chunk = [];
        size = 0;
      }
    }
  }
  if (chunk.length > 0) await post(`${chunk.join('\n')}\n`);
  const flush = await fetch(`${url}/internal/force_flush`);
  await flush.arrayBuffer();
  if (flush.status !== 200) throw new Error(`VictoriaMetrics /internal/force_flush answered ${flush.status}`);
}
