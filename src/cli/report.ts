import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { reportFromPrometheus, reportFromStore } from '../engine/report-data.js';
import type { Report, ReportRange } from '../report/model.js';
import type { ReportReads } from '../store/store.js';
import { checkTimeZone, monthRange, quarterRange, ReportRangeError } from '../report/range.js';
import { renderCsv } from '../report/render-csv.js';
import type { HtmlAssets } from '../report/render-html.js';
import { renderHtml } from '../report/render-html.js';
import { renderJson } from '../report/render-json.js';
import { renderMarkdown } from '../report/render-markdown.js';
import { storageFault, StoreError } from '../store/db.js';
import { openDbForReading, sqliteReportReads } from '../store/report-reads.js';
import { defineAsyncCommand } from './command.js';
import type { DatabaseTarget } from './database.js';
import { databaseOfSettings, openTargetStore, targetLocation } from './database.js';
import { parseTime, PROMETHEUS_USAGE, prometheusFromFlags, stderrLogger } from './common.js';
import { EXIT_INVALID, EXIT_OK, UsageError } from './io.js';
import { engineFlags, REPLAY_OPTIONS } from './replay-flags.js';

export const REPORT_USAGE = `Usage: burnwatch report (--from TIME --to TIME | --month 2026-11 | --quarter 2026-Q4) [--timezone ZONE]
                        [--slos DIR] (--prometheus URL | --db FILE | --config FILE) [--group-by service|LABEL]
                        [--format markdown|html|csv|json] [--output FILE]

The error-budget report of a range: per SLO instance the objective, the SLI achieved over the range (good
over total), the share of the range's error budget spent, the period's budget left at the end and time to
exhaustion, pages and tickets (each episode's start, end and duration, mean time to resolve), the longest burn
episodes, maintenance and corrections; totals per group. From Prometheus the SLOs are replayed over the range
as backtest does; from a database (burnwatch run's) its ledger and alert history are read. Exit 0 when every
figure could be read, 1 when SLO files, the database or Prometheus queries failed, 2 on a usage error.

  --from TIME --to TIME       RFC 3339 (2026-11-01T00:00:00Z), unix seconds, or now-7d
  --month 2026-11             a calendar month in --timezone
  --quarter 2026-Q4           a calendar quarter in --timezone
  --timezone ZONE             IANA zone for months, quarters and the times people read (default UTC)
  --slos DIR                  SLO files or folder (default slos/; repeatable)
  --db FILE                   read the ledger and alert history of this burnwatch database (read-only)
  --config FILE               read them from the database of these burnwatch run settings (default
                              BURNWATCH_CONFIG without --prometheus and --db): PostgreSQL (database.url) or SQLite
  --group-by service|LABEL    totals per service (default) or per value of a label
  --format markdown|html|csv|json  markdown (default); html is one self-contained page with charts;
                              csv one row per SLO instance; json the stable contract for tools
  --output FILE               write the report to FILE instead of standard output
  --interval 30s              with --prometheus: evaluation interval / ledger slot, as in the daemon
  --default-slo-period 30d    period of Sloth files
${PROMETHEUS_USAGE}`;

const FORMATS = ['markdown', 'html', 'csv', 'json'] as const;
/** A year and a day: every evaluation slot of the range is replayed, so the range is bounded. */
const MAX_RANGE_DAYS = 367;
const MAX_RANGE_MS = MAX_RANGE_DAYS * 86_400_000;
type Format = (typeof FORMATS)[number];

/** uPlot's browser build and style sheet from node_modules, inlined into the html report. */
export function loadHtmlAssets(): HtmlAssets {
  const require = createRequire(import.meta.url);
  const read = (module: string) => readFileSync(require.resolve(module), 'utf8');
  return { uplotScript: read('uplot/dist/uPlot.iife.min.js'), uplotStyle: read('uplot/dist/uPlot.min.css') };
}

export function renderReport(report: Report, format: Format, assets: () => HtmlAssets = loadHtmlAssets): string {
  switch (format) {
    case 'markdown': return renderMarkdown(report);
    case 'html': return renderHtml(report, assets());
    case 'csv': return renderCsv(report);
    case 'json': return renderJson(report);
  }
}

function rangeFromFlags(values: { from?: string | undefined; to?: string | undefined; month?: string | undefined; quarter?: string | undefined; timezone: string }, now: Date): ReportRange {
  const given = [values.from !== undefined || values.to !== undefined, values.month !== undefined, values.quarter !== undefined].filter(Boolean).length;
  if (given !== 1) throw new UsageError('give the range as --from TIME --to TIME, --month 2026-11 or --quarter 2026-Q4 (one of them)');
  try {
    if (values.month !== undefined) return monthRange(values.month, values.timezone);
    if (values.quarter !== undefined) return quarterRange(values.quarter, values.timezone);
    checkTimeZone(values.timezone);
  } catch (err) {
    if (err instanceof ReportRangeError) throw new UsageError(err.message);
    throw err;
  }
  if (values.from === undefined || values.to === undefined) throw new UsageError('--from and --to go together');
  const fromMs = parseTime(values.from, now, '--from');
  const toMs = parseTime(values.to, now, '--to');
  if (toMs <= fromMs) throw new UsageError('--to must be after --from');
  if (toMs - fromMs > MAX_RANGE_MS) throw new UsageError(`the range is longer than ${MAX_RANGE_DAYS} days: report a year at most (one report per quarter or month reads less)`);
  return { fromMs, toMs, timezone: values.timezone };
}

/**
 * Runs `read` on the database of a target: a SQLite file opened read-only (never created nor migrated), or
 * PostgreSQL. A database that cannot be read comes back as the message to print (what and where, then what to do).
 */
async function reportFromDatabase(target: DatabaseTarget, cwd: string, read: (reads: ReportReads, where: string) => Promise<Report>): Promise<Report | string> {
  const where = targetLocation(target);
  const failure = (err: unknown): string => {
    const fault = storageFault(err, where);
    if (fault === undefined) throw err;
    return `${fault.message}\n  ${fault.hint}`;
  };
  if (target.kind === 'sqlite') {
    let db;
    try {
      db = openDbForReading(resolve(cwd, target.path));
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      return `${err.message}\n  ${err.hint}`;
    }
    try {
      return await read(sqliteReportReads(db), where);
    } catch (err) {
      return failure(err);
    } finally {
      db.close();
    }
  }
  let store;
  try {
    store = await openTargetStore(target);
  } catch (err) {
    return failure(err);
  }
  try {
    return await read(store, where);
  } catch (err) {
    return failure(err);
  } finally {
    await store.close();
  }
}

export const reportCommand = defineAsyncCommand({
  name: 'report',
  usage: REPORT_USAGE,
  options: {
    ...REPLAY_OPTIONS,
    db: { type: 'string' },
    config: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    month: { type: 'string' },
    quarter: { type: 'string' },
    timezone: { type: 'string', default: 'UTC' },
    'group-by': { type: 'string', default: 'service' },
    format: { type: 'string', default: 'markdown' },
    output: { type: 'string', short: 'o' },
  },
}, async ({ values }, io) => {
  const format = values.format as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be markdown, html, csv or json, not "${values.format}"`);
  const groupBy = values['group-by'];
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(groupBy)) throw new UsageError(`--group-by must be service or a label name, not "${groupBy}"`);
  const range = rangeFromFlags(values, io.now());
  const sources = [values.prometheus, values.db, values.config].filter((v) => v !== undefined).length;
  const fromSettings = values.prometheus === undefined && values.db === undefined && (values.config ?? io.env['BURNWATCH_CONFIG'] ?? '') !== '';
  if (sources > 1 || (sources === 0 && !fromSettings)) throw new UsageError('give either --prometheus URL (replay history) or --db FILE (a burnwatch database), not both; or --config FILE (the database of burnwatch run\'s settings)');
  const { slotMs, rateWindowMs, loadSlos } = engineFlags(values);
  const metrics = values.prometheus === undefined ? undefined : prometheusFromFlags(values);
  let target: DatabaseTarget | undefined;
  if (!metrics) {
    const named = databaseOfSettings(values, io, 'report');
    if (typeof named === 'number') return named;
    target = named;
  }
  const slos = loadSlos(io);
  if (!slos) return EXIT_INVALID;

  let report: Report;
  let failed = false;
  if (metrics) {
    const replayed = await reportFromPrometheus(metrics, slos, range, { groupBy, slotMs, rateWindowMs, logger: stderrLogger(io) });
    report = replayed.report;
    failed = replayed.failed.length > 0;
  } else if (target !== undefined) {
    const read = await reportFromDatabase(target, io.cwd, (reads, where) => reportFromStore(reads, slos, range, `database ${where}`, { groupBy }));
    if (typeof read === 'string') {
      io.err(`burnwatch report: ${read}\n`);
      return EXIT_INVALID;
    }
    report = read;
  } else {
    throw new UsageError('give --prometheus URL, --db FILE or --config FILE');
  }
  for (const w of report.warnings) io.err(`warning: ${w}\n`);
  for (const i of report.instances) for (const w of i.warnings) io.err(`warning: ${i.slo.id}${Object.keys(i.labels).length === 0 ? '' : ` ${JSON.stringify(i.labels)}`}: ${w}\n`);
  const text = renderReport(report, format);
  if (values.output === undefined) io.out(text);
  else writeFileSync(resolve(io.cwd, values.output), text);
  return failed ? EXIT_INVALID : EXIT_OK;
});
