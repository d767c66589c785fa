import type { Severity, Slo } from '../slo/model.js';
import type { Engine, InstanceStatus, SloStatus } from './engine.js';

/**
 * Replays history through the daemon's own ledger and evaluation: the engine is advanced slot by slot (so
 * `for` durations and alert states behave exactly as in the daemon), reading Prometheus a chunk at a time,
 * and a record is emitted for every SLO instance at every step.
 */

export interface TierRecord {
  readonly long: number | null;
  readonly short: number | null;
  readonly threshold: number;
  readonly active: boolean;
}

/** One line of `burnwatch backtest --format jsonl` (a stable contract). */
export interface StepRecord {
  readonly time: string;
  readonly slo: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Raw multi-window conditions (any tier of the severity active), before for, minEvents and inhibition. */
  readonly page: boolean;
  readonly ticket: boolean;
  readonly tiers: Readonly<Record<string, TierRecord>>;
  /** States after for, minEvents and inhibition. */
  readonly alerts: Readonly<Record<Severity, string>>;
  readonly budgetRemaining: number | null;
}

const finite = (n: number): number | null => (Number.isFinite(n) ? n : null);

export function toStepRecord(atMs: number, status: SloStatus, inst: InstanceStatus): StepRecord {
  const obs = inst.observation;
  const tiers: Record<string, TierRecord> = {};
  for (const t of obs.tiers) tiers[t.name] = { long: finite(t.longBurnRate), short: finite(t.shortBurnRate), threshold: t.threshold, active: t.active && !obs.unknown };
  return {
    time: new Date(atMs).toISOString().replace('.000Z', 'Z'),
    slo: status.slo.id,
    labels: inst.labels,
    page: obs.raw.page,
    ticket: obs.raw.ticket,
    tiers,
    alerts: { page: inst.alerts.page, ticket: inst.alerts.ticket },
    budgetRemaining: finite(obs.budget.remaining),
  };
}

export interface ReplayOptions {
  readonly fromMs: number;
  readonly toMs: number;
  readonly stepMs: number;
  /** How much history one Prometheus read covers (default 1 h). */
  readonly chunkMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Runs the engine from `fromMs` to `toMs` and calls `emit` for every step (multiples of `stepMs` from
 * `fromMs`). The ledger before `fromMs` is backfilled first, as the daemon does on its first start.
 */
export async function replay(engine: Engine, slos: readonly Slo[], options: ReplayOptions, emit: (records: StepRecord[], statuses: SloStatus[]) => void): Promise<void> {
  const slot = engine.slotMs;
  const from = Math.ceil(options.fromMs / slot) * slot;
  const to = Math.floor(options.toMs / slot) * slot;
  const chunk = Math.max(slot, Math.floor((options.chunkMs ?? 3_600_000) / slot) * slot);
  await engine.setSlos(slos, from);
  await engine.ingest(from, options.signal);
  let ingested = from;
  for (let t = from; t <= to; t += slot) {
    if (t > ingested) {
      ingested = Math.min(to, ingested + chunk);
      await engine.ingest(ingested, options.signal);
    }
    await engine.evaluateAt(t);
    if ((t - from) % options.stepMs !== 0) continue;
    const statuses = engine.allStatuses();
    const records: StepRecord[] = [];
    for (const status of statuses) {
      if (status.state !== 'ok' || status.evaluatedAtMs !== t) continue;
      for (const inst of status.instances) records.push(toStepRecord(t, status, inst));
    }
    emit(records, statuses);
  }
}
