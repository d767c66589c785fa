/**
 * Which values read from Prometheus may be counted. Pure: the caller passes the value, and for a counter the
 * last sample it accepted of the same series.
 *
 * A sample that fails is *rejected*: never counted, never written to the ledger, and the SLO it feeds is
 * unknown for the cycle that read it (no page, no resolve). A counter's rejected sample does not become its
 * baseline, so the events it hid are counted from the next sane sample (nothing is lost or counted twice).
 */

/** Why a sample was rejected (the `reason` label of `burnwatch_rejected_samples_total`). */
export type Rejection =
  /** NaN where a number of events or a 0/1 gauge was expected. */
  | 'nan'
  /** +Inf or -Inf. */
  | 'infinite'
  /** A negative counter, rate or count of events. */
  | 'negative'
  /** A counter that went down by less than a reset explains (see `classifySample`). */
  | 'backwards'
  /** A 0/1 gauge (boolGauge) outside 0..1. */
  | 'out_of_range';

export const REJECTIONS: readonly Rejection[] = ['nan', 'infinite', 'negative', 'backwards', 'out_of_range'];

/**
 * - `ok`: count it (for a counter: the increase is value - previous);
 * - `reset`: a counter reset: count the value itself, as Prometheus's `increase()` does (a restart from 0);
 * - `empty`: no events in this sample (a ratio or rate of nothing, 0/0 = NaN): count nothing, reject nothing;
 * - a `Rejection`.
 */
export type SampleClass = 'ok' | 'reset' | 'empty' | Rejection;

/** The last accepted sample of a counter series. */
export interface CounterBaseline {
  readonly tsMs: number;
  readonly value: number;
}

export type SampleToCheck =
  /** A raw counter sample, checked against the series' last accepted sample (none for its first). */
  | { readonly kind: 'counter'; readonly tsMs: number; readonly value: number; readonly prev: CounterBaseline | undefined }
  /** A raw boolGauge sample: one event, good when 1. */
  | { readonly kind: 'gauge'; readonly value: number }
  /** A per-second rate of events from a range query. NaN means no events (e.g. histogram_fraction of nothing). */
  | { readonly kind: 'rate'; readonly value: number }
  /** An error (or success) ratio from a range query. NaN means no traffic (0/0); finite values are clamped by the caller. */
  | { readonly kind: 'ratio'; readonly value: number }
  /** A number of events Prometheus aggregated (`increase`, `count_over_time`, `sum_over_time` of a 0/1 gauge). */
  | { readonly kind: 'count'; readonly value: number };

/**
 * How long a counter may go without a sample before a decrease is taken as a reset whatever its size:
 * Prometheus's lookback (5 minutes). A series silent this long has gone stale, and a restart that happened in
 * the gap can have counted any number of events since.
 */
export const RESET_GAP_MS = 5 * 60_000;

/** Rates this little below zero are floating-point noise (`a - b` of two equal rates) and are accepted. */
const RATE_NOISE = 1e-9;

/**
 * The precise rule for a counter going down, from `prev` to `value` (`value` >= 0 and finite):
 *
 * - a **reset** when `value <= prev / 2` (a restarted process counts from 0: back to 0 or to a small value), or
 *   when the previous sample is at least `RESET_GAP_MS` old (a restart hidden in a scrape gap). Counted as
 *   `value`, exactly as `increase()` counts any reset;
 * - otherwise **backwards**: within 5 minutes the counter still holds more than half of what it had, which a
 *   restart does not explain (two replicas' series answering in turn, an exporter or proxy bug). Prometheus
 *   would count the whole value as new events; it is rejected instead.
 *
 * Samples are judged against the last *accepted* one, so a series that stays below it is rejected until it
 * passes it (then only the true increase is counted) or until 5 minutes have passed (then it counts as a reset).
 */
export function classifySample(sample: SampleToCheck): SampleClass {
  const { value } = sample;
  if (Number.isNaN(value)) return sample.kind === 'rate' || sample.kind === 'ratio' ? 'empty' : 'nan';
  if (!Number.isFinite(value)) return 'infinite';
  switch (sample.kind) {
    case 'counter': {
      if (value < 0) return 'negative';
      const prev = sample.prev;
      if (prev === undefined || value >= prev.value) return 'ok';
      return value <= prev.value / 2 || sample.tsMs - prev.tsMs >= RESET_GAP_MS ? 'reset' : 'backwards';
    }
    case 'gauge':
      return value < 0 || value > 1 ? 'out_of_range' : 'ok';
    case 'rate':
      return value < -RATE_NOISE ? 'negative' : 'ok';
    case 'count':
      return value < 0 ? 'negative' : 'ok';
    case 'ratio':
      return 'ok';
  }
}

export function isRejection(c: SampleClass): c is Rejection {
  return c !== 'ok' && c !== 'reset' && c !== 'empty';
}
