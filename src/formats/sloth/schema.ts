import { z } from 'zod';

/**
 * Sloth's file formats (github.com/slok/sloth, v0.16):
 * - `version: prometheus/v1`: the CLI format, snake_case keys (`error_query`, `page_alert`, `slo_plugins`);
 * - `apiVersion: sloth.slok.dev/v1`, `kind: PrometheusServiceLevel`: the Kubernetes CRD, camelCase keys
 *   (`errorQuery`, `pageAlert`, `sloPlugins`) under `spec`;
 * - `apiVersion: sloth.slok.dev/v1`, `kind: AlertWindows`: a catalog of page/ticket burn-rate windows for one
 *   SLO period.
 *
 * The schemas are strict so that unknown keys are *found*, but Sloth decodes leniently (Go `encoding/json`
 * drops unknown keys), so the reader reports them as warnings and ignores them: a file Sloth accepts stays
 * valid. Label values are coerced to text as Sloth's YAML decoder does (`generated: true` -> "true").
 */

export const PROMETHEUS_V1 = 'prometheus/v1';
export const SLOTH_API_V1 = 'sloth.slok.dev/v1';
export const SERVICE_LEVEL_KIND = 'PrometheusServiceLevel';
export const ALERT_WINDOWS_KIND = 'AlertWindows';

/** Scalars Sloth turns into label text (`tier: 2` -> "2"); anything else is left for the string check. */
function scalarToText(v: unknown): unknown {
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : v;
}

const Text = z.preprocess(scalarToText, z.string({ error: 'must be text\nquote the value, e.g. "value"' }));

const LabelMap = z
  .record(z.string(), Text, { error: 'must be a map of label names to values, e.g. { team: checkout }' })
  .meta({ description: 'Prometheus labels; numbers and booleans are read as text, as Sloth does.' });

const AnnotationMap = z.record(z.string(), Text, { error: 'must be a map of annotation names to text, e.g. { summary: "..." }' });

const Query = z.string({ error: 'must be a PromQL query with {{.window}}, e.g. sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))' });

const Objective = z.number({ error: 'must be a number in percent, e.g. 99.9' });

const SloPlugin = z.strictObject({
  id: z.string({ error: 'must be a plugin id such as sloth.dev/contrib/info_labels/v1' }),
  config: z.unknown().optional(),
  priority: z.number().optional(),
});

const SloPlugins = z.strictObject({
  overridePrevious: z.boolean().optional(),
  chain: z.array(SloPlugin, { error: 'must be a list of plugins, e.g. - id: sloth.dev/contrib/info_labels/v1' }).optional(),
});
export type SloPlugins = z.infer<typeof SloPlugins>;

const SliPlugin = z.strictObject({
  id: z.string({ error: 'must be the id of a Sloth SLI plugin' }),
  options: z.record(z.string(), z.unknown()).optional(),
});

/** `page_alert` / `ticket_alert` (prometheus/v1), `pageAlert` / `ticketAlert` (CRD). */
const SeverityAlert = z.strictObject({
  disable: z.boolean({ error: 'must be true or false' }).optional(),
  labels: LabelMap.optional(),
  annotations: AnnotationMap.optional(),
});
export type SeverityAlert = z.infer<typeof SeverityAlert>;

const AlertName = z.string({ error: 'must be an alert name such as MyServiceHighErrorRate' });

const SloCommon = {
  name: z.string({ error: 'must be the SLO name, e.g. requests-availability' }),
  description: z.string().optional(),
  objective: Objective,
  labels: LabelMap.optional(),
  plugins: SloPlugins.optional(),
};

/** The keys that differ between Sloth's two SLO dialects (each its own type, so the schemas know the names). */
export interface DialectKeys<E extends string = string, T extends string = string, R extends string = string, P extends string = string, K extends string = string, S extends string = string> {
  readonly errorQuery: E;
  readonly totalQuery: T;
  readonly errorRatioQuery: R;
  readonly pageAlert: P;
  readonly ticketAlert: K;
  readonly sloPlugins: S;
}

/** prometheus/v1 (the CLI format). */
export const SNAKE_CASE_KEYS = {
  errorQuery: 'error_query',
  totalQuery: 'total_query',
  errorRatioQuery: 'error_ratio_query',
  pageAlert: 'page_alert',
  ticketAlert: 'ticket_alert',
  sloPlugins: 'slo_plugins',
} as const satisfies DialectKeys;

/** The PrometheusServiceLevel CRD. */
export const CAMEL_CASE_KEYS = {
  errorQuery: 'errorQuery',
  totalQuery: 'totalQuery',
  errorRatioQuery: 'errorRatioQuery',
  pageAlert: 'pageAlert',
  ticketAlert: 'ticketAlert',
  sloPlugins: 'sloPlugins',
} as const satisfies DialectKeys;

/** `{ [key]: value }` typed with the key's name (a computed key in an object literal is typed as any string). */
function keyed<K extends string, V>(key: K, value: V): Record<K, V> {
  return { [key]: value } as Record<K, V>;
}


/** A service level (`service`, `labels`, plugins and `slos`) with the key names of one dialect. */
function serviceLevelShape<E extends string, T extends string, R extends string, P extends string, K extends string, S extends string>(k: DialectKeys<E, T, R, P, K, S>) {
  return {
    service: z.string({ error: 'must be the service name, e.g. myservice' }),
    labels: LabelMap.optional(),
    ...keyed(k.sloPlugins, SloPlugins.optional()),
    slos: z.array(
      z.strictObject({
        ...SloCommon,
        sli: z.strictObject({
          events: z.strictObject({ ...keyed(k.errorQuery, Query), ...keyed(k.totalQuery, Query) }).optional(),
          raw: z.strictObject(keyed(k.errorRatioQuery, Query)).optional(),
          plugin: SliPlugin.optional(),
        }, { error: 'must be a map with one of events, raw or plugin' }),
        alerting: z.strictObject({
          name: AlertName.optional(),
          labels: LabelMap.optional(),
          annotations: AnnotationMap.optional(),
          ...keyed(k.pageAlert, SeverityAlert.optional()),
          ...keyed(k.ticketAlert, SeverityAlert.optional()),
        }).optional(),
      }),
      { error: 'must be a list of SLOs, e.g. - name: requests-availability' },
    ),
  };
}

export const SlothPrometheusV1 = z.strictObject({
  version: z.literal(PROMETHEUS_V1),
  ...serviceLevelShape(SNAKE_CASE_KEYS),
});
export type SlothPrometheusV1 = z.infer<typeof SlothPrometheusV1>;

export const SlothServiceLevel = z.strictObject({
  apiVersion: z.literal(SLOTH_API_V1),
  kind: z.literal(SERVICE_LEVEL_KIND),
  metadata: z.looseObject({}).optional(),
  status: z.unknown().optional(),
  spec: z.strictObject(serviceLevelShape(CAMEL_CASE_KEYS), { error: 'must be a map with service and slos' }),
});
export type SlothServiceLevel = z.infer<typeof SlothServiceLevel>;

const Window = z.strictObject({
  errorBudgetPercent: z.number({ error: 'must be the share of the period\'s budget in percent, e.g. 2' }),
  shortWindow: z.string({ error: 'must be a duration such as 5m' }),
  longWindow: z.string({ error: 'must be a duration such as 1h' }),
});
export type AlertWindow = z.infer<typeof Window>;

const QuickSlow = z.strictObject({ quick: Window, slow: Window });

export const AlertWindowsV1 = z.strictObject({
  apiVersion: z.literal(SLOTH_API_V1),
  kind: z.literal(ALERT_WINDOWS_KIND),
  metadata: z.looseObject({}).optional(),
  spec: z.strictObject({
    sloPeriod: z.string({ error: 'must be a duration such as 30d' }),
    page: QuickSlow,
    ticket: QuickSlow,
  }),
});
export type AlertWindowsV1 = z.infer<typeof AlertWindowsV1>;

/** The SLO of a service level as a dialect writes it, named by the dialect's keys (the schemas above check it). */
export type DialectSlo<E extends string, T extends string, R extends string, P extends string, K extends string> = {
  readonly name: string;
  readonly description?: string | undefined;
  readonly objective: number;
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly plugins?: SloPlugins | undefined;
  readonly sli: {
    readonly events?: Readonly<Record<E | T, string>> | undefined;
    readonly raw?: Readonly<Record<R, string>> | undefined;
    readonly plugin?: { readonly id: string } | undefined;
  };
  readonly alerting?: {
    readonly name?: string | undefined;
    readonly labels?: Readonly<Record<string, string>> | undefined;
    readonly annotations?: Readonly<Record<string, string>> | undefined;
  } & { readonly [key in P | K]?: SeverityAlert | undefined } | undefined;
};

/** A service level as a dialect writes it (`service`, `labels`, its plugins and `slos`). */
export type DialectServiceLevel<E extends string, T extends string, R extends string, P extends string, K extends string, S extends string> = {
  readonly service: string;
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly slos: readonly DialectSlo<E, T, R, P, K>[];
} & { readonly [key in S]?: SloPlugins | undefined };
