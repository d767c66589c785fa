import { MIN_EVALUATION_INTERVAL } from '../config/schema.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { Engine } from '../engine/engine.js';
import type { SloStatus } from '../engine/engine.js';
import type { StepRecord } from '../engine/replay.js';
import { replay } from '../engine/replay.js';
import { isWarning } from '../formats/located.js';
import { loadSpecs } from '../formats/load.js';
import type { Slo } from '../slo/model.js';
import { openDb } from '../store/db.js';
import { durationFlag, formatError, PROMETHEUS_OPTIONS, prometheusFromFlags, stderrLogger } from './common.js';
import type { PrometheusFlags } from './common.js';
import type { CliIo } from './io.js';
import { UsageError } from './io.js';

/** Options of the commands that replay SLOs through the daemon's engine (evaluate, backtest). */
export const REPLAY_OPTIONS = {
  ...PROMETHEUS_OPTIONS,
  slos: { type: 'string', multiple: true },
  interval: { type: 'string', default: '30s' },
  'rate-window': { type: 'string', default: '2m' },
  'default-slo-period': { type: 'string' },
} as const;

export interface ReplayFlags extends PrometheusFlags {
  readonly slos?: string[] | undefined;
  readonly interval: string;
  readonly 'rate-window': string;
  readonly 'default-slo-period'?: string | undefined;
}

/** The SLOs of the command line, and how to replay them through a throw-away in-memory ledger. */
export interface Replayer {
  readonly slos: readonly Slo[];
  readonly run: (range: { fromMs: number; toMs: number; stepMs: number }, emit: (records: StepRecord[], statuses: SloStatus[]) => void) => Promise<void>;
}

/** The flags of the engine the SLOs are replayed through, checked: the evaluation slot, the rate window, and `loadSlos`. */
export interface CheckedEngineFlags {
  readonly slotMs: number;
  readonly rateWindowMs: number;
  /** Loads the SLO files; returns undefined (the problems printed) when they have errors. */
  readonly loadSlos: (io: CliIo) => Slo[] | undefined;
}

/** The replay flags, checked: the evaluation slot, and `load` to read the SLO files. */
export interface CheckedReplayFlags {
  readonly slotMs: number;
  /** Loads the SLO files; returns undefined (the problems printed) when they have errors. */
  readonly load: (io: CliIo) => Replayer | undefined;
}

/** The replay flags but the backend (`report --db` reads a database instead of querying Prometheus). */
export function engineFlags(values: Omit<ReplayFlags, keyof PrometheusFlags>): CheckedEngineFlags {
  const slotMs = intervalFlag(values.interval);
  const rateWindowMs = durationFlag(values['rate-window'], '--rate-window');
  const period = values['default-slo-period'];
  const defaultPeriodMs = period === undefined ? undefined : durationFlag(period, '--default-slo-period');
  return { slotMs, rateWindowMs, loadSlos: (io) => loadOrReport(values.slos ?? ['slos/'], io, defaultPeriodMs) };
}

export function replayFlags(values: ReplayFlags): CheckedReplayFlags {
  const { slotMs, rateWindowMs, loadSlos } = engineFlags(values);
  const source = prometheusFromFlags(values);
  return {
    slotMs,
    load: (io) => {
      const slos = loadSlos(io);
      if (!slos) return undefined;
      return {
        slos,
        run: async (range, emit) => {
          const db = openDb(':memory:');
          try {
            const engine = new Engine({ source, store: new SqliteStore(db, ':memory:'), logger: stderrLogger(io) }, { slotMs, rateWindowMs, links: {} });
            await replay(engine, slos, range, emit);
          } finally {
            db.close();
          }
        },
      };
    },
  };
}

/** `--interval`: a duration no shorter than the daemon's minimum evaluation interval. */
export function intervalFlag(text: string): number {
  const ms = durationFlag(text, '--interval');
  if (ms < MIN_EVALUATION_INTERVAL.ms) throw new UsageError(`--interval ${text} is below the minimum of ${MIN_EVALUATION_INTERVAL.text}`);
  return ms;
}

/** Loads SLO files; prints located problems and returns undefined when any is an error. */
export function loadOrReport(paths: readonly string[], io: CliIo, defaultPeriodMs?: number): Slo[] | undefined {
  const result = loadSpecs(paths, { cwd: io.cwd, ...(defaultPeriodMs === undefined ? {} : { defaultPeriodMs }) });
  for (const e of result.errors) io.err(`${formatError(e)}\n`);
  if (result.errors.some((e) => !isWarning(e))) {
    io.err('the SLO files have problems: fix them (burnwatch validate shows them all) and run again\n');
    return undefined;
  }
  return [...result.slos];
}
