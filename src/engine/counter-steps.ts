import type { Labels, MetricsSource, Point, Series } from '../metrics/source.js';
import { formatMatchers } from '../promql/syntax.js';
import { formatDuration } from '../slo/duration.js';
import { labelsKey } from '../store/ledger.js';
import type { CounterSelector } from './plan.js';

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
 * The increments of a step land on the step's end, as the ledger's rows do.
 */

export interface StepWindow {
  /** The step before the first one filled: its values are the baselines. Multiples of `stepMs`. */
  readonly fromMs: number;
  readonly toMs: number;
  readonly stepMs: number;
}

/** What the backend says about one series at one step end. */
export interface StepValue {
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
  readonly baseline: number | undefined;
}

/** The reset-aware increase from one sample to the next: a lower value is a restart from zero. */
export function counterDelta(previous: number, value: number): number {
  return value >= previous ? value - previous : value;
}

/** The increase over raw samples after `baseline` (the value before the first of them; none: the first is the baseline). */
export function increaseOver(points: readonly Point[], baseline: number | undefined): number {
  let prev = baseline;
  let sum = 0;
  for (const [, v] of points) {
    if (prev !== undefined) sum += counterDelta(prev, v);
    prev = v;
  }
  return sum;
}

/**
 * Step increments of one series from its step values (in time order, steps after `fromMs` only; the value
 * at `fromMs`, if any, is the baseline). Steps the values cannot decide are returned in `raw`.
 */
export function differenceSteps(values: ReadonlyMap<number, StepValue>, window: StepWindow, baseline: number | undefined): { increments: StepIncrement[]; raw: RawStep[] } {
  const increments: StepIncrement[] = [];
  const raw: RawStep[] = [];
  let prev = values.get(window.fromMs)?.last ?? baseline;
  for (let at = window.fromMs + window.stepMs; at <= window.toMs; at += window.stepMs) {
    const v = values.get(at);
    if (v === undefined) continue;
    if (v.min === undefined || v.resets === undefined || v.resets > 0) raw.push({ atMs: at, baseline: prev });
    else if (prev === undefined) increments.push({ atMs: at, increase: v.last - v.min });
    else increments.push({ atMs: at, increase: v.min < prev ? v.last : v.last - prev });
    prev = v.last;
  }
  return { increments, raw };
}

/** One series' increments per step end, and the step ends at which it had samples. */
export interface SeriesSteps {
  readonly labels: Labels;
  readonly increments: ReadonlyMap<number, number>;
  readonly present: ReadonlySet<number>;
}

/** Looks up, for series absent at `atMs`, the value of their last sample before it (if any, within the lookup range). */
export type BaselineLookup = (selector: CounterSelector, series: readonly Labels[], atMs: number) => Promise<Map<string, number>>;

/** The identity of a series within one selector's results: its labels without the metric name (functions drop it). */
export function seriesKey(labels: Labels): string {
  const { __name__: _name, ...rest } = labels;
  return labelsKey(rest);
}

/**
 * Reads step increments of counter selectors; answers are shared by every SLO that reads the same selector
 * over the same steps within one reader (one ingest).
 */
export class CounterStepReader {
  private readonly memo = new Map<string, Promise<SeriesSteps[]>>();

  constructor(private readonly source: MetricsSource, private readonly options: { readonly signal?: AbortSignal } = {}) {}

  /**
   * Step increments of the series of `selector` over `window`. With `lookup`, series without a sample in the
   * baseline step get the last sample before it as their baseline (a scrape gap across the window's start);
   * without it they start at their first sample (the start of the ledger).
   */
  read(selector: CounterSelector, window: StepWindow, lookup?: BaselineLookup): Promise<SeriesSteps[]> {
    const key = `${selector.text}\u0000${window.fromMs}\u0000${window.toMs}\u0000${window.stepMs}\u0000${lookup ? 'lookup' : ''}`;
    let hit = this.memo.get(key);
    if (!hit) {
      hit = this.readUncached(selector, window, lookup);
      this.memo.set(key, hit);
      hit.catch(() => this.memo.delete(key));
    }
    return hit;
  }

  private async readUncached(selector: CounterSelector, window: StepWindow, lookup?: BaselineLookup): Promise<SeriesSteps[]> {
    const range = `[${formatDuration(window.stepMs)}]`;
    const query = (fn: string): Promise<readonly Series[]> => this.source
      .rangeQuery(`${fn}(${selector.text}${range})`, new Date(window.fromMs), new Date(window.toMs), window.stepMs, this.signal())
      .then((r) => r.series);
    const [last, min, resets] = await Promise.all([query('last_over_time'), query('min_over_time'), query('resets')]);
    const bySeries = new Map<string, { labels: Labels; values: Map<number, StepValue> }>();
    for (const s of last) {
      const values = new Map<number, StepValue>();
      for (const [t, v] of s.points) if (Number.isFinite(v)) values.set(t, { last: v, min: undefined, resets: undefined });
      bySeries.set(seriesKey(s.labels), { labels: withoutName(s.labels), values });
    }
    const merge = (series: readonly Series[], field: 'min' | 'resets'): void => {
      for (const s of series) {
        const entry = bySeries.get(seriesKey(s.labels));
        if (!entry) continue;
        for (const [t, v] of s.points) {
          const value = entry.values.get(t);
          if (value && Number.isFinite(v)) entry.values.set(t, { ...value, [field]: v });
        }
      }
    };
    merge(min, 'min');
    merge(resets, 'resets');

    const baselines = lookup ? await this.lookupBaselines(selector, window, bySeries, lookup) : new Map<string, number>();
    const out: SeriesSteps[] = [];
    const rawSteps: { key: string; labels: Labels; steps: RawStep[] }[] = [];
    for (const [key, { labels, values }] of bySeries) {
      const { increments, raw } = differenceSteps(values, window, baselines.get(key));
      const map = new Map(increments.map((i) => [i.atMs, i.increase]));
      out.push({ labels, increments: map, present: new Set([...values.keys()].filter((t) => t > window.fromMs)) });
      if (raw.length > 0) rawSteps.push({ key, labels, steps: raw });
    }
    for (const r of rawSteps) {
      const increments = out.find((s) => seriesKey(s.labels) === r.key)?.increments as Map<number, number>;
      for (const [atMs, increase] of await this.rawIncrements(selector, r.labels, r.steps, window.stepMs)) increments.set(atMs, increase);
    }
    return out;
  }

  /** Baselines of the series that have samples in the window but none in its baseline step. */
  private async lookupBaselines(selector: CounterSelector, window: StepWindow, bySeries: ReadonlyMap<string, { labels: Labels; values: ReadonlyMap<number, StepValue> }>, lookup: BaselineLookup): Promise<Map<string, number>> {
    const absent = [...bySeries.values()].filter((s) => !s.values.has(window.fromMs) && s.values.size > 0).map((s) => s.labels);
    return absent.length === 0 ? new Map<string, number>() : lookup(selector, absent, window.fromMs);
  }

  /** Reads the raw samples of steps the step values cannot decide (resets inside), consecutive steps in one request. */
  private async rawIncrements(selector: CounterSelector, labels: Labels, steps: readonly RawStep[], stepMs: number): Promise<Map<number, number>> {
    const exact = `${selector.metric}${formatMatchers(Object.entries(labels).map(([name, value]) => ({ name, op: '=' as const, value })))}`;
    const out = new Map<number, number>();
    let i = 0;
    while (i < steps.length) {
      let j = i;
      while (j + 1 < steps.length && (steps[j + 1]?.atMs ?? 0) - (steps[j]?.atMs ?? 0) === stepMs) j++;
      const first = steps[i] as RawStep;
      const lastStep = steps[j] as RawStep;
      const result = await this.source.rawSamples(exact, new Date(first.atMs - stepMs), new Date(lastStep.atMs), this.signal());
      const key = seriesKey(labels);
      const points = result.series.find((s) => seriesKey(s.labels) === key)?.points ?? [];
      for (const step of steps.slice(i, j + 1)) {
        const inStep = points.filter(([t]) => t > step.atMs - stepMs && t <= step.atMs);
        out.set(step.atMs, increaseOver(inStep, step.baseline));
      }
      i = j + 1;
    }
    return out;
  }

  private signal(): { signal?: AbortSignal } {
    return this.options.signal ? { signal: this.options.signal } : {};
  }
}

function withoutName(labels: Labels): Labels {
  const { __name__: _name, ...rest } = labels;
  return rest;
}
