import type { StepRecord } from '../engine/replay.js';
import { formatDuration } from '../slo/duration.js';
import type { Slo } from '../slo/model.js';
import { defineAsyncCommand } from './command.js';
import { durationFlag, parseTime, PROMETHEUS_USAGE, renderTable } from './common.js';
import { EXIT_INVALID, EXIT_OK, UsageError } from './io.js';
import { REPLAY_OPTIONS, replayFlags } from './replay-flags.js';

export const BACKTEST_USAGE = `Usage: burnwatch backtest --prometheus URL [--slos DIR] --from TIME --to TIME [--step 60s] [--format jsonl|table]

Replays SLO files over history through the same ledger and evaluation code as the daemon, to see how many
pages and tickets an SLO would have produced. TIME: RFC 3339 (2026-11-20T10:00:00Z), unix seconds, or now-30d.

  --slos DIR                  SLO files or folder (default slos/; repeatable)
  --step 60s                  one record per step and SLO instance (a multiple of --interval)
  --interval 30s              evaluation interval / ledger slot, as in the daemon (at least 1s)
  --format jsonl|table        jsonl: one JSON object per step and instance; table: a summary per SLO
  --default-slo-period 30d    period of Sloth files (Sloth's --default-slo-period)
${PROMETHEUS_USAGE}`;

export const backtestCommand = defineAsyncCommand({
  name: 'backtest',
  usage: BACKTEST_USAGE,
  options: {
    ...REPLAY_OPTIONS,
    from: { type: 'string' },
    to: { type: 'string' },
    step: { type: 'string', default: '60s' },
    format: { type: 'string', default: 'jsonl' },
  },
}, async ({ values }, io) => {
  const format = values.format;
  if (format !== 'jsonl' && format !== 'table') throw new UsageError(`--format must be jsonl or table, not "${format}"`);
  if (values.from === undefined || values.to === undefined) throw new UsageError('--from and --to are required');
  const now = io.now();
  const fromMs = parseTime(values.from, now, '--from');
  const toMs = parseTime(values.to, now, '--to');
  if (toMs <= fromMs) throw new UsageError('--to must be after --from');
  const flags = replayFlags(values);
  const stepMs = durationFlag(values.step, '--step');
  if (stepMs % flags.slotMs !== 0) throw new UsageError(`--step (${values.step}) must be a multiple of --interval (${values.interval})`);
  const replayer = flags.load(io);
  if (!replayer) return EXIT_INVALID;
  const summary = new Summary(stepMs);
  await replayer.run({ fromMs, toMs, stepMs }, (records) => {
    for (const r of records) {
      if (format === 'jsonl') io.out(`${JSON.stringify(r)}\n`);
      else summary.add(r);
    }
  });
  if (format === 'table') io.out(summary.render(replayer.slos));
  return EXIT_OK;
});

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
