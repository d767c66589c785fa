import type { MetricsSource } from '../metrics/source.js';
import { redactUrl } from '../redact-url.js';
import type { BuildOptions } from '../report/build.js';
import { buildReport } from '../report/build.js';
import { rfc3339 } from '../report/format.js';
import type { BurnTransition, CorrectionLookup, InstanceHistory, Report, ReportRange } from '../report/model.js';
import { SLO_CORRECTIONS } from '../report/model.js';
import { correctedRanges } from '../slo/corrections.js';
import type { WindowSum } from '../slo/evaluate.js';
import { EMPTY_SUM, evaluateInstance, readSums, withoutRanges } from '../slo/evaluate.js';
import type { Slo } from '../slo/model.js';
import type { Db } from '../store/db.js';
import { openDb } from '../store/db.js';
import { Ledger } from '../store/ledger.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { alertHistoryAround, ledgerExtent } from '../store/report-reads.js';
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

/** The histories of the SLOs' instances in a database, and what the reader should know about them. */
export function historiesFromDb(db: Db, slos: readonly Slo[], range: ReportRange, corrections: CorrectionLookup = SLO_CORRECTIONS): { histories: InstanceHistory[]; warnings: string[] } {
  const ledger = new Ledger(db);
  const histories: InstanceHistory[] = [];
  const warnings: string[] = [];
  const known = new Set(ledger.sloIds());
  for (const slo of slos) {
    const cursor = ledger.cursor(slo.id);
    if (!cursor || !known.has(slo.id)) {
      warnings.push(`${slo.id}: the database holds no ledger for this SLO (burnwatch has not evaluated it, or its indicator changed since): it is left out`);
      continue;
    }
    const history = alertHistoryAround(db, slo.id, range.fromMs, range.toMs);
    for (const inst of ledger.instancesOf(slo.id)) {
      if (inst.createdSlotMs > range.toMs) continue;
      const extent = ledgerExtent(db, inst.id);
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
      const clamp = (t: number) => Math.min(Math.max(t, readableFrom), Math.max(lastMs, readableFrom));
      const between = (a: number, b: number): WindowSum => (clamp(b) <= clamp(a) ? EMPTY_SUM : ledger.sums(inst.id, clamp(b)).since(clamp(a)));
      histories.push({
        slo,
        labels: inst.labels,
        // Budget corrections are taken out of every sum, as the daemon's budget takes them out.
        sumBetween: (a, b) => withoutRanges(between(a, b), correctedRanges(slo, a, b), between),
        budgetAt: (t) => (t > cursor.lastSlotMs || t < inst.createdSlotMs || t < readableFrom ? undefined : evaluateInstance(slo, readSums(slo, t, ledger.sums(inst.id, t)), t).budget),
        transitions,
        corrections: corrections(slo, inst.labels, range.fromMs, range.toMs),
        warnings: instanceWarnings,
      });
    }
  }
  const wanted = new Set(slos.map((s) => s.id));
  const others = [...known].filter((id) => !wanted.has(id)).sort();
  if (others.length > 0) warnings.push(`the database also holds SLOs that are not in the SLO files given (${others.join(', ')}): give their files to report them`);
  return { histories, warnings };
}

/** A report from a burnwatch database. */
export function reportFromDb(db: Db, slos: readonly Slo[], range: ReportRange, source: string, options: ReportSourceOptions): Report {
  const { histories, warnings } = historiesFromDb(db, slos, range, options.corrections);
  return buildReport(range, histories, { ...options, source, warnings });
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
    const engine = new Engine({ source: metrics, store: new SqliteStore(db, ':memory:'), logger: options.logger }, { slotMs: options.slotMs, rateWindowMs: options.rateWindowMs, links: {} });
    const warmUp = Math.min(MAX_WARM_UP_MS, Math.max(0, ...slos.flatMap((s) => s.alerting.tiers.map((t) => t.longMs))));
    const failures = new Map<string, string>();
    const note = (statuses: readonly SloStatus[]) => {
      for (const s of statuses) if (s.state === 'unknown' && s.error !== undefined && !failures.has(s.slo.id)) failures.set(s.slo.id, s.error);
    };
    const fromMs = range.fromMs - warmUp;
    await replay(engine, slos, { fromMs, toMs: range.toMs, stepMs: engine.slotMs, ...(options.signal ? { signal: options.signal } : {}) }, (_records, statuses) => note(statuses));
    const { histories, warnings } = historiesFromDb(db, slos, range, options.corrections);
    for (const [id, error] of failures) warnings.push(`${id}: reading Prometheus failed during the range (${error}): its figures leave out what could not be read`);
    const report = buildReport(range, histories, { ...options, source: `Prometheus ${redactUrl(metrics.url)}`, warnings });
    return { report, failed: [...failures.keys()] };
  } finally {
    db.close();
  }
}
