import { parseArgs } from 'node:util';
import { MIN_EVALUATION_INTERVAL } from '../config/schema.js';
import { Engine } from '../engine/engine.js';
import type { StepRecord } from '../engine/replay.js';
import { replay } from '../engine/replay.js';
import { formatDuration, parseDuration } from '../slo/duration.js';
import type { Slo } from '../slo/model.js';
import { isWarning } from '../formats/located.js';
import { loadSpecs } from '../formats/load.js';
import { openDb } from '../store/db.js';
import { parseTime, PROMETHEUS_OPTIONS, PROMETHEUS_USAGE, prometheusFromFlags, stderrLogger } from './common.js';
import type { CliIo } from './io.js';
import { EXIT_INVALID, EXIT_OK, EXIT_USAGE, UsageError } from './io.js';
import { formatError } from './validate.js';

export const BACKTEST_USAGE = `Usage: burnwatch backtest --prometheus URL [--slos DIR] --from TIME --to TIME [--step 60s] [--format jsonl|table]

Replays SLO files over history through the same ledger and evaluation code as the daemon, to see how many
pages and tickets an SLO would have produced. TIME: RFC 3339 (2026-11-20T10:00:00Z), unix seconds, or now-30d.

  --slos DIR                  SLO files or folder (default slos/; repeatable)
  --step 60s                  one record per step and SLO instance (a multiple of --interval)
  --interval 30s              evaluation interval / ledger slot, as in the daemon (at least 1s)
  --format jsonl|table        jsonl: one JSON object per step and instance; table: a summary per SLO
  --default-slo-period 30d    period of Sloth files (Sloth's --default-slo-period)
${PROMETHEUS_USAGE}`;

export async function backtestCommand(args: readonly string[], io: CliIo): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: [...args],
      allowPositionals: false,
      options: {
        ...PROMETHEUS_OPTIONS,
        slos: { type: 'string', multiple: true },
        from: { type: 'string' },
        to: { type: 'string' },
        step: { type: 'string', default: '60s' },
        interval: { type: 'string', default: '30s' },
        format: { type: 'string', default: 'jsonl' },
        'rate-window': { type: 'string', default: '2m' },
        'default-slo-period': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    io.err(`burnwatch backtest: ${(err as Error).message}\n\n${BACKTEST_USAGE}\n`);
    return EXIT_USAGE;
  }
  if (values.help === true) {
    io.out(`${BACKTEST_USAGE}\n`);
    return EXIT_OK;
  }
  try {
    const format = values.format;
    if (format !== 'jsonl' && format !== 'table') throw new UsageError(`--format must be jsonl or table, not "${format}"`);
    if (values.from === undefined || values.to === undefined) throw new UsageError('--from and --to are required');
    const now = io.now();
    const fromMs = parseTime(values.from, now, '--from');
    const toMs = parseTime(values.to, now, '--to');
    if (toMs <= fromMs) throw new UsageError('--to must be after --from');
    const slotMs = intervalFlag(values.interval);
    const stepMs = durationFlag(values.step, '--step');
    if (stepMs % slotMs !== 0) throw new UsageError(`--step (${values.step}) must be a multiple of --interval (${values.interval})`);
    const rateWindowMs = durationFlag(values['rate-window'], '--rate-window');
    const periodFlag = values['default-slo-period'];
    const defaultPeriodMs = periodFlag === undefined ? undefined : durationFlag(periodFlag, '--default-slo-period');
    const source = prometheusFromFlags(values);
    const slos = loadOrReport(values.slos ?? ['slos/'], io, defaultPeriodMs);
    if (!slos) return EXIT_INVALID;

    const db = openDb(':memory:');
    const engine = new Engine({ source, db, logger: stderrLogger(io) }, { slotMs, rateWindowMs, links: {} });
    const summary = new Summary(stepMs);
    try {
      await replay(engine, slos, { fromMs, toMs, stepMs }, (records) => {
        for (const r of records) {
          if (format === 'jsonl') io.out(`${JSON.stringify(r)}\n`);
          else summary.add(r);
        }
      });
    } finally {
      db.close();
    }
    if (format === 'table') io.out(summary.render(slos));
    return EXIT_OK;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`burnwatch backtest: ${err.message}\n\n${BACKTEST_USAGE}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}

export function durationFlag(text: string, flag: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new UsageError(`${flag} must be a duration such as 30s or 5m, not "${text}"`);
  return ms;
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

interface Episode {
  rawSinceMs?: number;
  firing: boolean;
}

/** Pages, tickets, firing time and first-fire delays per SLO, from the step records. */
class Summary {
  private readonly perSlo = new Map<string, { pages: number; tickets: number; pageMs: number; ticketMs: number; delays: number[]; steps: number; instances: Set<string> }>();
  private readonly episodes = new Map<string, Episode>();

  constructor(private readonly stepMs: number) {}

  add(r: StepRecord): void {
    const s = this.perSlo.get(r.slo) ?? { pages: 0, tickets: 0, pageMs: 0, ticketMs: 0, delays: [], steps: 0, instances: new Set<string>() };
    this.perSlo.set(r.slo, s);
    s.steps++;
    s.instances.add(JSON.stringify(r.labels));
    const t = Date.parse(r.time);
    for (const severity of ['page', 'ticket'] as const) {
      const key = `${r.slo}/${JSON.stringify(r.labels)}/${severity}`;
      const ep = this.episodes.get(key) ?? { firing: false };
      const raw = severity === 'page' ? r.page : r.ticket;
      if (raw && ep.rawSinceMs === undefined) ep.rawSinceMs = t;
      if (!raw && !ep.firing) delete ep.rawSinceMs;
      const firing = r.alerts[severity] === 'firing';
      if (firing) {
        if (severity === 'page') s.pageMs += this.stepMs;
        else s.ticketMs += this.stepMs;
      }
      if (firing && !ep.firing) {
        if (severity === 'page') s.pages++;
        else s.tickets++;
        if (severity === 'page') s.delays.push(t - (ep.rawSinceMs ?? t));
      }
      if (!firing && ep.firing) delete ep.rawSinceMs;
      ep.firing = firing;
      this.episodes.set(key, ep);
    }
  }

  render(slos: readonly Slo[]): string {
    const rows = [['SLO', 'INSTANCES', 'PAGES', 'TICKETS', 'PAGE FIRING', 'TICKET FIRING', 'FIRST-FIRE DELAY (PAGES)']];
    for (const slo of slos) {
      const s = this.perSlo.get(slo.id);
      if (!s) {
        rows.push([slo.id, '0', '-', '-', '-', '-', 'no data']);
        continue;
      }
      const delays = s.delays.length === 0 ? '-' : `avg ${formatDuration(Math.round(avg(s.delays) / 1000) * 1000)}, max ${formatDuration(Math.max(...s.delays))}`;
      rows.push([slo.id, String(s.instances.size), String(s.pages), String(s.tickets), formatDuration(s.pageMs), formatDuration(s.ticketMs), delays]);
    }
    return renderTable(rows);
  }
}

function avg(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function renderTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return `${rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n')}\n`;
}
