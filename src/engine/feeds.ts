import type { Labels, MetricsSource, QueryStats, Series } from '../metrics/source.js';
import type { LabelMatcher } from '../promql/syntax.js';
import { formatMatchers, matches, renderWindow } from '../promql/syntax.js';
import { formatDuration } from '../slo/duration.js';
import { labelsKey } from '../slo/labels.js';
import type { BaselineLookup, CounterStepReader, SeriesSteps } from './counter-steps.js';
import { seriesKey } from './counter-steps.js';
import type { CounterSelector, CounterSum, FeedPlan } from './plan.js';
import { counterSelectorsOf, sumLabels } from './plan.js';
import type { Rejection, SampleToCheck } from './sample-check.js';
import { classifySample, isRejection } from './sample-check.js';

/**
 * Turns Prometheus data into per-slot, per-instance increments for the ledger. A slot is (end - slot, end];
 * a sample at time ts belongs to the slot ending at ceil(ts / slot) x slot.
 */

export interface Increment {
  bad: number;
  total: number;
  data: boolean;
}

export interface InstanceRow {
  readonly labels: Readonly<Record<string, string>>;
  readonly inc: Increment;
}

/** slot end -> instance key -> row. */
export type SlotTable = Map<number, Map<string, InstanceRow>>;

export interface FeedWindow {
  /** Exclusive start and inclusive end of the slots to fill (both multiples of slotMs). */
  readonly fromMs: number;
  readonly toMs: number;
  readonly slotMs: number;
}

/** A sample `classifySample` rejected: never counted, reported through the feeds' `onReject`. */
export interface RejectedSample {
  /** The selector or expression whose answer held it. */
  readonly query: string;
  readonly labels: Labels;
  readonly tsMs: number;
  readonly value: number;
  readonly reason: Rejection;
}

export type RejectSink = (rejected: RejectedSample) => void;

/** Prometheus's default lookback: a series without a sample for this long is no longer present. */
export const LOOKBACK_MS = 5 * 60_000;
/** Series not seen for this long are forgotten by the counter tracker. */
const FORGET_AFTER_MS = 60 * 60_000;

export function slotOf(tsMs: number, slotMs: number): number {
  return Math.ceil(tsMs / slotMs) * slotMs;
}

function instanceOf(labels: Readonly<Record<string, string>>, groupBy: readonly string[]): { key: string; labels: Record<string, string> } {
  const out: Record<string, string> = {};
  for (const g of groupBy) out[g] = labels[g] ?? '';
  return { key: labelsKey(out), labels: out };
}

function rowFor(table: SlotTable, slot: number, inst: { key: string; labels: Record<string, string> }): Increment {
  let bySlot = table.get(slot);
  if (!bySlot) {
    bySlot = new Map();
    table.set(slot, bySlot);
  }
  let row = bySlot.get(inst.key);
  if (!row) {
    row = { labels: inst.labels, inc: { bad: 0, total: 0, data: false } };
    bySlot.set(inst.key, row);
  }
  return row.inc;
}

/**
 * Remembers the last sample of every counter series so each cycle differences only what is new
 * (reset-aware, as Prometheus's `increase` treats a drop as a restart from zero).
 */
export class CounterTracker {
  private readonly last = new Map<string, { ts: number; v: number }>();

  /**
   * Increments of a series' samples after `fromMs`: [timestamp, increase] pairs. Samples at or before
   * `fromMs` only set the baseline (when the series is not known yet); the first sample of a new series
   * is a baseline too, as in Prometheus. Samples `classifySample` rejects are skipped (and those after
   * `fromMs` passed to `onReject`); they never become the baseline.
   */
  diff(key: string, points: Series['points'], fromMs: number, onReject?: (tsMs: number, value: number, reason: Rejection) => void): [number, number][] {
    const out: [number, number][] = [];
    let prev = this.last.get(key);
    for (const [ts, v] of points) {
      if (prev && ts <= prev.ts) continue;
      const verdict = classifySample({ kind: 'counter', tsMs: ts, value: v, prev: prev && { tsMs: prev.ts, value: prev.v } });
      if (isRejection(verdict)) {
        if (ts > fromMs) onReject?.(ts, v, verdict);
        continue;
      }
      if (ts <= fromMs) {
        prev = { ts, v };
        continue;
      }
      if (prev) out.push([ts, verdict === 'reset' ? v : v - prev.v]);
      prev = { ts, v };
    }
    if (prev) this.last.set(key, prev);
    return out;
  }

  has(key: string): boolean {
    return this.last.has(key);
  }

  /** Sets the baseline of a series: the value of its last sample at or before `tsMs`. */
  seed(key: string, tsMs: number, value: number): void {
    this.last.set(key, { ts: tsMs, v: value });
  }

  /** Forgets the series of one SLO (its ledger moved on without them: a coarse backfill, a rebuilt ledger). */
  forget(prefix: string): void {
    for (const k of this.last.keys()) if (k.startsWith(`${prefix}|`)) this.last.delete(k);
  }

  /** Drops series not seen for an hour (targets gone, label churn). */
  prune(nowMs: number): void {
    for (const [k, p] of this.last) if (nowMs - p.ts > FORGET_AFTER_MS) this.last.delete(k);
  }

  get size(): number {
    return this.last.size;
  }
}

/**
 * Raw samples for many selectors at once: selectors of the same metric share one request (with the matchers
 * they all have in common), and each selector's series are picked out locally with its own matchers. This is
 * how thousands of SLOs over `http_requests_total{service="..."}` cost one query per metric and cycle.
 */
export class RawSampleFetcher {
  stats: QueryStats = {};

  constructor(private readonly source: MetricsSource, private readonly options: { signal?: AbortSignal; stats?: boolean } = {}) {}

  async fetch(selectors: readonly CounterSelector[], fromMs: number, toMs: number): Promise<Map<string, Series[]>> {
    const out = new Map<string, Series[]>();
    await Promise.all(groupByMetric(selectors).map(async ({ metric, common, selectors: group }) => {
      const query = `${metric}${formatMatchers(common)}`;
      const result = await this.source.rawSamples(query, new Date(fromMs), new Date(toMs), {
        ...(this.options.signal ? { signal: this.options.signal } : {}),
        ...(this.options.stats === true ? { stats: true } : {}),
      });
      this.addStats(result.stats);
      const index = new SeriesIndex(result.series);
      for (const sel of group) out.set(sel.text, index.select(sel.matchers.filter((m) => !common.some((c) => sameMatcher(c, m)))));
    }));
    return out;
  }

  private addStats(stats: QueryStats | undefined): void {
    if (!stats) return;
    this.stats = {
      totalQueryableSamples: (this.stats.totalQueryableSamples ?? 0) + (stats.totalQueryableSamples ?? 0),
      peakSamples: Math.max(this.stats.peakSamples ?? 0, stats.peakSamples ?? 0),
    };
  }
}

function sameMatcher(a: LabelMatcher, b: LabelMatcher): boolean {
  return a.name === b.name && a.op === b.op && a.value === b.value;
}

/** Distinct selectors grouped by metric, with the matchers every selector of the group has. */
function groupByMetric(selectors: readonly CounterSelector[]): { metric: string; common: LabelMatcher[]; selectors: CounterSelector[] }[] {
  const byMetric = new Map<string, CounterSelector[]>();
  for (const s of selectors) {
    const list = byMetric.get(s.metric) ?? [];
    if (!list.some((x) => x.text === s.text)) list.push(s);
    byMetric.set(s.metric, list);
  }
  return [...byMetric].map(([metric, group]) => ({ metric, common: commonMatchers(group), selectors: group }));
}

function commonMatchers(group: readonly CounterSelector[]): LabelMatcher[] {
  const [first, ...rest] = group;
  if (!first) return [];
  return first.matchers.filter((m) => rest.every((s) => s.matchers.some((o) => sameMatcher(o, m))));
}

/** Series indexed by the values of their labels, so an equality matcher finds candidates without a scan. */
class SeriesIndex {
  private readonly byLabel = new Map<string, Map<string, Series[]>>();

  constructor(private readonly series: readonly Series[]) {}

  select(matchers: readonly LabelMatcher[]): Series[] {
    const eq = matchers.find((m) => m.op === '=' && m.value !== '');
    const candidates = eq ? this.lookup(eq.name, eq.value) : this.series;
    return candidates.filter((s) => matchers.every((m) => matches(s.labels, m)));
  }

  private lookup(name: string, value: string): readonly Series[] {
    let index = this.byLabel.get(name);
    if (!index) {
      index = new Map();
      for (const s of this.series) {
        const v = s.labels[name];
        if (v === undefined) continue;
        const list = index.get(v) ?? [];
        list.push(s);
        index.set(v, list);
      }
      this.byLabel.set(name, index);
    }
    return index.get(value) ?? [];
  }
}

/** Adds counted events to a row: total ones, and bad ones (good events count as total minus good). */
function addCounted(row: Increment, count: 'bad' | 'good', which: 'events' | 'total', n: number): void {
  if (which === 'total') {
    row.total += n;
    if (count === 'good') row.bad += n;
  } else {
    row.bad += count === 'bad' ? n : -n;
  }
}

/** Marks, per slot, the instances whose series had a sample within the lookback (data present). */
function markPresence(table: SlotTable, series: readonly Series[], instance: (labels: Labels) => { key: string; labels: Record<string, string> }, window: FeedWindow): void {
  for (const s of series) {
    const inst = instance(s.labels);
    let i = 0;
    let lastTs: number | undefined;
    for (let slot = window.fromMs + window.slotMs; slot <= window.toMs; slot += window.slotMs) {
      while (i < s.points.length && (s.points[i]?.[0] ?? Infinity) <= slot) {
        lastTs = s.points[i]?.[0];
        i++;
      }
      if (lastTs !== undefined && slot - lastTs < LOOKBACK_MS) rowFor(table, slot, inst).data = true;
    }
  }
}

/**
 * Whether a value read from Prometheus counts: false for a sample without events (`empty`) and for a rejected
 * one, which is reported to `onReject` and never counted.
 */
function counts(check: SampleToCheck, at: { query: string; labels: Labels; tsMs: number }, onReject: RejectSink | undefined): boolean {
  const verdict = classifySample(check);
  if (isRejection(verdict)) {
    onReject?.({ ...at, value: check.value, reason: verdict });
    return false;
  }
  return verdict !== 'empty';
}

/**
 * Fills slots (from, to] at full resolution: what each cycle, and a gap after a restart, needs. Samples that
 * cannot be counted (see sample-check.ts) are left out and reported to `onReject`.
 */
export async function feedFine(plan: FeedPlan, groupBy: readonly string[], window: FeedWindow, deps: {
  source: MetricsSource;
  tracker: CounterTracker;
  raw: Map<string, Series[]>;
  rateWindowMs: number;
  keyPrefix: string;
  /** Baselines of counter series seen first inside the window; none at the very start of a ledger. */
  baselines?: BaselineLookup;
  signal?: AbortSignal;
  onReject?: RejectSink;
}): Promise<SlotTable> {
  const table: SlotTable = new Map();
  switch (plan.kind) {
    case 'counters': {
      const selectors = counterSelectorsOf(plan);
      const keyed = new Map(selectors.map((sel) => [sel.text, (deps.raw.get(sel.text) ?? []).map((s) => ({ s, key: `${deps.keyPrefix}|${sel.text}|${labelsKey(s.labels)}` }))]));
      // Series seen without a baseline (new, back from a gap longer than the tracker keeps them, or the first
      // read after a restart) get the last sample before the window from the backend, so the increase across
      // a gap of any length is counted.
      if (deps.baselines) {
        for (const sel of selectors) {
          const missing = (keyed.get(sel.text) ?? []).filter(({ s, key }) => !deps.tracker.has(key) && !s.points.some(([t]) => t <= window.fromMs) && s.points.some(([t]) => t > window.fromMs));
          if (missing.length === 0) continue;
          const found = await deps.baselines.find(sel.metric, missing.map(({ s }) => s.labels), window.fromMs);
          for (const { s, key } of missing) {
            const v = found.get(seriesKey(s.labels));
            if (v !== undefined && Number.isFinite(v) && v >= 0) deps.tracker.seed(key, window.fromMs, v);
          }
        }
      }
      // Each selector's series are differenced once, whichever sums and signs use them.
      const increments = new Map<string, { labels: Labels; points: [number, number][] }[]>();
      for (const [text, list] of keyed) {
        increments.set(text, list.map(({ s, key }) => {
          const onReject = (tsMs: number, value: number, reason: Rejection): void => deps.onReject?.({ query: text, labels: s.labels, tsMs, value, reason });
          return { labels: s.labels, points: deps.tracker.diff(key, s.points, window.fromMs, onReject) };
        }));
      }
      const add = (sum: CounterSum, which: 'events' | 'total'): void => {
        for (const term of sum.terms) {
          for (const s of increments.get(term.selector.text) ?? []) {
            const inst = instanceOf(sumLabels(sum, s.labels), groupBy);
            for (const [ts, inc] of s.points) {
              const slot = slotOf(ts, window.slotMs);
              if (slot <= window.fromMs || slot > window.toMs) continue;
              addCounted(rowFor(table, slot, inst), plan.count, which, term.sign * inc);
            }
          }
        }
      };
      add(plan.total, 'total');
      add(plan.events, 'events');
      // Slots where good events arrived but total ones did not (scrape skew) keep a negative share;
      // window sums stay right because the ledger is cumulative.
      for (const term of plan.total.terms) markPresence(table, deps.raw.get(term.selector.text) ?? [], (labels) => instanceOf(sumLabels(plan.total, labels), groupBy), window);
      return table;
    }
    case 'gauge': {
      const series = deps.raw.get(plan.selector.text) ?? [];
      for (const s of series) {
        const inst = instanceOf(s.labels, groupBy);
        for (const [ts, v] of s.points) {
          if (ts <= window.fromMs || ts > window.toMs) continue;
          if (!counts({ kind: 'gauge', value: v }, { query: plan.selector.text, labels: s.labels, tsMs: ts }, deps.onReject)) continue;
          const row = rowFor(table, slotOf(ts, window.slotMs), inst);
          row.total += 1;
          row.bad += 1 - v;
        }
      }
      markPresence(table, series, (labels) => instanceOf(labels, groupBy), window);
      return table;
    }
    case 'composite':
      return table;
    case 'rates':
    case 'ratio': {
      const rateWindow = formatDuration(deps.rateWindowMs);
      const start = new Date(window.fromMs + window.slotMs);
      const end = new Date(window.toMs);
      const range = async (template: string): Promise<readonly Series[]> => {
        const r = await deps.source.rangeQuery(renderWindow(template, rateWindow), start, end, window.slotMs, deps.signal ? { signal: deps.signal } : {});
        return r.series;
      };
      const check = (kind: 'rate' | 'ratio', query: string, labels: Labels, tsMs: number, value: number): boolean => counts({ kind, value }, { query, labels, tsMs }, deps.onReject);
      const seconds = window.slotMs / 1000;
      if (plan.kind === 'ratio') {
        const perSlot = new Map<number, Map<string, { labels: Record<string, string>; sum: number; n: number }>>();
        for (const s of await range(plan.template)) {
          const inst = instanceOf(s.labels, groupBy);
          for (const [ts, v] of s.points) {
            const slot = slotOf(ts, window.slotMs);
            const m = perSlot.get(slot) ?? new Map<string, { labels: Record<string, string>; sum: number; n: number }>();
            perSlot.set(slot, m);
            const acc = m.get(inst.key) ?? { labels: inst.labels, sum: 0, n: 0 };
            m.set(inst.key, acc);
            if (check('ratio', plan.template, s.labels, ts, v)) {
              acc.sum += plan.meaning === 'error' ? v : 1 - v;
              acc.n += 1;
            }
          }
        }
        for (const [slot, m] of perSlot) {
          for (const [key, acc] of m) {
            const row = rowFor(table, slot, { key, labels: acc.labels });
            row.data = true;
            if (acc.n > 0) {
              row.bad += Math.min(1, Math.max(0, acc.sum / acc.n)) * seconds;
              row.total += seconds;
            }
          }
        }
        return table;
      }
      const [events, total] = await Promise.all([range(plan.events), range(plan.total)]);
      const add = (series: readonly Series[], which: 'events' | 'total'): void => {
        for (const s of series) {
          const inst = instanceOf(s.labels, groupBy);
          for (const [ts, v] of s.points) {
            const row = rowFor(table, slotOf(ts, window.slotMs), inst);
            if (which === 'total') row.data = true;
            if (!check('rate', which === 'total' ? plan.total : plan.events, s.labels, ts, v)) continue;
            const n = v * seconds;
            if (which === 'total') row.total += n;
            else if (plan.count === 'bad') row.bad += n;
            else row.bad -= n;
          }
        }
      };
      add(total, 'total');
      add(events, 'events');
      if (plan.count === 'good') for (const bySlot of table.values()) for (const r of bySlot.values()) r.inc.bad += r.inc.total;
      return table;
    }
  }
}

/** Every counter/gauge selector a plan reads raw samples of. */
export function rawSelectorsOf(plan: FeedPlan): CounterSelector[] {
  switch (plan.kind) {
    case 'counters':
      return counterSelectorsOf(plan);
    case 'gauge':
      return [plan.selector];
    default:
      return [];
  }
}

/**
 * Fills slots (from, to] coarsely, `stepMs` at a time (5 minutes, an hour), without fetching every raw
 * sample: how a long history (30 days on first start, or a new SLO) is backfilled. Counters are read exactly
 * (`counter-steps.ts`: every increment in the step of its later sample, across gaps and restarts); gauges with
 * `count_over_time`/`sum_over_time` (every sample once); sampled expressions over the step. Each step's sums
 * land on its step boundary.
 */
export async function feedCoarse(plan: FeedPlan, groupBy: readonly string[], window: FeedWindow, deps: {
  source: MetricsSource;
  steps: CounterStepReader;
  baselines?: BaselineLookup;
  signal?: AbortSignal;
  onReject?: RejectSink;
}): Promise<SlotTable> {
  const table: SlotTable = new Map();
  const step = window.slotMs;
  const stepText = formatDuration(step);
  const by = groupBy.length > 0 ? ` by (${groupBy.join(', ')})` : '';
  const start = new Date(window.fromMs + step);
  const end = new Date(window.toMs);
  const options = deps.signal ? { signal: deps.signal } : {};
  const range = async (query: string): Promise<{ query: string; series: readonly Series[] }> => ({ query, series: (await deps.source.rangeQuery(query, start, end, step, options)).series });
  const add = ({ query, series }: { query: string; series: readonly Series[] }, apply: (row: Increment, v: number) => void, data: boolean): void => {
    const kind = plan.kind === 'rates' ? 'rate' : plan.kind === 'ratio' ? 'ratio' : 'count';
    for (const s of series) {
      const inst = instanceOf(s.labels, groupBy);
      for (const [ts, v] of s.points) {
        const row = rowFor(table, slotOf(ts, step), inst);
        if (data) row.data = true;
        if (counts({ kind, value: v }, { query, labels: s.labels, tsMs: ts }, deps.onReject)) apply(row, v);
      }
    }
  };
  const seconds = step / 1000;
  switch (plan.kind) {
    case 'counters': {
      // One read per metric, with the matchers its selectors share; each selector picks its series out.
      const groups = groupByMetric(counterSelectorsOf(plan));
      const read = await Promise.all(groups.map((g) => deps.steps.read(g.metric, g.common, { fromMs: window.fromMs, toMs: window.toMs, stepMs: step }, deps.baselines)));
      const bySelector = new Map<string, SeriesSteps[]>();
      groups.forEach((g, i) => {
        for (const sel of g.selectors) {
          const own = sel.matchers.filter((m) => !g.common.some((c) => sameMatcher(c, m)));
          bySelector.set(sel.text, (read[i] ?? []).filter((s) => own.every((m) => matches(s.labels, m))));
        }
      });
      const addSum = (sum: CounterSum, which: 'events' | 'total'): void => {
        for (const term of sum.terms) {
          for (const s of bySelector.get(term.selector.text) ?? []) {
            const inst = instanceOf(sumLabels(sum, s.labels), groupBy);
            for (const [at, inc] of s.increments) addCounted(rowFor(table, at, inst), plan.count, which, term.sign * inc);
            if (which === 'total') for (const at of s.present) rowFor(table, at, inst).data = true;
            for (const r of s.rejected) deps.onReject?.({ query: term.selector.text, labels: s.labels, tsMs: r.tsMs, value: r.value, reason: r.reason });
          }
        }
      };
      addSum(plan.total, 'total');
      addSum(plan.events, 'events');
      return table;
    }
    case 'gauge': {
      const [count, sum] = await Promise.all([
        range(`sum${by} (count_over_time(${plan.selector.text}[${stepText}]))`),
        range(`sum${by} (sum_over_time(${plan.selector.text}[${stepText}]))`),
      ]);
      add(count, (r, v) => { r.total += v; r.bad += v; }, true);
      add(sum, (r, v) => { r.bad -= v; }, false);
      return table;
    }
    case 'rates': {
      const [events, total] = await Promise.all([range(renderWindow(plan.events, stepText)), range(renderWindow(plan.total, stepText))]);
      add(total, (r, v) => { r.total += v * seconds; if (plan.count === 'good') r.bad += v * seconds; }, true);
      add(events, (r, v) => { r.bad += (plan.count === 'bad' ? v : -v) * seconds; }, false);
      return table;
    }
    case 'composite':
      return table;
    case 'ratio': {
      const series = await range(renderWindow(plan.template, stepText));
      add(series, (r, v) => {
        r.bad += Math.min(1, Math.max(0, plan.meaning === 'error' ? v : 1 - v)) * seconds;
        r.total += seconds;
      }, true);
      return table;
    }
  }
}
