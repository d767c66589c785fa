import type { MetricsSource } from '../metrics/source.js';
import { redactUrl } from '../redact-url.js';
import type { BuildOptions } from '../report/build.js';
import { assembleReport, instanceReport } from '../report/build.js';
import { rfc3339 } from '../report/format.js';
import type { BurnTransition, CorrectionLookup, InstanceHistory, InstanceReport, Report, ReportRange } from '../report/model.js';
import { SLO_CORRECTIONS } from '../report/model.js';
import { correctedRanges } from '../slo/corrections.js';
import type { WindowSum } from '../slo/evaluate.js';
import { EMPTY_SUM, evaluateInstance, readSums, windowsOf, withoutRanges } from '../slo/evaluate.js';
import { periodWindow } from '../slo/calendar.js';
import type { Slo } from '../slo/model.js';
import { openDb } from '../store/db.js';
import { ledgerSumsFromRows } from '../store/ledger.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { ReportReads } from '../store/store.js';
import type { Logger } from '../logger.js';
import type { SloStatus } from './engine.js';
import { Engine } from './engine.js';
import { replay } from './replay.js';

/**
 * The data of a report, from a burnwatch database (`report --db`, the daemon's digests): each SLO instance's
 * ledger and its alert history, read with the ledger code the daemon evaluates with. From Prometheus
 * (`report --prometheus`) history is first replayed into a database in memory, exactly as `backtest` does
 * (engine/replay.ts), and that database is then read the same way.
 */

export interface ReportSourceOptions extends Omit<BuildOptions, 'source' | 'warnings'> {
  /** The corrections listed per instance (default: each SLO's own, from the SLO folder). */
  readonly corrections?: CorrectionLookup;
}

/** SLOs whose instances are read at the same time (each a few round trips to PostgreSQL; SQLite answers at once). */
const SLOS_AT_ONCE = 4;

/**
 * A report from a burnwatch store (`report --db`, the daemon's digests, a replay's database in memory): each SLO
 * instance's ledger rows over the range (and the period and windows before it that its budget reads) are read
 * once, the figures computed from them exactly as the ledger computes them (`ledgerSumsFromRows`), and the
 * instance reported before the next one is read: one instance's rows are held at a time. `warnings` are added
 * after the store's own.
 */
export async function reportFromStore(reads: ReportReads, slos: readonly Slo[], range: ReportRange, source: string, options: ReportSourceOptions, warnings: readonly string[] = []): Promise<Report> {
  const corrections = options.corrections ?? SLO_CORRECTIONS;
  const build = { ...options, source };
  const known = new Set(await reads.ledger.sloIds());
  const perSlo: { reported: InstanceReport[]; warning?: string }[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < slos.length; i = next++) {
      const slo = slos[i];
      if (slo !== undefined) perSlo[i] = await reportSlo(reads, slo, range, known, corrections, build);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SLOS_AT_ONCE, slos.length) }, worker));
  const storeWarnings = perSlo.flatMap((r) => (r.warning === undefined ? [] : [r.warning]));
  const wanted = new Set(slos.map((s) => s.id));
  const others = [...known].filter((id) => !wanted.has(id)).sort();
  if (others.length > 0) storeWarnings.push(`the database also holds SLOs that are not in the SLO files given (${others.join(', ')}): give their files to report them`);
  return assembleReport(range, perSlo.flatMap((r) => r.reported), { ...build, warnings: [...storeWarnings, ...warnings] });
}

/** The earliest instant an evaluation within the range reads: its budget period and its longest window at the range's start. */
function readStart(slo: Slo, fromMs: number): number {
  return Math.min(periodWindow(slo.period, fromMs).startMs, fromMs - Math.max(...windowsOf(slo)));
}

async function reportSlo(reads: ReportReads, slo: Slo, range: ReportRange, known: ReadonlySet<string>, corrections: CorrectionLookup, options: BuildOptions): Promise<{ reported: InstanceReport[]; warning?: string }> {
  const cursor = await reads.ledger.cursor(slo.id);
  if (!cursor || !known.has(slo.id)) {
    return { reported: [], warning: `${slo.id}: the database holds no ledger for this SLO (burnwatch has not evaluated it, or its indicator changed since): it is left out` };
  }
  const history = await reads.alerts.historyAround(slo.id, range.fromMs, range.toMs);
  const reported: InstanceReport[] = [];
  for (const inst of await reads.ledger.instancesOf(slo.id)) {
    if (inst.createdSlotMs > range.toMs) continue;
    const extent = await reads.ledger.extent(inst.id);
    const instanceWarnings: string[] = [];
    // Expired rows: the oldest row kept holds the sums since the instance began, so nothing before it can be read.
    const readableFrom = extent !== undefined && extent.firstSlotMs > inst.createdSlotMs ? extent.firstSlotMs : -Infinity;
    const lastMs = Math.min(cursor.lastSlotMs, extent?.lastSlotMs ?? cursor.lastSlotMs);
    if (readableFrom > range.fromMs) instanceWarnings.push(`the database's ledger reaches back only to ${rfc3339(readableFrom)} (older rows expire after the SLO's period): the figures cover the range from there`);
    if (cursor.lastSlotMs < range.toMs) instanceWarnings.push(`the database's ledger ends at ${rfc3339(cursor.lastSlotMs)}: nothing after it is counted`);
    const prefix = `${slo.id}/${inst.key}/`;
    const transitions: BurnTransition[] = [];
    for (const h of history) {
      if (!h.alertKey.startsWith(prefix)) continue;
      const severity = h.alertKey.slice(prefix.length);
      if (severity === 'page' || severity === 'ticket') transitions.push({ severity, atMs: h.atMs, from: h.from, to: h.to });
    }
    const rows = await reads.ledger.cumulativeRows(inst.id, readStart(slo, range.fromMs), range.toMs);
    const clamp = (t: number) => Math.min(Math.max(t, readableFrom), Math.max(lastMs, readableFrom));
    const between = (a: number, b: number): WindowSum => (clamp(b) <= clamp(a) ? EMPTY_SUM : ledgerSumsFromRows(rows, clamp(b)).since(clamp(a)));
    const instanceHistory: InstanceHistory = {
      slo,
      labels: inst.labels,
      // Budget corrections are taken out of every sum, as the daemon's budget takes them out.
      sumBetween: (a, b) => withoutRanges(between(a, b), correctedRanges(slo, a, b), between),
      budgetAt: (t) => (t > cursor.lastSlotMs || t < inst.createdSlotMs || t < readableFrom ? undefined : evaluateInstance(slo, readSums(slo, t, ledgerSumsFromRows(rows, t)), t).budget),
      transitions,
      corrections: corrections(slo, inst.labels, range.fromMs, range.toMs),
      warnings: instanceWarnings,
    };
    reported.push(instanceReport(range, instanceHistory, options));
  }
  return { reported };
}

export interface ReplayReportOptions extends ReportSourceOptions {
  readonly slotMs: number;
  readonly rateWindowMs: number;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
}

/** Alert states are replayed from this long before the range (the longest tier window, at most 7 days), so an alert that was firing when it began is seen so. */
const MAX_WARM_UP_MS = 7 * 86_400_000;

/**
 * A report from Prometheus: the SLOs are replayed over the range through the engine, into a database in memory
 * (the ledger backfilled before the range first, as the daemon does on its first start), then read as a
 * database is. SLOs whose queries failed are named in the warnings (`failed`): the report does not pass off
 * missing data as a quiet month.
 */
export async function reportFromPrometheus(metrics: MetricsSource, slos: readonly Slo[], range: ReportRange, options: ReplayReportOptions): Promise<{ report: Report; failed: string[] }> {
  const db = openDb(':memory:');
  try {
    const store = new SqliteStore(db, ':memory:');
    const engine = new Engine({ source: metrics, store, logger: options.logger }, { slotMs: options.slotMs, rateWindowMs: options.rateWindowMs, links: {} });
    const warmUp = Math.min(MAX_WARM_UP_MS, Math.max(0, ...slos.flatMap((s) => s.alerting.tiers.map((t) => t.longMs))));
    const failures = new Map<string, string>();
    const note = (statuses: readonly SloStatus[]) => {
      for (const s of statuses) if (s.state === 'unknown' && s.error !== undefined && !failures.has(s.slo.id)) failures.set(s.slo.id, s.error);
    };
    const fromMs = range.fromMs - warmUp;
    await replay(engine, slos, { fromMs, toMs: range.toMs, stepMs: engine.slotMs, ...(options.signal ? { signal: options.signal } : {}) }, (_records, statuses) => note(statuses));
    const failed = [...failures].map(([id, error]) => `${id}: reading Prometheus failed during the range (${error}): its figures leave out what could not be read`);
    const report = await reportFromStore(store, slos, range, `Prometheus ${redactUrl(metrics.url)}`, options, failed);
    return { report, failed: [...failures.keys()] };
  } finally {
    db.close();
  }
}
