import { parseArgs } from 'node:util';
import { Engine } from '../engine/engine.js';
import type { SloStatus } from '../engine/engine.js';
import { replay } from '../engine/replay.js';
import { formatDuration } from '../slo/duration.js';
import { MINUTE } from '../slo/duration.js';
import { openDb } from '../store/db.js';
import { statusJson } from '../server/status-json.js';
import { durationFlag, intervalFlag, loadOrReport, renderTable } from './backtest.js';
import { parseTime, PROMETHEUS_OPTIONS, PROMETHEUS_USAGE, prometheusFromFlags, stderrLogger } from './common.js';
import type { CliIo } from './io.js';
import { EXIT_INVALID, EXIT_OK, EXIT_USAGE, UsageError } from './io.js';

export const EVALUATE_USAGE = `Usage: burnwatch evaluate --prometheus URL [--slos DIR] [--at TIME] [--format table|json]

One-shot status of every SLO at a time (default now): burn rate per window, tier states, alert states,
error budget remaining and time to exhaustion. Alert states come from replaying the last hour, so \`for\`
durations count as in the daemon. Exit 0 when every SLO could be evaluated, 1 otherwise.

  --slos DIR                  SLO files or folder (default slos/; repeatable)
  --at TIME                   RFC 3339, unix seconds or now-1h (default now)
  --interval 30s              evaluation interval / ledger slot (at least 1s)
  --format table|json
  --default-slo-period 30d    period of Sloth files
${PROMETHEUS_USAGE}`;

export async function evaluateCommand(args: readonly string[], io: CliIo): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: [...args],
      allowPositionals: false,
      options: {
        ...PROMETHEUS_OPTIONS,
        slos: { type: 'string', multiple: true },
        at: { type: 'string' },
        interval: { type: 'string', default: '30s' },
        format: { type: 'string', default: 'table' },
        'rate-window': { type: 'string', default: '2m' },
        'default-slo-period': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    io.err(`burnwatch evaluate: ${(err as Error).message}\n\n${EVALUATE_USAGE}\n`);
    return EXIT_USAGE;
  }
  if (values.help === true) {
    io.out(`${EVALUATE_USAGE}\n`);
    return EXIT_OK;
  }
  try {
    const format = values.format;
    if (format !== 'table' && format !== 'json') throw new UsageError(`--format must be table or json, not "${format}"`);
    const slotMs = intervalFlag(values.interval);
    const atMs = Math.floor(parseTime(values.at ?? 'now', io.now(), '--at') / slotMs) * slotMs;
    const rateWindowMs = durationFlag(values['rate-window'], '--rate-window');
    const periodFlag = values['default-slo-period'];
    const source = prometheusFromFlags(values);
    const slos = loadOrReport(values.slos ?? ['slos/'], io, periodFlag === undefined ? undefined : durationFlag(periodFlag, '--default-slo-period'));
    if (!slos) return EXIT_INVALID;

    const db = openDb(':memory:');
    const engine = new Engine({ source, db, logger: stderrLogger(io) }, { slotMs, rateWindowMs, links: {} });
    const warmUpMs = Math.max(15 * MINUTE, ...slos.flatMap((s) => s.alerting.tiers.map((t) => t.forMs + 5 * MINUTE)));
    let statuses: SloStatus[] = [];
    try {
      await replay(engine, slos, { fromMs: atMs - warmUpMs, toMs: atMs, stepMs: slotMs }, (_records, all) => {
        statuses = all;
      });
    } finally {
      db.close();
    }
    const results = slos.map((slo) => statuses.find((s) => s.slo.id === slo.id) ?? { slo, state: 'unknown' as const, instances: [] });
    if (format === 'json') io.out(`${JSON.stringify(results.map((s) => statusJson(s, atMs)), null, 2)}\n`);
    else io.out(statusTable(results, atMs));
    return results.every((s) => s.state === 'ok') ? EXIT_OK : EXIT_INVALID;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`burnwatch evaluate: ${err.message}\n\n${EVALUATE_USAGE}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}

function pct(n: number): string {
  return Number.isFinite(n) ? `${(n * 100).toFixed(1)}%` : '-';
}

function rate(n: number): string {
  return Number.isFinite(n) ? `${n < 10 ? n.toFixed(2) : n.toFixed(1)}x` : '-';
}

function statusTable(statuses: readonly SloStatus[], atMs: number): string {
  const rows = [['SLO', 'INSTANCE', 'STATE', 'BUDGET LEFT', 'EXHAUSTED IN', 'PAGE', 'TICKET', 'BURN RATES (long/short > threshold)']];
  for (const s of statuses) {
    if (s.state !== 'ok' || s.instances.length === 0) {
      rows.push([s.slo.id, '-', s.state === 'ok' ? 'no data' : s.state, '-', '-', '-', '-', s.error ?? '']);
      continue;
    }
    for (const i of s.instances) {
      const o = i.observation;
      const ttl = o.budget.timeToExhaustionMs;
      rows.push([
        s.slo.id,
        Object.keys(i.labels).length === 0 ? '-' : Object.entries(i.labels).map(([k, v]) => `${k}=${v}`).join(','),
        o.unknown ? 'no data' : i.maintenance ? 'maintenance' : 'ok',
        pct(o.budget.remaining),
        ttl === null ? '-' : ttl === 0 ? 'exhausted' : formatDuration(Math.round(ttl / 60_000) * 60_000 || 60_000),
        i.alerts.page,
        i.alerts.ticket,
        o.tiers.map((t) => `${t.name} ${rate(t.longBurnRate)}/${rate(t.shortBurnRate)} > ${t.threshold}${t.active ? ' ACTIVE' : ''}`).join('; '),
      ]);
    }
  }
  return `burnwatch status at ${new Date(atMs).toISOString()}\n${renderTable(rows)}`;
}
