import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './free-port.js';
import { lostPortRace, removeDir, spawnManaged, trackDir, waitForReady } from './process.js';

export { hasBinary } from './process.js';
export { toOpenMetrics } from './openmetrics.js';
export type { OpenMetricsSeries } from './openmetrics.js';

/**
 * Starts a real Prometheus (the `prometheus` binary on the PATH, e.g. Debian's 2.42) on 127.0.0.1 with a
 * temporary TSDB, optionally backfilled from OpenMetrics text with `promtool tsdb create-blocks-from
 * openmetrics`. Use `toOpenMetrics` to write that text. Always call `stop()` (in `afterAll`); processes left
 * running are killed when the test process exits.
 */

export interface StartPrometheusOptions {
  /** OpenMetrics text to backfill (see `toOpenMetrics`), or a function producing it. */
  readonly openMetrics?: string | (() => string);
  /**
   * A directory of TSDB blocks made beforehand (e.g. by `promtool tsdb create-blocks-from openmetrics` on an
   * input too large for a string), copied into the data directory before Prometheus starts.
   */
  readonly blocksFrom?: string;
  /**
   * promtool's `--max-block-duration` for the backfill (default 2h). promtool reads the whole input once per
   * block, so days of history backfill much faster in day-long blocks.
   */
  readonly backfillBlockDuration?: string;
  /** `scrape_configs` entries (default none: the TSDB then holds only the backfilled data). */
  readonly scrapeConfigs?: readonly Record<string, unknown>[];
  /** Rule file contents (YAML), written beside the config and listed in `rule_files`. */
  readonly ruleFiles?: readonly string[];
  /** `global` section (default `scrape_interval: 15s`, `evaluation_interval: 15s`). */
  readonly global?: Readonly<Record<string, unknown>>;
  /** Extra command-line flags, e.g. `--query.max-samples=1000`. */
  readonly extraFlags?: readonly string[];
  /** `--storage.tsdb.retention.time` (default 100y, so old backfilled blocks are kept). */
  readonly retention?: string;
  /** Adds `--enable-feature=promql-per-step-stats` (needed for `totalQueryableSamplesPerStep`). */
  readonly perStepStats?: boolean;
  /** How long to wait for `/-/ready` (default 30 s). */
  readonly readyTimeoutMs?: number;
  readonly binary?: string;
  readonly promtool?: string;
}

export interface RunningPrometheus {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Process id of Prometheus (e.g. to read its CPU time from /proc). */
  readonly pid: number | undefined;
  /** The TSDB directory. */
  readonly dataDir: string;
  /** Milliseconds from spawning to the first 200 from `/-/ready`. */
  readonly readyAfterMs: number;
  /** Milliseconds the backfill took (0 without `openMetrics`). */
  readonly backfillMs: number;
  /** Tail of Prometheus's log output. */
  output(): string;
  /** Stops Prometheus and deletes its temporary directory. Idempotent. */
  stop(): Promise<void>;
}

export async function startPrometheus(options: StartPrometheusOptions = {}): Promise<RunningPrometheus> {
  const root = await mkdtemp(join(tmpdir(), 'burnwatch-prometheus-'));
  trackDir(root);
  try {
    const dataDir = join(root, 'data');
    await mkdir(dataDir);
    if (options.blocksFrom !== undefined) await cp(options.blocksFrom, dataDir, { recursive: true });
    const backfillMs = options.openMetrics === undefined ? 0 : await backfill(root, dataDir, options);
    const configFile = await writeConfig(root, options);
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const args = [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${dataDir}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--storage.tsdb.retention.time=${options.retention ?? '100y'}`,
        ...(options.perStepStats === true ? ['--enable-feature=promql-per-step-stats'] : []),
        ...(options.extraFlags ?? []),
      ];
      const proc = spawnManaged(options.binary ?? 'prometheus', args, { cwd: root });
      const url = `http://127.0.0.1:${port}`;
      try {
        const readyAfterMs = await waitForReady(`${url}/-/ready`, proc, { name: 'prometheus', timeoutMs: options.readyTimeoutMs ?? 30_000 });
        let stopping: Promise<void> | undefined;
        return {
          url,
          port,
          pid: proc.pid,
          dataDir,
          readyAfterMs,
          backfillMs,
          output: () => proc.output(),
          stop: () => {
            stopping ??= proc.stop().then(() => removeDir(root));
            return stopping;
          },
        };
      } catch (err) {
        await proc.stop();
        if (attempt < 3 && lostPortRace(proc.output())) continue;
        throw err;
      }
    }
  } catch (err) {
    await removeDir(root);
    throw err;
  }
}

async function backfill(root: string, dataDir: string, options: StartPrometheusOptions): Promise<number> {
  const text = typeof options.openMetrics === 'function' ? options.openMetrics() : options.openMetrics ?? '';
  const input = join(root, 'backfill.om');
  await writeFile(input, text);
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    execFile(
      options.promtool ?? 'promtool',
      ['tsdb', 'create-blocks-from', 'openmetrics', ...(options.backfillBlockDuration === undefined ? [] : [`--max-block-duration=${options.backfillBlockDuration}`]), input, dataDir],
      { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (err, _stdout, stderr) => {
        if (err) reject(new Error(`promtool tsdb create-blocks-from openmetrics failed: ${err.message}\n${stderr}`));
        else resolve();
      },
    );
  });
  return Math.round(performance.now() - started);
}

async function writeConfig(root: string, options: StartPrometheusOptions): Promise<string> {
  const ruleFiles: string[] = [];
  for (const [i, rules] of (options.ruleFiles ?? []).entries()) {
    const file = join(root, `rules-${i}.yml`);
    await writeFile(file, rules);
    ruleFiles.push(file);
  }
  const config = {
    global: options.global ?? { scrape_interval: '15s', evaluation_interval: '15s' },
    ...(ruleFiles.length === 0 ? {} : { rule_files: ruleFiles }),
    ...(options.scrapeConfigs === undefined ? {} : { scrape_configs: options.scrapeConfigs }),
  };
  const file = join(root, 'prometheus.yml');
  await writeFile(file, stringify(config));
  return file;
}
