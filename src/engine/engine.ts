import type { ObservedInstance, StoredAlert, Suppression } from '../alerting/cycle.js';
import { advanceAlerts, removalNotification } from '../alerting/cycle.js';
import type { AlertNotification, LinkSettings } from '../alerting/notification.js';
import type { NotificationSink } from '../alerting/sink.js';
import type { AlertPhase } from '../alerting/state.js';
import { isFiringEpisode } from '../alerting/state.js';
import { MetricsSourceError } from '../metrics/errors.js';
import type { MetricsSource, QueryStats, Series } from '../metrics/source.js';
import { correctedRanges, correctionAt } from '../slo/corrections.js';
import { isInMaintenance } from '../slo/maintenance.js';
import type { ChildCell } from '../slo/composite.js';
import { combineCell, compositionHeights, parentsOf } from '../slo/composite.js';
import { DAY } from '../slo/duration.js';
import type { Observation, SumReader, WindowSum } from '../slo/evaluate.js';
import { EMPTY_SUM, evaluateInstance, readSums, withoutRanges } from '../slo/evaluate.js';
import type { CompositeIndicator, Severity, Slo } from '../slo/model.js';
import type { EventCounts, SlicedBudgeting } from '../slo/timeslices.js';
import { SliceAccumulator, sliceSpanMs } from '../slo/timeslices.js';
import { nominalPeriodMs } from '../slo/windows.js';
import type { CumulativeRow, Instance, LedgerCursor } from '../store/ledger.js';
import { isStorageError } from '../store/db.js';
import { COARSE_STEP_MS, diff, FINE_RETENTION_MS, LedgerValueError, MEDIUM_RETENTION_MS, MEDIUM_STEP_MS } from '../store/ledger.js';
import type { LedgerStore, SlotAppend, Store, StoreTx } from '../store/store.js';
import { labelsKey } from '../slo/labels.js';
import { createBaselineLookup } from './baselines.js';
import type { BaselineLookup } from './counter-steps.js';
import { CounterStepReader } from './counter-steps.js';
import type { Increment, RejectedSample, RejectSink, SlotTable } from './feeds.js';
import { CounterTracker, feedCoarse, feedFine, LOOKBACK_MS, rawSelectorsOf, RawSampleFetcher, slotOf } from './feeds.js';
import type { FeedPlan } from './plan.js';
import { ledgerFingerprint, planFor } from './plan.js';
import type { Rejection } from './sample-check.js';
import type { Logger } from '../logger.js';
import type { ShardOwnership } from '../cluster/shards.js';
import { ALL_SHARDS, shardOf } from '../cluster/shards.js';

export interface EngineOptions {
  /** Evaluation interval and ledger slot (default 30 s); must divide 5 minutes. */
  readonly slotMs: number;
  /** Rate window for expression-based indicators sampled each slot (default 2 m). */
  readonly rateWindowMs: number;
  readonly links: LinkSettings;
  /** Cap on how far back a new SLO's ledger is backfilled (default: its period plus its longest window). */
  readonly maxBackfillMs?: number;
  /** Ask Prometheus for sample statistics (for the benchmark). */
  readonly stats?: boolean;
}

export interface EngineDeps {
  readonly source: MetricsSource;
  /** Where the ledger and the alert states are kept (SQLite or PostgreSQL). */
  readonly store: Store;
  readonly logger: Logger;
  readonly sink?: NotificationSink<StoreTx>;
  /**
   * Silences and configured inhibit rules at an instant, read once per cycle (the built-in rule, page inhibits
   * ticket of the same instance, is the core's own).
   */
  readonly suppression?: (atMs: number) => Promise<Suppression>;
  /**
   * Which SLOs this replica evaluates (replicas sharing one PostgreSQL split them by shard; default: all). The
   * others are read, never written: their statuses from the shared ledger, their alerts from the store.
   */
  readonly ownership?: ShardOwnership;
}

export interface InstanceStatus {
  readonly key: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly observation: Observation;
  /** Effective alert phases after inhibition (a ticket inhibited by a firing page shows `inactive`). */
  readonly alerts: Readonly<Record<Severity, AlertPhase>>;
  /** A composite SLO whose firing page holds this instance's page (it shows `inactive` meanwhile). */
  readonly pageHeldBy?: string;
  readonly nodata?: AlertPhase;
  readonly exhaustion?: AlertPhase;
  readonly maintenance: boolean;
  /** The budget correction that covers the instant (its alerts hold their state, as in maintenance), if any. */
  readonly correction?: string;
}

export interface SloStatus {
  readonly slo: Slo;
  /**
   * ok: evaluated; unknown: the last query failed, or Prometheus sent samples for this slot that cannot be
   * counted (never a page, never a resolve).
   */
  readonly state: 'ok' | 'unknown' | 'waiting';
  readonly error?: string;
  /** The kind of the query failure (MetricsSourceError kind, or `other`), or `rejected_samples`. */
  readonly errorKind?: string;
  readonly evaluatedAtMs?: number;
  readonly instances: readonly InstanceStatus[];
}

export interface CycleReport {
  readonly atMs: number;
  readonly evaluated: number;
  /** SLOs not evaluated (unknown or waiting), `rejectedSlos` of them because samples were rejected. */
  readonly failed: number;
  readonly rejectedSlos: number;
  readonly notifications: number;
  readonly stats: QueryStats;
  /** Samples the last ingest rejected, per SLO and reason. */
  readonly rejected: readonly RejectedCount[];
}

export interface RejectedCount {
  readonly sloId: string;
  readonly reason: Rejection;
  readonly count: number;
}

/** An instance observed in a cycle, with what its status shows. */
type Observed = ObservedInstance & { readonly maintenance: boolean; readonly correction?: string };

/** The `errorKind` of an SLO that is unknown because samples of its slot were rejected. */
export const REJECTED_SAMPLES = 'rejected_samples';
/** The `errorKind` of an SLO held by another replica that has not evaluated it lately. */
export const NOT_EVALUATED = 'not_evaluated_by_holder';
/** The `errorKind` of a composite SLO that is unknown because one of its children is. */
export const CHILD_UNKNOWN = 'child_unknown';

/** A series' rejected samples are logged once, and again only after this long without one. */
const LOG_AGAIN_AFTER_MS = 3_600_000;
/** Series remembered for that; forgotten all at once beyond this many. */
const LOGGED_SERIES_LIMIT = 10_000;

interface SloRuntime {
  slo: Slo;
  plan: FeedPlan;
  fingerprint: string;
  error?: string;
  errorKind?: string;
  /** Slot up to which the last ingest succeeded. */
  ingestedMs?: number;
  /** Slots (ends) that held rejected samples, not evaluated yet: the SLO is unknown at each. */
  rejectedSlots: Map<number, Map<Rejection, number>>;
  /** Timeslice SLOs: each instance's events in the slice span still open where the last write ended. */
  openSlices?: OpenSlices;
}

interface OpenSlices {
  readonly atMs: number;
  readonly spanMs: number;
  readonly counts: ReadonlyMap<number, EventCounts>;
}

const NO_SLICES = { sliceBad: 0, slices: 0 } as const;

/** SLOs caught up (backfilled) at the same time. */
const CATCH_UP_CONCURRENCY = 4;

/** How far back an SLO needs ledger rows: its period (calendar periods: their longest length) plus its longest window. */
export function horizonMs(slo: Slo): number {
  const period = slo.period.kind === 'rolling' ? slo.period.durationMs : { day: 1, week: 7, month: 31, quarter: 92, year: 366 }[slo.period.unit] * DAY;
  const longest = Math.max(0, ...slo.alerting.tiers.map((t) => t.longMs));
  return period + longest;
}

/**
 * The engine, in two stages along the data path. Ingest: Prometheus -> slot tables (feeds.ts) -> ledger rows,
 * each SLO's cursor read once per cycle. Evaluate (evaluateAt): the window sums each instance needs are read as
 * plain data, the pure core evaluates them (slo/evaluate.ts) and decides the next alert states and the
 * notifications (alerting/cycle.ts), and both are written in one transaction. The daemon, `evaluate` and
 * `backtest` all run this same code; only the clock and the database differ.
 */
export class Engine {
  private tracker = new CounterTracker();
  private readonly runtimes = new Map<string, SloRuntime>();
  /** How far back each SLO's ledger reaches: its own horizon, or a composite's that holds it when longer. */
  private horizons = new Map<string, number>();
  /** Composition heights (`compositionHeights`): children are derived before their composites. */
  private heights = new Map<string, number>();
  private readonly alerts = new Map<string, StoredAlert>();
  private readonly statuses = new Map<string, SloStatus>();
  private cycleStats: QueryStats = {};
  private cycleRejected = new Map<string, RejectedCount>();
  /** Series key -> time of its last rejected sample. */
  private readonly loggedSeries = new Map<string, number>();
  /** Settles once the stored alert states are in `alerts`. */
  private loaded: Promise<void> | undefined;
  private readonly ownership: ShardOwnership;

  constructor(private readonly deps: EngineDeps, private readonly options: EngineOptions) {
    if (MEDIUM_STEP_MS % options.slotMs !== 0) throw new Error(`the evaluation interval (${options.slotMs} ms) must divide 5 minutes: use 10s, 15s, 30s, 1m or 5m`);
    this.ownership = deps.ownership ?? ALL_SHARDS;
  }

  private owns(sloId: string): boolean {
    return this.ownership.owns(sloId);
  }

  /** The SLOs of `shards` this engine knows. */
  private slosOf(shards: readonly number[]): string[] {
    const set = new Set(shards);
    return [...this.runtimes.keys()].filter((id) => set.has(shardOf(id)));
  }

  /**
   * This replica now holds `shards` (the lease manager calls this between cycles): what it kept in memory of
   * their SLOs is forgotten, and their alert states are read from the store, so the next cycle continues from
   * what the previous holder stored (the same episodes, no second page) and catches their ledgers up from their
   * cursors. A ledger written for another definition of an SLO (a replica on another version) is rebuilt.
   */
  async adoptShards(shards: readonly number[]): Promise<void> {
    await this.loadAlerts();
    const ids = this.slosOf(shards);
    if (ids.length === 0) return;
    // Instances may have been dropped and created again by another replica: read them afresh.
    this.ledger.resetCache();
    const stored = await this.deps.store.alerts.ofSlos(ids);
    for (const id of ids) {
      const rt = this.forgetRuntime(id);
      if (rt === undefined) continue;
      delete rt.error;
      delete rt.errorKind;
      const cursor = await this.ledger.cursor(id);
      if (cursor !== undefined && cursor.fingerprint !== rt.fingerprint) await this.deps.store.transaction((tx) => tx.ledger.dropSlo(id));
    }
    this.replaceAlerts(ids, stored);
  }

  /** This replica no longer holds `shards`: it forgets the alerts of their SLOs (read from the store from now on). */
  releaseShards(shards: readonly number[]): void {
    const ids = this.slosOf(shards);
    for (const id of ids) this.forgetRuntime(id);
    this.replaceAlerts(ids, []);
  }

  /** Forgets what this replica read of an SLO's ledger and counters (another replica wrote them meanwhile). */
  private forgetRuntime(sloId: string): SloRuntime | undefined {
    this.tracker.forget(sloId);
    const rt = this.runtimes.get(sloId);
    if (rt === undefined) return undefined;
    delete rt.ingestedMs;
    delete rt.openSlices;
    rt.rejectedSlots.clear();
    return rt;
  }

  /** The alerts of `sloIds` in memory become `stored`. */
  private replaceAlerts(sloIds: readonly string[], stored: readonly StoredAlert[]): void {
    const ids = new Set(sloIds);
    for (const [k, a] of this.alerts) if (ids.has(a.sloId)) this.alerts.delete(k);
    for (const a of stored) if (ids.has(a.sloId)) this.alerts.set(a.alertKey, a);
  }

  /** Reads the alert states the store holds (a previous run's) once, before the first setSlos or evaluation. */
  private loadAlerts(): Promise<void> {
    this.loaded ??= this.deps.store.alerts.loadAll().then((stored) => {
      for (const a of stored) if (!this.alerts.has(a.alertKey)) this.alerts.set(a.alertKey, a);
    }, (err: unknown) => {
      this.loaded = undefined;
      throw err;
    });
    return this.loaded;
  }

  /** The ledger the engine writes. */
  get ledger(): LedgerStore {
    return this.deps.store.ledger;
  }

  /** Where the engine keeps its ledger and alert states. */
  get store(): Store {
    return this.deps.store;
  }

  get slotMs(): number {
    return this.options.slotMs;
  }

  slos(): Slo[] {
    return [...this.runtimes.values()].map((r) => r.slo);
  }

  status(sloId: string): SloStatus | undefined {
    return this.statuses.get(sloId);
  }

  allStatuses(): SloStatus[] {
    return [...this.statuses.values()];
  }

  firingAlerts(): StoredAlert[] {
    return [...this.alerts.values()].filter((a) => isFiringEpisode(a.state));
  }

  /**
   * Replaces the set of SLOs. A removed SLO's firing alerts are resolved (notified through the sink at
   * `atMs`) and its state dropped; an SLO whose indicator changed gets its ledger rebuilt; an SLO whose
   * objective or tiers changed keeps its ledger and is re-evaluated from it without a gap.
   */
  async setSlos(slos: readonly Slo[], atMs: number): Promise<{ added: string[]; removed: string[]; rebuilt: string[] }> {
    await this.loadAlerts();
    const next = new Map(slos.map((s) => [s.id, s]));
    const added: string[] = [];
    const removed: string[] = [];
    const rebuilt: string[] = [];
    const resolves: AlertNotification[] = [];
    for (const [id, rt] of this.runtimes) {
      if (next.has(id)) continue;
      removed.push(id);
      // Only the holder of an SLO's shard resolves and drops it: in a rolling deploy replicas differ in SLOs.
      if (!this.owns(id)) continue;
      for (const a of [...this.alerts.values()].filter((x) => x.sloId === id)) {
        if (a.notified && isFiringEpisode(a.state)) resolves.push(removalNotification(rt.slo, a, atMs, this.options.links));
      }
    }
    // Ledgers of SLOs that are gone (also from a previous run) are dropped.
    const known = new Set(next.keys());
    const dropped = await this.deps.store.transaction(async (tx) => {
      const ids = [...new Set([...removed, ...(await tx.ledger.sloIds()).filter((id) => !known.has(id))])].filter((id) => this.owns(id));
      for (const id of ids) {
        await tx.ledger.dropSlo(id);
        await tx.alerts.removeSlo(id);
      }
      if (resolves.length > 0) await this.deps.sink?.enqueue(tx, resolves, atMs);
      return ids;
    });
    // Memory follows only a committed transaction (a failed one leaves the SLOs and their alerts in place).
    for (const id of new Set([...dropped, ...removed])) this.forget(id);
    for (const id of removed) this.runtimes.delete(id);
    this.heights = compositionHeights(next);
    this.horizons = effectiveHorizons(next, this.heights);
    const fingerprints = new Map<string, string>();
    // Children first: a composite's fingerprint holds its children's, so a rebuilt child rebuilds its composites,
    // and their corrections: the composite's rows are derived with a child's corrected time left out, so a
    // correction of a child added or changed by a reload derives them again (from the ledger, no query).
    const byId = new Map(slos.map((s) => [s.id, s]));
    for (const slo of [...slos].sort((a, b) => (this.heights.get(a.id) ?? 0) - (this.heights.get(b.id) ?? 0))) {
      const own = ledgerFingerprint(slo, this.options.slotMs);
      fingerprints.set(slo.id, slo.indicator.kind !== 'composite' ? own : ledgerFingerprint(slo, this.options.slotMs, slo.indicator.children.map((c) => `${fingerprints.get(c.sloId) ?? ''}${correctionsKey(byId.get(c.sloId))}`)));
    }
    for (const slo of slos) {
      const fingerprint = fingerprints.get(slo.id) ?? ledgerFingerprint(slo, this.options.slotMs);
      const prev = this.runtimes.get(slo.id);
      if (!prev) added.push(slo.id);
      const cursor = await this.ledger.cursor(slo.id);
      // Another replica's ledger of an SLO it holds is its own business (it may run another version).
      const rebuild = cursor !== undefined && cursor.fingerprint !== fingerprint && this.owns(slo.id);
      if (rebuild) {
        rebuilt.push(slo.id);
        await this.deps.store.transaction((tx) => tx.ledger.dropSlo(slo.id));
        this.tracker.forget(slo.id);
      }
      this.runtimes.set(slo.id, {
        slo,
        plan: planFor(slo.indicator, slo.groupBy),
        fingerprint,
        rejectedSlots: prev?.rejectedSlots ?? new Map<number, Map<Rejection, number>>(),
        ...(prev?.ingestedMs === undefined ? {} : { ingestedMs: prev.ingestedMs }),
        ...(prev?.openSlices === undefined || rebuild ? {} : { openSlices: prev.openSlices }),
      });
      if (!this.statuses.has(slo.id)) this.statuses.set(slo.id, { slo, state: 'waiting', instances: [] });
      else this.statuses.set(slo.id, { ...(this.statuses.get(slo.id) as SloStatus), slo });
    }
    return { added, removed, rebuilt };
  }

  private forget(sloId: string): void {
    this.tracker.forget(sloId);
    for (const [k, a] of this.alerts) if (a.sloId === sloId) this.alerts.delete(k);
    this.statuses.delete(sloId);
  }

  /**
   * Brings every SLO's ledger up to `toMs` (a slot end). New SLOs are backfilled over their horizon (hourly and
   * 5-minute steps for older history, read exactly by `counter-steps.ts`, full resolution for the last 7
   * hours); gaps after a restart or an outage are read back the same way from where the ledger stopped;
   * otherwise one slot is read, with the raw samples of all SLOs fetched together. A failing SLO is marked
   * unknown and retried next cycle; others go on.
   */
  async ingest(toMs: number, signal?: AbortSignal): Promise<void> {
    try {
      await this.ingestAll(toMs, signal);
    } catch (err) {
      // A write failed (storage): its transaction rolled back what the caches and the counter baselines had
      // already taken in. Start again from the ledger, as after a restart: every SLO catches up from its
      // cursor with the lookback that gives it baselines.
      this.ledger.resetCache();
      this.tracker = new CounterTracker();
      for (const rt of this.runtimes.values()) {
        delete rt.ingestedMs;
        delete rt.openSlices;
      }
      throw err;
    }
  }

  private async ingestAll(toMs: number, signal?: AbortSignal): Promise<void> {
    const slot = this.options.slotMs;
    const live: { rt: SloRuntime; cursor: LedgerCursor }[] = [];
    const catchUp: { rt: SloRuntime; cursor: LedgerCursor | undefined }[] = [];
    for (const rt of this.runtimes.values()) {
      // Composites read no query: derived from their children's ledgers below.
      if (rt.slo.indicator.kind === 'composite' || !this.owns(rt.slo.id)) continue;
      // The one read of the SLO's cursor this cycle: what the cycle writes follows from it.
      const cursor = await this.ledger.cursor(rt.slo.id);
      if (cursor && cursor.lastSlotMs >= toMs) continue;
      // Live only when this process has read the previous slot itself: after a restart the counter tracker has
      // no baselines yet, so even a one-slot gap is read with the lookback that provides them.
      if (cursor && cursor.lastSlotMs === toMs - slot && rt.ingestedMs !== undefined) live.push({ rt, cursor });
      else catchUp.push({ rt, cursor });
    }
    const fetcher = new RawSampleFetcher(this.deps.source, { ...(signal ? { signal } : {}), ...(this.options.stats === true ? { stats: true } : {}) });
    this.cycleRejected = new Map();
    // Step values of counters are shared by the SLOs that read the same selectors (objective variants).
    const steps = new CounterStepReader(this.deps.source, signal ? { signal } : {});
    // Live SLOs: one shared raw-sample fetch for all their selectors.
    if (live.length > 0) {
      const selectors = live.flatMap(({ rt }) => rawSelectorsOf(rt.plan));
      let raw: Map<string, Series[]> | undefined;
      try {
        raw = selectors.length > 0 ? await fetcher.fetch(selectors, toMs - slot, toMs) : new Map<string, Series[]>();
      } catch (err) {
        // The shared fetch failed: fall back to per-SLO fetches so one bad selector cannot hide the others.
        raw = undefined;
        this.deps.logger.warn({ err: describe(err) }, 'shared raw-sample fetch failed; fetching per SLO');
      }
      const done = await Promise.allSettled(live.map(({ rt, cursor }) => this.ingestFine(rt, cursor, cursor.lastSlotMs, toMs, raw, fetcher, this.baselineLookup(rt, signal), signal)));
      // A storage error (the only kind that gets here) after every SLO has finished, so none writes later.
      for (const d of done) if (d.status === 'rejected') throw d.reason;
    }
    // Catch-ups wait mostly on the backend: a few at a time keep it and this process busy.
    const queue = [...catchUp];
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next; next = queue.shift()) await this.catchUp(next.rt, next.cursor, toMs, fetcher, steps, signal);
    };
    // Every worker has stopped before a failure is rethrown: the caller then starts again from the ledger,
    // and no write of this ingest may land after that.
    const workers = await Promise.allSettled(Array.from({ length: Math.min(CATCH_UP_CONCURRENCY, queue.length) }, worker));
    for (const w of workers) if (w.status === 'rejected') throw w.reason;
    // Composites after every child, lowest first (a composite of composites after the composites it holds).
    const composites = [...this.runtimes.values()].filter((rt) => rt.slo.indicator.kind === 'composite' && this.owns(rt.slo.id)).sort((a, b) => (this.heights.get(a.slo.id) ?? 0) - (this.heights.get(b.slo.id) ?? 0));
    for (const rt of composites) await this.derive(rt, toMs);
    this.cycleStats = fetcher.stats;
    this.tracker.prune(toMs);
  }

  private async catchUp(rt: SloRuntime, cursor: LedgerCursor | undefined, toMs: number, fetcher: RawSampleFetcher, steps: CounterStepReader, signal?: AbortSignal): Promise<void> {
    const horizon = Math.min(this.horizonOf(rt.slo), this.options.maxBackfillMs ?? Infinity);
    const oldest = alignDown(toMs - horizon, MEDIUM_STEP_MS);
    let from = cursor ? Math.max(cursor.lastSlotMs, oldest) : oldest;
    // At the start of a ledger a series starts at its first sample; anywhere else, a series without a sample
    // just before `from` may be in a scrape gap, and the increase across it is counted from its last sample
    // since the ledger's start.
    const lookup = (at: number): BaselineLookup | undefined => (at > oldest ? createBaselineLookup(this.deps.source, at - oldest, signal) : undefined);
    // Read history at the resolution the ledger keeps for its age (hourly beyond 73 h, 5-minute rows to 7 h),
    // so a 30-day backfill writes the rows that stay instead of rows the first rollup would delete.
    const phases: [number, number][] = [
      [alignDown(toMs - MEDIUM_RETENTION_MS, COARSE_STEP_MS), COARSE_STEP_MS],
      [alignDown(toMs - FINE_RETENTION_MS, MEDIUM_STEP_MS), MEDIUM_STEP_MS],
    ];
    for (const [until, step] of phases) {
      if (from >= until) continue;
      if (from % step !== 0) {
        // A gap that starts between two steps (a resumed ledger): read up to the next step boundary in full.
        const head = Math.min(Math.ceil(from / step) * step, until);
        await this.ingestFine(rt, cursor, from, head, undefined, fetcher, lookup(from), signal);
        if (rt.error !== undefined) return;
        from = head;
        if (from >= until) continue;
      }
      try {
        const baselines = lookup(from);
        const table = await feedCoarse(rt.plan, rt.slo.groupBy, { fromMs: from, toMs: until, slotMs: step }, {
          source: this.deps.source,
          steps,
          onReject: this.rejectSink(rt),
          ...(baselines ? { baselines } : {}),
          ...(signal ? { signal } : {}),
        });
        await this.write(rt, cursor, table, from, until, step);
        // The counter baselines this process holds for the SLO are older than the ledger now.
        this.tracker.forget(rt.slo.id);
        from = until;
      } catch (err) {
        await this.fail(rt, err);
        return;
      }
    }
    await this.ingestFine(rt, cursor, from, toMs, undefined, fetcher, lookup(from), signal);
  }

  /** Baselines of counter series first seen in a live slot, looked up as far back as the SLO's ledger reaches. */
  private baselineLookup(rt: SloRuntime, signal?: AbortSignal): BaselineLookup {
    return createBaselineLookup(this.deps.source, Math.min(this.horizonOf(rt.slo), this.options.maxBackfillMs ?? Infinity), signal);
  }

  private horizonOf(slo: Slo): number {
    return this.horizons.get(slo.id) ?? horizonMs(slo);
  }

  /**
   * Derives a composite's ledger up to `toMs` from its children's rows (`slo/composite.ts`), as far as every
   * child's ledger is written: no query. History is cut into cells at the resolution the ledger keeps for its
   * age (hourly beyond 73 h, 5-minute steps to 7 h, slots after), the cells the children's rows were written
   * in. A child that is unknown makes the composite unknown; it catches up with the child.
   */
  private async derive(rt: SloRuntime, toMs: number): Promise<void> {
    const { slo } = rt;
    const indicator = slo.indicator as CompositeIndicator;
    // A child held by another replica is read from the shared ledger as far as its cursor: its failures show
    // here as a cursor that does not reach the slot (the composite waits for it, as for a child not read yet).
    const failing = indicator.children.map((c) => ({ id: c.sloId, child: this.runtimes.get(c.sloId) })).find(({ id, child }) => child?.error !== undefined && this.owns(id));
    if (failing) {
      rt.error = `child ${failing.id} is unknown: ${failing.child?.error ?? ''}`;
      rt.errorKind = CHILD_UNKNOWN;
      return;
    }
    const childCursors = await Promise.all(indicator.children.map((c) => this.ledger.cursor(c.sloId)));
    const cursor = await this.ledger.cursor(slo.id);
    const upTo = Math.min(toMs, ...childCursors.map((c) => c?.lastSlotMs ?? -Infinity));
    const horizon = Math.min(this.horizonOf(slo), this.options.maxBackfillMs ?? Infinity);
    const oldest = alignDown(toMs - horizon, MEDIUM_STEP_MS);
    const from = cursor ? Math.max(cursor.lastSlotMs, oldest) : oldest;
    if (!Number.isFinite(upTo) || upTo <= from) {
      // Nothing new from the children (one has not been read yet, or the composite is as far as they are).
      if (cursor && Number.isFinite(upTo)) rt.ingestedMs = cursor.lastSlotMs;
      return;
    }
    const cells = cellEnds(from, upTo, [
      [alignDown(toMs - MEDIUM_RETENTION_MS, COARSE_STEP_MS), COARSE_STEP_MS],
      [alignDown(toMs - FINE_RETENTION_MS, MEDIUM_STEP_MS), MEDIUM_STEP_MS],
      [upTo, this.options.slotMs],
    ]);
    // Each child's instances and their rows over the range; the composite's instances are the label sets.
    const children: { weight: number; id: string; corrections: NonNullable<Slo['corrections']>; rows: Map<string, { inst: Instance; rows: CumulativeRow[] }> }[] = [];
    for (const c of indicator.children) {
      const rows = new Map<string, { inst: Instance; rows: CumulativeRow[] }>();
      for (const inst of await this.ledger.instancesOf(c.sloId)) rows.set(inst.key, { inst, rows: await this.ledger.cumulativeRows(inst.id, from, upTo) });
      children.push({ weight: c.weight, id: c.sloId, corrections: this.runtimes.get(c.sloId)?.slo.corrections ?? [], rows });
    }
    const keys = new Map<string, Readonly<Record<string, string>>>();
    for (const c of children) for (const { inst } of c.rows.values()) keys.set(inst.key, inst.labels);
    await this.deps.store.transaction(async (tx) => {
      for (const [key, labels] of keys) {
        const readers = children.map((c) => ({ ...c, at: floorReader(c.rows.get(key)?.rows ?? []) }));
        let start = from;
        for (const end of cells) {
          const parts = readers.map((c): ChildCell => {
            // A child's corrected time counts in the composite as it counts in the child: not at all.
            const ranges = c.corrections.length === 0 ? [] : correctedRanges({ corrections: c.corrections }, start, end);
            const sum = withoutRanges(diff(c.at(end), c.at(start)), ranges, (a, b) => diff(c.at(b), c.at(a)));
            return { weight: c.weight, bad: sum.bad, total: sum.total, data: sum.dataSlots > 0 };
          });
          const cell = combineCell(indicator.method, parts, end - start);
          start = end;
          if (!cell.data && cell.total === 0) continue;
          // The composite's own maintenance, as an SLO's: the cell keeps its data mark but counts no events.
          const inc = isInMaintenance(slo.maintenance, end - 1) ? { bad: 0, total: 0 } : { bad: cell.bad, total: cell.total };
          const inst = await tx.ledger.instance(slo.id, labels, end);
          await tx.ledger.append(inst.id, end, { ...inc, sliceBad: 0, slices: 0, data: cell.data });
        }
      }
      await tx.ledger.setCursor(slo.id, rt.fingerprint, cursor?.firstSlotMs ?? from, upTo);
    });
    if (rt.error !== undefined) this.deps.logger.info({ slo: slo.id }, 'composite SLO evaluated again: its children are known');
    delete rt.error;
    delete rt.errorKind;
    rt.ingestedMs = upTo;
  }

  private async ingestFine(rt: SloRuntime, cursor: LedgerCursor | undefined, fromMs: number, toMs: number, shared: Map<string, Series[]> | undefined, fetcher: RawSampleFetcher, baselines: BaselineLookup | undefined, signal?: AbortSignal): Promise<void> {
    const slot = this.options.slotMs;
    try {
      let raw = shared;
      const selectors = rawSelectorsOf(rt.plan);
      if (!raw && selectors.length > 0) raw = await fetcher.fetch(selectors, fromMs - LOOKBACK_MS, toMs);
      const table = await feedFine(rt.plan, rt.slo.groupBy, { fromMs, toMs, slotMs: slot }, {
        source: this.deps.source,
        tracker: this.tracker,
        raw: raw ?? new Map<string, Series[]>(),
        rateWindowMs: this.options.rateWindowMs,
        keyPrefix: rt.slo.id,
        onReject: this.rejectSink(rt),
        ...(baselines ? { baselines } : {}),
        ...(signal ? { signal } : {}),
      });
      await this.write(rt, cursor, table, fromMs, toMs, slot);
    } catch (err) {
      await this.fail(rt, err);
    }
  }

  /**
   * Where the feeds report samples they cannot count: the sample's slot is marked (the SLO is unknown when it
   * is evaluated), the rejection is counted for the cycle's report, and the first one of each series is logged.
   */
  private rejectSink(rt: SloRuntime): RejectSink {
    return (r: RejectedSample) => {
      const slot = slotOf(r.tsMs, this.options.slotMs);
      const reasons = rt.rejectedSlots.get(slot) ?? new Map<Rejection, number>();
      reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
      rt.rejectedSlots.set(slot, reasons);
      const countKey = `${rt.slo.id}\u0000${r.reason}`;
      const counted = this.cycleRejected.get(countKey);
      this.cycleRejected.set(countKey, { sloId: rt.slo.id, reason: r.reason, count: (counted?.count ?? 0) + 1 });
      const seriesKey = `${rt.slo.id}\u0000${labelsKey(r.labels)}`;
      const last = this.loggedSeries.get(seriesKey);
      if (last === undefined && this.loggedSeries.size >= LOGGED_SERIES_LIMIT) this.loggedSeries.clear();
      this.loggedSeries.set(seriesKey, Math.max(last ?? r.tsMs, r.tsMs));
      if (last !== undefined && r.tsMs - last < LOG_AGAIN_AFTER_MS) return;
      this.deps.logger.warn({
        slo: rt.slo.id,
        query: r.query,
        series: r.labels,
        value: String(r.value),
        reason: r.reason,
        at: new Date(r.tsMs).toISOString(),
        backend: this.deps.source.url,
      }, 'sample rejected: Prometheus sent a value that cannot be counted; it is left out and the SLO is unknown for its slot (logged once per series and hour)');
    };
  }

  /** A query failure makes the SLO unknown; a storage error is not the backend's: it ends the ingest (rethrown). */
  private async fail(rt: SloRuntime, err: unknown): Promise<void> {
    if (isStorageError(err)) throw err;
    if (err instanceof LedgerValueError && err.inStoredRow) {
      // An earlier version stored Inf in this ledger: nothing can be added to it, so it is read again.
      this.deps.logger.warn({ slo: rt.slo.id, err: err.message }, 'the SLO\'s ledger holds a non-finite sum; rebuilding it from Prometheus');
      await this.deps.store.transaction((tx) => tx.ledger.dropSlo(rt.slo.id));
      this.tracker.forget(rt.slo.id);
      delete rt.openSlices;
    }
    const message = describe(err);
    const kind = err instanceof MetricsSourceError ? err.kind : 'other';
    // Said once per change of state (a new kind of failure), not every cycle while it lasts.
    const fields = { slo: rt.slo.id, err: message, kind, backend: this.deps.source.url };
    if (rt.errorKind !== kind) this.deps.logger.warn(fields, 'SLO query failed; the SLO is unknown until it succeeds');
    else this.deps.logger.debug(fields, 'SLO query still failing');
    rt.error = message;
    rt.errorKind = kind;
  }

  /**
   * Each instance's events in the slice span open at `fromMs` (none when a span starts there): kept in memory
   * from the write that ended at `fromMs`, or, after a restart, a reload or a failed write, read from the ledger.
   */
  private async openSlices(rt: SloRuntime, budgeting: SlicedBudgeting, fromMs: number, stepMs: number): Promise<ReadonlyMap<number, EventCounts>> {
    const spanMs = sliceSpanMs(budgeting, stepMs);
    const startMs = alignDown(fromMs, spanMs);
    if (startMs === fromMs) return new Map();
    const kept = rt.openSlices;
    if (kept?.atMs === fromMs && kept.spanMs === spanMs) return kept.counts;
    const open = new Map<number, EventCounts>();
    for (const inst of await this.ledger.instancesOf(rt.slo.id)) {
      const sums = await this.ledger.sumsSince(inst.id, fromMs, [startMs]);
      open.set(inst.id, sums.get(startMs) ?? EMPTY_SUM);
    }
    return open;
  }

  /**
   * Writes a slot table into the ledger and advances the cursor, in one transaction. Timeslice SLOs count their
   * slices from the increments written (`slo/timeslices.ts`), with what the slice span open at `fromMs` held
   * before: kept from the last write, or read from the ledger before the transaction. `cursor` is the one the
   * cycle read (a ledger's first write sets its first slot).
   */
  private async write(rt: SloRuntime, cursor: LedgerCursor | undefined, table: SlotTable, fromMs: number, toMs: number, stepMs: number): Promise<void> {
    const { slo } = rt;
    const budgeting = slo.budgeting.kind === 'occurrences' ? undefined : slo.budgeting;
    const spanMs = budgeting && sliceSpanMs(budgeting, stepMs);
    const slices = budgeting && new SliceAccumulator(budgeting, stepMs, await this.openSlices(rt, budgeting, fromMs, stepMs));
    await this.deps.store.transaction(async (tx) => {
      const slots = [...table.keys()].filter((s) => s > fromMs && s <= toMs);
      // Slice boundaries need a row even when no data arrived in their last slot.
      if (spanMs !== undefined) for (let s = alignDown(fromMs, spanMs) + spanMs; s <= toMs; s += spanMs) slots.push(s);
      // Each instance's slots in time order, appended together (one round trip per instance on PostgreSQL).
      const appends = new Map<number, SlotAppend[]>();
      const add = (id: number, slotMs: number, inc: SlotAppend['inc']): void => {
        const list = appends.get(id);
        if (list === undefined) appends.set(id, [{ slotMs, inc }]);
        else list.push({ slotMs, inc });
      };
      for (const s of [...new Set(slots)].sort((a, b) => a - b)) {
        const maintenance = isInMaintenance(slo.maintenance, s - 1);
        const increments = new Map<number, Increment>();
        for (const row of table.get(s)?.values() ?? []) {
          const inst = await tx.ledger.instance(slo.id, row.labels, s);
          // Maintenance slots keep their data mark (the SLO is not "without data") but count no events.
          const inc = maintenance ? { bad: 0, total: 0, data: row.inc.data } : row.inc;
          increments.set(inst.id, inc);
          slices?.add(inst.id, inc);
        }
        const counted = spanMs !== undefined && s % spanMs === 0 ? slices?.close() : undefined;
        for (const [id, inc] of increments) add(id, s, { ...inc, ...(counted?.get(id) ?? NO_SLICES) });
        // An instance without data in the boundary's slot counts its slice all the same.
        for (const [id, count] of counted ?? []) if (!increments.has(id)) add(id, s, { bad: 0, total: 0, data: false, ...count });
      }
      for (const [id, list] of appends) await (list.length === 1 && list[0] ? tx.ledger.append(id, list[0].slotMs, list[0].inc) : tx.ledger.appendAll(id, list));
      await tx.ledger.setCursor(slo.id, rt.fingerprint, cursor?.firstSlotMs ?? fromMs, toMs);
    });
    if (spanMs !== undefined && slices) rt.openSlices = { atMs: toMs, spanMs, counts: slices.carried() };
    if (rt.error !== undefined) this.deps.logger.info({ slo: slo.id }, 'SLO queries succeed again');
    delete rt.error;
    delete rt.errorKind;
    rt.ingestedMs = toMs;
  }

  /**
   * Evaluates every SLO instance at `atMs` from the ledger and advances the alerts: reads the sums each
   * evaluation needs, evaluates and decides (pure: `evaluateInstance`, `advanceAlerts`), then writes the
   * changed alerts and the notifications they cause in one transaction. Memory follows only a committed
   * transaction: a decision that was not recorded is taken again next cycle (a page is not lost, a resolve
   * not skipped).
   */
  async evaluateAt(atMs: number): Promise<CycleReport> {
    await this.loadAlerts();
    // Ownership changes only between cycles (a lost session drops it at once: checked again before the commit).
    const owned = new Set([...this.runtimes.keys()].filter((id) => this.owns(id)));
    const others = [...this.runtimes.keys()].filter((id) => !owned.has(id));
    // What the holders of the other SLOs' shards decided, as context (inhibition, composites) and for the API.
    if (others.length > 0) this.replaceAlerts(others, await this.deps.store.alerts.ofSlos(others));
    const statuses = new Map<string, SloStatus>();
    const observed: Observed[] = [];
    let failed = 0;
    let rejectedSlos = 0;
    // A composite is unknown where a child is: its ledger holds only what the child's could count.
    const rejectedNow = new Map<string, Map<Rejection, number>>();
    for (const rt of this.runtimes.values()) {
      const reasons = rt.rejectedSlots.get(atMs);
      if (reasons !== undefined) rejectedNow.set(rt.slo.id, reasons);
    }
    for (const rt of this.runtimes.values()) {
      const { slo } = rt;
      if (!owned.has(slo.id)) {
        const view = await this.observeElsewhere(rt, atMs);
        if (typeof view === 'string') statuses.set(slo.id, { slo, state: 'unknown', error: view, errorKind: NOT_EVALUATED, evaluatedAtMs: this.statuses.get(slo.id)?.evaluatedAtMs ?? 0, instances: this.statuses.get(slo.id)?.instances ?? [] });
        else if (view !== undefined) {
          observed.push(...view.instances);
          statuses.set(slo.id, { slo, state: 'ok', evaluatedAtMs: view.atMs, instances: [] });
        }
        continue;
      }
      const rejected = rt.rejectedSlots.get(atMs) ?? this.rejectedChild(slo, rejectedNow);
      for (const s of rt.rejectedSlots.keys()) if (s <= atMs) rt.rejectedSlots.delete(s);
      const prev = this.statuses.get(slo.id);
      const kept = { ...(prev?.evaluatedAtMs === undefined ? {} : { evaluatedAtMs: prev.evaluatedAtMs }), instances: prev?.instances ?? [] };
      if (rejected !== undefined && rt.error === undefined) {
        // Samples of this slot were rejected: the ledger holds only what could be counted, so this slot is not
        // evaluated (no page, no resolve); the next one is, and the counter baselines bring the hidden events back.
        failed++;
        rejectedSlos++;
        const list = [...rejected].map(([reason, n]) => `${reason}: ${n}`).join(', ');
        statuses.set(slo.id, { slo, state: 'unknown', error: `Prometheus sent samples that cannot be counted (${list}); they are left out and the SLO is unknown for this slot`, errorKind: REJECTED_SAMPLES, ...kept });
        continue;
      }
      if (rt.error !== undefined || rt.ingestedMs === undefined || rt.ingestedMs < atMs) {
        failed++;
        statuses.set(slo.id, { slo, state: rt.ingestedMs === undefined && rt.error === undefined ? 'waiting' : 'unknown', ...(rt.error === undefined ? {} : { error: rt.error }), ...(rt.errorKind === undefined ? {} : { errorKind: rt.errorKind }), ...kept });
        continue;
      }
      observed.push(...await this.observe(slo, atMs, false));
      statuses.set(slo.id, { slo, state: 'ok', evaluatedAtMs: atMs, instances: [] });
    }
    const sink = this.deps.sink;
    const suppression = await this.deps.suppression?.(atMs);
    const decision = advanceAlerts({
      atMs,
      instances: observed,
      alerts: this.alerts,
      slos: new Map([...this.runtimes].map(([id, rt]) => [id, rt.slo])),
      ...(suppression === undefined ? {} : { suppression }),
      reminders: sink?.heartbeat !== undefined,
      links: this.options.links,
    });
    // Instances held elsewhere were observed frozen, for their phases only: nothing of theirs is written here.
    const mine = (sloId: string): boolean => owned.has(sloId) && this.owns(sloId);
    const changed = decision.changed.filter((a) => mine(a.sloId));
    const transitions = decision.transitions.filter((t) => mine(t.sloId));
    const notifications = decision.notifications.filter((n) => mine(sloIdOf(n.alertKey)));
    const firing = decision.firing.filter((f) => mine(sloIdOf(f.alertKey)));
    // The heartbeat runs every cycle, also with nothing firing: resolved alerts are re-sent to Alertmanager
    // for a while after they resolve.
    if (changed.length > 0 || notifications.length > 0 || sink?.heartbeat !== undefined) {
      await this.deps.store.transaction(async (tx) => {
        for (const a of changed) await tx.alerts.save(a);
        for (const t of transitions) await tx.alerts.record(t);
        if (notifications.length > 0) await sink?.enqueue(tx, notifications, atMs);
        await sink?.heartbeat?.(tx, firing, atMs);
      });
    }
    for (const a of changed) this.alerts.set(a.alertKey, a);
    const byInstance = new Map<string, InstanceStatus[]>();
    observed.forEach((o, i) => {
      const phases = decision.instances[i];
      if (phases === undefined) return;
      const list = byInstance.get(o.slo.id) ?? [];
      list.push({ key: o.key, labels: o.labels, observation: o.observation, ...phases, maintenance: o.maintenance, ...(o.correction === undefined ? {} : { correction: o.correction }) });
      byInstance.set(o.slo.id, list);
    });
    for (const [id, status] of statuses) this.statuses.set(id, status.state === 'ok' ? { ...status, instances: byInstance.get(id) ?? [] } : status);
    return { atMs, evaluated: owned.size - failed, failed, rejectedSlos, notifications: notifications.length, stats: this.cycleStats, rejected: [...this.cycleRejected.values()] };
  }

  /**
   * An SLO another replica holds, as its holder evaluates it: read from the shared ledger (no query, no write) at
   * the last slot its holder wrote, at most `atMs` (replicas run their cycles at the same slots: the holder may
   * not have written this one yet), frozen so that its alerts show the phases the holder stored. Undefined while
   * nothing is written for this definition of the SLO (it keeps its status); a message when the holder has written
   * nothing for two slots (no replica holds the shard, or its holder cannot read the backend).
   */
  private async observeElsewhere(rt: SloRuntime, atMs: number): Promise<{ atMs: number; instances: Observed[] } | string | undefined> {
    const cursor = await this.ledger.cursor(rt.slo.id);
    if (cursor === undefined || cursor.fingerprint !== rt.fingerprint) return undefined;
    if (cursor.lastSlotMs < atMs - 2 * this.options.slotMs) return `not evaluated by the replica that holds its shard since ${new Date(cursor.lastSlotMs).toISOString()}`;
    const at = Math.min(atMs, cursor.lastSlotMs);
    return { atMs: at, instances: await this.observe(rt.slo, at, true) };
  }

  /** Each instance of an SLO evaluated from the ledger at `atMs`; `frozen` holds its alerts (else only maintenance and corrections do). */
  private async observe(slo: Slo, atMs: number, frozen: boolean): Promise<Observed[]> {
    const maintenance = isInMaintenance(slo.maintenance, atMs);
    // A budget correction that covers the instant freezes the alerts as maintenance does.
    const correction = correctionAt(slo, atMs)?.name;
    const starts = startsRead(slo, atMs);
    const out: Observed[] = [];
    for (const inst of await this.ledger.instancesOf(slo.id)) {
      if (inst.createdSlotMs > atMs) continue; // appears later (the ledger may be read ahead in a replay)
      const observation = evaluateInstance(slo, readSums(slo, atMs, sumReader(atMs, await this.ledger.sumsSince(inst.id, atMs, starts))), atMs);
      out.push({ slo, key: inst.key, labels: inst.labels, observation, frozen: frozen || maintenance || correction !== undefined, maintenance, ...(correction === undefined ? {} : { correction }) });
    }
    return out;
  }

  /** For a composite, the rejected samples of a child (at any depth) in `rejectedNow`. */
  private rejectedChild(slo: Slo, rejectedNow: ReadonlyMap<string, Map<Rejection, number>>): Map<Rejection, number> | undefined {
    if (slo.indicator.kind !== 'composite') return undefined;
    for (const c of slo.indicator.children) {
      const child = this.runtimes.get(c.sloId);
      const found = rejectedNow.get(c.sloId) ?? (child ? this.rejectedChild(child.slo, rejectedNow) : undefined);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** Thins and expires ledger rows (run about hourly). */
  rollup(nowMs: number): Promise<void> {
    const retention = new Map<string, number>();
    for (const rt of this.runtimes.values()) if (this.owns(rt.slo.id)) retention.set(rt.slo.id, this.horizonOf(rt.slo) + DAY);
    return this.ledger.rollup(nowMs, retention);
  }

  /** Ledger horizon of the current SLOs, for messages and the benchmark. */
  periodOf(slo: Slo): number {
    return nominalPeriodMs(slo.period);
  }
}

/**
 * Where the sums an evaluation of `slo` at `atMs` reads start (each window's, the budget period's, the bounds of
 * the budget corrections taken out of them): `readSums` run once on a reader that only notes what it is asked.
 */
function startsRead(slo: Slo, atMs: number): number[] {
  const starts = new Set<number>();
  readSums(slo, atMs, {
    window: (ms) => {
      starts.add(atMs - ms);
      return EMPTY_SUM;
    },
    since: (startMs) => {
      starts.add(startMs);
      return EMPTY_SUM;
    },
  });
  return [...starts];
}

/** The sums read ahead (by start) as the reader `readSums` takes. */
function sumReader(atMs: number, sums: ReadonlyMap<number, WindowSum>): SumReader {
  const since = (startMs: number): WindowSum => {
    const sum = sums.get(startMs);
    if (sum === undefined) throw new Error(`the sums from ${new Date(startMs).toISOString()} were not read (startsRead lists every start an evaluation reads)`);
    return sum;
  };
  return { window: (ms) => since(atMs - ms), since };
}

export function alignDown(ms: number, step: number): number {
  return Math.floor(ms / step) * step;
}

/**
 * Each SLO's horizon, extended to the horizon of every composite that holds it (directly or through other
 * composites): a child's ledger must reach as far back as its composites' periods and windows.
 */
function effectiveHorizons(slos: ReadonlyMap<string, Slo>, heights: ReadonlyMap<string, number>): Map<string, number> {
  const parents = parentsOf(slos.values());
  const out = new Map<string, number>();
  // Highest first: a composite's own horizon is final before its children read it.
  for (const slo of [...slos.values()].sort((a, b) => (heights.get(b.id) ?? 0) - (heights.get(a.id) ?? 0))) {
    const fromParents = (parents.get(slo.id) ?? []).map((p) => out.get(p) ?? 0);
    out.set(slo.id, Math.max(horizonMs(slo), ...fromParents));
  }
  return out;
}

/** The ends of the cells (from, toMs]: aligned to each phase's step while before its end ([end, step], oldest first). */
export function cellEnds(fromMs: number, toMs: number, phases: readonly (readonly [number, number])[]): number[] {
  const ends: number[] = [];
  let at = fromMs;
  for (const [until, step] of phases) {
    const stop = Math.min(until, toMs);
    while (at < stop) {
      at = Math.min(alignDown(at, step) + step, stop);
      ends.push(at);
    }
  }
  return ends;
}

/** Cumulative sums at instants read in increasing order: the last row at or before each (no rows: zero). */
/** What of an SLO's corrections a composite's derived rows depend on: the corrected time, not names or reasons. */
function correctionsKey(slo: Slo | undefined): string {
  const corrections = slo?.corrections ?? [];
  return corrections.length === 0 ? '' : JSON.stringify(corrections.map((c) => [c.startMs, c.durationMs, c.everyMs ?? null]));
}

function floorReader(rows: readonly CumulativeRow[]): (atMs: number) => WindowSum {
  let i = -1;
  return (atMs) => {
    while (i + 1 < rows.length && (rows[i + 1]?.slotMs ?? Infinity) <= atMs) i++;
    // An instant before the last one read (never: cells come in order) still gets the right row.
    while (i >= 0 && (rows[i]?.slotMs ?? -Infinity) > atMs) i--;
    return i < 0 ? EMPTY_SUM : (rows[i]?.sum ?? EMPTY_SUM);
  };
}

/** The SLO of an alert key (`<slo id>/<instance>/<kind>`; SLO ids hold no `/`). */
function sloIdOf(alertKey: string): string {
  const i = alertKey.indexOf('/');
  return i === -1 ? alertKey : alertKey.slice(0, i);
}

function describe(err: unknown): string {
  if (err instanceof MetricsSourceError) return err.message;
  return err instanceof Error ? err.message : String(err);
}
