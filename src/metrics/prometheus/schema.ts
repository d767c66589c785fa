import { z } from 'zod';

/**
 * Responses of the Prometheus HTTP API (`/api/v1/query`, `/api/v1/query_range`, `/api/v1/status/buildinfo`).
 * Permissive: only the fields we read are checked, anything else (`infos` from 2.54, `isPartial` extras,
 * timings) passes through unchecked. Values stay strings here; `parseSampleValue` turns them into numbers.
 */

/** `[<unix seconds, up to ms decimals>, "<value>"]`. */
const PromPoint = z.tuple([z.number(), z.string()]);

const Metric = z.record(z.string(), z.string());

/** Vector element. Native-histogram samples carry `histogram` instead of `value`. */
const VectorSample = z.object({ metric: Metric, value: PromPoint.optional(), histogram: z.unknown().optional() });

/**
 * `values` of a matrix series. Checked with a plain loop: a month of 15 s samples is 172,800 points per series,
 * and a generic tuple schema costs more than parsing the JSON itself.
 */
const PromPoints = z.custom<[number, string][]>(
  (input) => Array.isArray(input) && input.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'number' && typeof p[1] === 'string'),
  { error: 'expected [[<unix seconds>, "<value>"], ...]' },
);

/** Matrix element. Native-histogram series carry `histograms` instead of `values`. */
const MatrixSeries = z.object({ metric: Metric, values: PromPoints.optional(), histograms: z.unknown().optional() });

export const PromStats = z.object({
  samples: z.object({ totalQueryableSamples: z.number().optional(), peakSamples: z.number().optional() }).optional(),
});
export type PromStats = z.infer<typeof PromStats>;

export const QueryData = z.discriminatedUnion('resultType', [
  z.object({ resultType: z.literal('vector'), result: z.array(VectorSample), stats: PromStats.optional() }),
  z.object({ resultType: z.literal('matrix'), result: z.array(MatrixSeries), stats: PromStats.optional() }),
  z.object({ resultType: z.literal('scalar'), result: PromPoint, stats: PromStats.optional() }),
  z.object({ resultType: z.literal('string'), result: PromPoint, stats: PromStats.optional() }),
]);
export type QueryData = z.infer<typeof QueryData>;

/**
 * The envelope every API answer shares. `warnings` on a success means the data may be incomplete; 2.42 has
 * no `infos`. VictoriaMetrics clusters add `isPartial`.
 */
export const ApiEnvelope = z.object({
  status: z.enum(['success', 'error']),
  data: z.unknown().optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
  warnings: z.array(z.string()).nullish(),
  isPartial: z.boolean().optional(),
});
export type ApiEnvelope = z.infer<typeof ApiEnvelope>;

/** Prometheus writes version, revision, goVersion...; Mimir adds application; VictoriaMetrics may write nothing. */
export const BuildInfoData = z.object({
  version: z.string().optional(),
  revision: z.string().optional(),
  goVersion: z.string().optional(),
  application: z.string().optional(),
});
export type BuildInfoData = z.infer<typeof BuildInfoData>;

/**
 * A sample value as Prometheus writes it (Go `strconv.AppendFloat`): decimal or exponent form (`"1e-07"`),
 * `"NaN"`, `"+Inf"`, `"-Inf"`. `Number("+Inf")` is NaN in JavaScript, so the specials are mapped explicitly.
 * Returns undefined for text that is not a number.
 */
export function parseSampleValue(text: string): number | undefined {
  switch (text) {
    case 'NaN':
      return NaN;
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    default: {
      if (text.trim() === '') return undefined;
      const value = Number(text);
      return Number.isNaN(value) ? undefined : value;
    }
  }
}

/** Unix seconds with up to three decimals -> epoch milliseconds (rounded: 1795507670.075 * 1000 is not exact). */
export function secondsToMs(seconds: number): number {
  return Math.round(seconds * 1000);
}

/** Epoch milliseconds -> the `time`/`start`/`end` form parameter: unix seconds with exactly three decimals. */
export function msToSecondsParam(ms: number): string {
  if (!Number.isSafeInteger(ms)) throw new RangeError(`timestamp ${ms} is not a whole number of milliseconds`);
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  return `${sign}${Math.floor(abs / 1000)}.${String(abs % 1000).padStart(3, '0')}`;
}
