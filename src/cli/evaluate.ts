import type { SloStatus } from '../engine/engine.js';
import { formatDuration, MINUTE } from '../slo/duration.js';
import { statusJson } from '../server/status-json.js';
import { defineAsyncCommand } from './command.js';
import { parseTime, PROMETHEUS_USAGE, renderTable } from './common.js';
import { EXIT_INVALID, EXIT_OK, UsageError } from './io.js';
import { REPLAY_OPTIONS, replayFlags } from './replay-flags.js';

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

export const evaluateCommand = defineAsyncCommand({
  name: 'evaluate',
  usage: EVALUATE_USAGE,
  options: {
    ...REPLAY_OPTIONS,
    at: { type: 'string' },
    format: { type: 'string', default: 'table' },
  },
}, async ({ values }, io) => {
  const format = values.format;
  if (format !== 'table' && format !== 'json') throw new UsageError(`--format must be table or json, not "${format}"`);
  const { slotMs, load } = replayFlags(values);
  const atMs = Math.floor(parseTime(values.at ?? 'now', io.now(), '--at') / slotMs) * slotMs;
  const replayer = load(io);
  if (!replayer) return EXIT_INVALID;
  const { slos } = replayer;
  const warmUpMs = Math.max(15 * MINUTE, ...slos.flatMap((s) => s.alerting.tiers.map((t) => t.forMs + 5 * MINUTE)));
  let statuses: SloStatus[] = [];
  await replayer.run({ fromMs: atMs - warmUpMs, toMs: atMs, stepMs: slotMs }, (_records, all) => {
    statuses = all;
  });
  const results = slos.map((slo) => statuses.find((s) => s.slo.id === slo.id) ?? { slo, state: 'unknown' as const, instances: [] });
  if (format === 'json') io.out(`${JSON.stringify(results.map((s) => statusJson(s, atMs)), null, 2)}\n`);
  else io.out(statusTable(results, atMs));
  return results.every((s) => s.state === 'ok') ? EXIT_OK : EXIT_INVALID;
});

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
        o.unknown ? 'no data' : i.maintenance ? 'maintenance' : i.correction !== undefined ? `corrected (${i.correction})` : 'ok',
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
