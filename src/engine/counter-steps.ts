import type { Labels, MetricsSource, Point, Series } from '../metrics/source.js';
import type { LabelMatcher } from '../promql/syntax.js';
import { formatMatchers } from '../promql/syntax.js';
import { formatDuration } from '../slo/duration.js';
import { labelsKey } from '../slo/labels.js';
import type { Rejection } from './sample-check.js';
import { classifySample, isRejection } from './sample-check.js';

/**
 * Exact counter increments over long history, one step (5 minutes, an hour) at a time, without fetching every
 * raw sample. For each step end `s` the backend gives, per series, over the samples in (s - step, s]:
 *
 *   last_over_time   the value of the last sample (absent: no sample in the step)
 *   min_over_time    the lowest value: the first sample's, when the step holds no reset
 *   resets           the resets between samples inside the step
 *
 * The increase of a step is the sum, over consecutive samples whose later sample lies in the step, of
 * `later - earlier`, or `later` when it is lower (a restart), as Prometheus's `increase()` counts:
 *   - no reset inside the step, and its first sample not below the previous step's last: last - previous last
 *     (the previous last may be steps back, across a scrape gap of any length);
 *   - no reset inside, but the first sample is below the previous last (a restart between the two): last;
 *   - a series' first step (no earlier sample): last - min, the first sample being its baseline;
 *   - resets inside the step: the step's raw samples are read and differenced (rare).
 *   - the first sample below the previous last but above half of it: a restart or a counter going backwards
 *     (see sample-check.ts); the raw samples decide.
 * Values that cannot be counted (non-finite, negative; a raw sample going backwards) are left out and returned
 * as rejected: the increase across them is counted from the next good value.
 * The increments of a step land on the step's end, as the ledger's rows do.
 */

export interface StepWindow {
  /** The step before the first one filled: its values are the baselines. Multiples of `stepMs`. */
  readonly fromMs: number;
  readonly toMs: number;
  readonly stepMs: number;
}

/** What the backend says about one series at one step end (a step without samples has none). */
export interface StepPoint {
  readonly atMs: number;
  readonly last: number;
  readonly min: number | undefined;
  readonly resets: number | undefined;
}

export interface StepIncrement {
  readonly atMs: number;
  readonly increase: number;
}

/** Where the step values cannot say: the step's raw samples must be read, from this baseline. */
export interface RawStep {
  readonly atMs: number;
  readonly baseline: { readonly tsMs: number; readonly value: number } | undefined;
  /** The step's last value as the step read saw it (the next step was differenced against it). */
  readonly last: number;
}

/** A value the step reads left out (see sample-check.ts). */
export interface RejectedPoint {
  readonly tsMs: number;
  readonly value: number;
  readonly reason: Rejection;
}

/**
 * The increase over raw samples after `baseline` (the value before the first of them, at `baselineMs`; none:
 * the first is the baseline), reset-aware as `increase()`; samples that cannot be counted are left out.
 */
export function increaseOver(points: readonly Point[], baseline: { readonly tsMs: number; readonly value: number } | undefined): { increase: number; rejected: RejectedPoint[]; last: { tsMs: number; value: number } | undefined } {
  let prev = baseline;
  let increase = 0;
  const rejected: RejectedPoint[] = [];
  for (const [tsMs, value] of points) {
    const verdict = classifySample({ kind: 'counter', tsMs, value, prev });
    if (isRejection(verdict)) {
      rejected.push({ tsMs, value, reason: verdict });
      continue;
    }
    if (prev !== undefined) increase += verdict === 'reset' ? value : value - prev.value;
    prev = { tsMs, value };
  }
  return { increase, rejected, last: prev };
}

/**
 * Step increments of one series from its step values (in time order; the point at `fromMs`, if any, holds the
 * baseline). Steps the values cannot decide are returned in `raw`.
 */
export function differenceSteps(points: readonly StepPoint[], window: StepWindow, baseline: number | undefined): { increments: StepIncrement[]; raw: RawStep[] } {
  const increments: StepIncrement[] = [];
  const raw: RawStep[] = [];
  // The baseline's time is only known to be before the step: at most the step's start.
  let prev = baseline === undefined ? undefined : { tsMs: window.fromMs, value: baseline };
  for (const v of points) {
    if (v.atMs <= window.fromMs) {
      if (v.atMs === window.fromMs) prev = { tsMs: v.atMs, value: v.last };
      continue;
    }
    const ambiguous = prev !== undefined && v.min !== undefined && v.min < prev.value && v.min > prev.value / 2;
    if (v.min === undefined || v.resets === undefined || v.resets > 0 || ambiguous) raw.push({ atMs: v.atMs, baseline: prev, last: v.last });
    else if (prev === undefined) increments.push({ atMs: v.atMs, increase: v.last - v.min });
    else increments.push({ atMs: v.atMs, increase: v.min < prev.value ? v.last : v.last - prev.value });
    prev = { tsMs: v.atMs, value: v.last };
  }
  return { increments, raw };
}

/** One series' increments per step end, and the step ends at which it had samples. */
export interface SeriesSteps {
  readonly labels: Labels;
  readonly increments: ReadonlyMap<number, number>;
  readonly present: ReadonlySet<number>;
  /** Values left out: never counted, reported by the feeds (the SLO is unknown for their slot). */
  readonly rejected: readonly RejectedPoint[];
}

/** Looks up, for series absent at `atMs`, the value of their last sample before it (if any, within `rangeMs`). */
export interface BaselineLookup {
  readonly rangeMs: number;
  /** Values by `seriesKey`. */
  find(metric: string, series: readonly Labels[], atMs: number): Promise<Map<string, number>>;
}

/** The identity of a series within one metric's results: its labels without the metric name (functions drop it). */
export function seriesKey(labels: Labels): string {
  const { __name__: _name, ...rest } = labels;
  return labelsKey(rest);
}

/**
 * Reads step increments of counters, a metric and label matchers at a time (the SLOs' selectors of one metric
 * with the matchers they share: each picks its series out locally). Answers are shared by every SLO that asks
 * the same within one reader (one ingest): objective variants of one indicator cost one read.
 */
export class CounterStepReader {
  private readonly memo = new Map<string, Promise<SeriesSteps[]>>();

  constructor(private readonly source: MetricsSource, private readonly options: { readonly signal?: AbortSignal } = {}) {}

  /**
   * Step increments of the series of `metric{matchers}` over `window`. With `lookup`, series without a sample in
   * the baseline step get the last sample before it as their baseline (a scrape gap across the window's start);
   * without it they start at their first sample (the start of the ledger).
   */
  read(metric: string, matchers: readonly LabelMatcher[], window: StepWindow, lookup?: BaselineLookup): Promise<SeriesSteps[]> {
    const selector = `${metric}${formatMatchers(matchers)}`;
    const key = `${selector}\u0000${window.fromMs}\u0000${window.toMs}\u0000${window.stepMs}\u0000${lookup?.rangeMs ?? ''}`;
    let hit = this.memo.get(key);
    if (!hit) {
      hit = this.readUncached(metric, selector, window, lookup);
      this.memo.set(key, hit);
      hit.catch(() => this.memo.delete(key));
    }
    return hit;
  }

  private async readUncached(metric: string, selector: string, window: StepWindow, lookup?: BaselineLookup): Promise<SeriesSteps[]> {
    const range = `[${formatDuration(window.stepMs)}]`;
    const query = (fn: string): Promise<readonly Series[]> => this.source
      .rangeQuery(`${fn}(${selector}${range})`, new Date(window.fromMs), new Date(window.toMs), window.stepMs, this.signal())
      .then((r) => r.series);
    const [last, min, resets] = await Promise.all([query('last_over_time'), query('min_over_time'), query('resets')]);
    const minOf = bySeries(min);
    const resetsOf = bySeries(resets);
    const series = last.map((s) => {
      const key = seriesKey(s.labels);
      return { key, labels: withoutName(s.labels), ...stepPoints(s.points, minOf.get(key)?.points, resetsOf.get(key)?.points) };
    });
    const absent = lookup ? series.filter((s) => s.points.length > 0 && s.points[0]?.atMs !== window.fromMs) : [];
    const baselines = lookup && absent.length > 0 ? await lookup.find(metric, absent.map((s) => s.labels), window.fromMs) : new Map<string, number>();
    const out: SeriesSteps[] = [];
    for (const s of series) {
      const seeded = baselines.get(s.key);
      const { increments, raw } = differenceSteps(s.points, window, seeded !== undefined && Number.isFinite(seeded) && seeded >= 0 ? seeded : undefined);
      const map = new Map(increments.map((i) => [i.atMs, i.increase]));
      const rejected = s.rejected.filter((r) => r.tsMs > window.fromMs);
      if (raw.length > 0) {
        const fromRaw = await this.rawIncrements(metric, s.labels, raw, window.stepMs);
        for (const [atMs, increase] of fromRaw.increments) map.set(atMs, increase);
        rejected.push(...fromRaw.rejected);
        // A step whose last sample was left out (a counter going backwards): the next step, differenced against
        // that sample, is differenced again against the last good one.
        for (const step of raw) {
          const good = fromRaw.lastAccepted.get(step.atMs);
          if (good === undefined || good.value === step.last) continue;
          const next = s.points.find((p) => p.atMs > step.atMs);
          if (next === undefined || fromRaw.increments.has(next.atMs) || !map.has(next.atMs) || next.min === undefined) continue;
          map.set(next.atMs, next.min >= good.value ? next.last - good.value : next.last);
        }
      }
      const present = new Set<number>();
      for (const p of s.points) if (p.atMs > window.fromMs) present.add(p.atMs);
      out.push({ labels: s.labels, increments: map, present, rejected });
    }
    return out;
  }

  /** Reads the raw samples of steps the step values cannot decide (resets inside), consecutive steps in one request. */
  private async rawIncrements(metric: string, labels: Labels, steps: readonly RawStep[], stepMs: number): Promise<{ increments: Map<number, number>; rejected: RejectedPoint[]; lastAccepted: Map<number, { tsMs: number; value: number }> }> {
    const exact = `${metric}${formatMatchers(Object.entries(labels).map(([name, value]) => ({ name, op: '=' as const, value })))}`;
    const key = seriesKey(labels);
    const out = new Map<number, number>();
    const rejected: RejectedPoint[] = [];
    const lastAccepted = new Map<number, { tsMs: number; value: number }>();
    // The last good sample of the previous raw step, for a raw step whose baseline was that step's last value.
    let carried: { stepLast: number; accepted: { tsMs: number; value: number } | undefined } | undefined;
    let i = 0;
    while (i < steps.length) {
      let j = i;
      while (j + 1 < steps.length && (steps[j + 1]?.atMs ?? 0) - (steps[j]?.atMs ?? 0) === stepMs) j++;
      const first = steps[i] as RawStep;
      const lastStep = steps[j] as RawStep;
      const result = await this.source.rawSamples(exact, new Date(first.atMs - stepMs), new Date(lastStep.atMs), this.signal());
      // The selector also matches series with more labels than it names: keep exactly this one.
      const points = result.series.find((s) => seriesKey(s.labels) === key)?.points ?? [];
      let k = 0;
      for (const step of steps.slice(i, j + 1)) {
        while (k < points.length && (points[k]?.[0] ?? Infinity) <= step.atMs - stepMs) k++;
        const start = k;
        while (k < points.length && (points[k]?.[0] ?? Infinity) <= step.atMs) k++;
        const baseline = carried !== undefined && step.baseline !== undefined && carried.stepLast === step.baseline.value ? carried.accepted : step.baseline;
        const counted = increaseOver(points.slice(start, k), baseline);
        out.set(step.atMs, counted.increase);
        rejected.push(...counted.rejected);
        if (counted.last !== undefined) lastAccepted.set(step.atMs, counted.last);
        carried = { stepLast: step.last, accepted: counted.last };
      }
      i = j + 1;
    }
    return { increments: out, rejected, lastAccepted };
  }

  private signal(): { signal?: AbortSignal } {
    return this.options.signal ? { signal: this.options.signal } : {};
  }
}

function bySeries(series: readonly Series[]): Map<string, Series> {
  return new Map(series.map((s) => [seriesKey(s.labels), s]));
}

/**
 * Joins a series' last values with its minimums and reset counts by step time. The three results hold the same
 * steps (those with samples), so they are zipped by position when their times agree.
 */
function stepPoints(last: readonly Point[], min: readonly Point[] | undefined, resets: readonly Point[] | undefined): { points: StepPoint[]; rejected: RejectedPoint[] } {
  const aligned = (other: readonly Point[] | undefined): boolean => other !== undefined && other.length === last.length && other.every((p, i) => p[0] === last[i]?.[0]);
  const at = (other: readonly Point[] | undefined): ((i: number, t: number) => number | undefined) => {
    if (aligned(other)) return (i) => other?.[i]?.[1];
    const map = new Map(other ?? []);
    return (_i, t) => map.get(t);
  };
  const minAt = at(min);
  const resetsAt = at(resets);
  const out: StepPoint[] = [];
  const rejected: RejectedPoint[] = [];
  last.forEach(([t, v], i) => {
    const verdict = classifySample({ kind: 'counter', tsMs: t, value: v, prev: undefined });
    if (isRejection(verdict)) {
      // The step's other samples are not lost: the next good step is differenced against the last good one.
      rejected.push({ tsMs: t, value: v, reason: verdict });
      return;
    }
    const m = minAt(i, t);
    const r = resetsAt(i, t);
    // A minimum that cannot be a count leaves the step to its raw samples.
    out.push({ atMs: t, last: v, min: m !== undefined && Number.isFinite(m) && m >= 0 ? m : undefined, resets: r !== undefined && Number.isFinite(r) ? r : undefined });
  });
  return { points: out, rejected };
}

function withoutName(labels: Labels): Labels {
  const { __name__: _name, ...rest } = labels;
  return rest;
}
