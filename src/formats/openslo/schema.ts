import { z } from 'zod';

/**
 * OpenSLO `openslo/v1` (all seven kinds) and `openslo/v1alpha` (SLO, Service), as the OpenSLO README and
 * go-sdk (`pkg/openslo/v1`, `pkg/openslo/v1alpha`) define them. Strict like `oslo validate`, which decodes
 * with unknown fields disallowed: a typo is an error with a did-you-mean hint. Cross-field rules that need
 * the resolved objects (threshold vs ratio objectives, time slices, data source types) live in
 * `to-model.ts`; these schemas check shapes, ranges and the rules go-sdk checks on one object.
 *
 * Messages: first line what is wrong, second line what to write instead (see common-schema.ts).
 */

// ---------------------------------------------------------------- shared pieces

/** RFC 1123 label, as go-sdk's `rules.StringDNSLabel()` (metadata.name and every `*Ref`). */
export const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A name that would pass: lower-cased, runs of other characters turned into "-". */
export function suggestName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
}

export const Name = z
  .string({ error: 'must be a name such as web-availability' })
  .min(1, { error: 'the name is empty\nuse lower-case letters, digits and "-", e.g. web-availability' })
  .max(63, { error: 'names are limited to 63 characters (RFC 1123 label)\nshorten the name' })
  .regex(DNS_LABEL_RE, {
    error: (issue) => {
      const input = String(issue.input);
      const fixed = suggestName(input);
      return `"${input}" is not a valid OpenSLO name\nuse lower-case letters, digits and "-", starting and ending with a letter or digit (RFC 1123)${fixed === '' ? '' : `, e.g. ${fixed}`}`;
    },
  });

const Description = z
  .string({ error: 'must be a text' })
  .max(1050, { error: 'descriptions are limited to 1050 characters\nshorten the description' });

const DisplayName = z
  .string({ error: 'must be a text' })
  .max(63, { error: 'displayName is limited to 63 characters\nshorten it, or move the text to description' });

/** Label keys as go-sdk checks them (Kubernetes-style); values are a string or a list of strings. */
const LABEL_KEY_RE = /^[a-zA-Z0-9]([-._a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/;
const Labels = z.record(
  z.string().regex(LABEL_KEY_RE, { error: (issue) => `"${String(issue.input)}" is not a valid label key\nuse letters, digits, "-", "_" and ".", starting and ending with a letter or digit` }),
  z.union([z.string(), z.array(z.string({ error: 'label values must be strings' }))], { error: 'must be a string or a list of strings' }),
);

/** `prefix/name` with a DNS-subdomain prefix, as go-sdk's annotation key rule. */
const ANNOTATION_KEY_RE = /^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*\/)?[a-zA-Z0-9]([-._a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/;
const Annotations = z.record(
  z.string().regex(ANNOTATION_KEY_RE, { error: (issue) => `"${String(issue.input)}" is not a valid annotation key\nwrite prefix/name, e.g. my-domain.org/my-key` }),
  z.string({ error: 'annotation values must be strings\nquote the value' }),
);

/** The spec of a Service (both API versions): only a description. */
const ServiceSpec = z.strictObject({ description: Description.optional() });

/** An `openslo/v1` object of one kind: apiVersion, kind, metadata and the kind's spec. */
function v1Object<K extends string, S extends z.ZodType>(kind: K, spec: S) {
  return z.strictObject({ apiVersion: z.literal('openslo/v1'), kind: z.literal(kind), metadata: Metadata, spec });
}

export const Metadata = z.strictObject({
  name: Name,
  displayName: DisplayName.optional(),
  labels: Labels.optional(),
  annotations: Annotations.optional(),
});
export type Metadata = z.infer<typeof Metadata>;

/**
 * OpenSLO duration shorthand: one number and one unit, m h d w M Q Y. Case matters: `m` is minutes and `M`
 * months (30 days in go-sdk), Q 90 days, Y 365 days. There are no seconds.
 */
export const SHORTHAND_RE = /^([0-9]+)([mhdwMQY])$/;
export const SHORTHAND_HINT = 'write a number and one unit: m (minutes), h, d, w, M (month = 30d), Q (quarter = 90d) or Y (year = 365d), e.g. 5m, 1h, 28d, 1M';
export const DurationShorthand = z
  .string({ error: `must be a duration such as 1h\n${SHORTHAND_HINT}` })
  .regex(SHORTHAND_RE, { error: (issue) => `"${String(issue.input)}" is not an OpenSLO duration\n${SHORTHAND_HINT}` })
  .refine((s) => !/^0+[a-zA-Z]$/.test(s), { error: 'a duration of 0 is not allowed\nuse e.g. 5m' });

export const Operator = z.enum(['gt', 'lt', 'gte', 'lte'], { error: 'must be gt, gte, lt or lte' });
export type Operator = z.infer<typeof Operator>;

// ---------------------------------------------------------------- openslo/v1: SLI

const MetricSource = z.strictObject({
  metricSourceRef: Name.optional(),
  type: z.string({ error: 'must be a data source type such as Prometheus' }).min(1, { error: 'type is empty\nwrite e.g. Prometheus' }).optional(),
  /** Free-form per data source; for Prometheus-compatible sources it holds `query`. */
  spec: z
    .record(z.string(), z.unknown(), { error: 'must be a map of the data source\'s query fields, e.g. { query: sum(rate(http_requests_total[5m])) }' })
    .refine((m) => Object.keys(m).length > 0, { error: 'spec is empty\nfor Prometheus write spec: { query: <PromQL> }' }),
});

export const MetricSpec = z.strictObject({ metricSource: MetricSource });
export type MetricSpec = z.infer<typeof MetricSpec>;

const RatioMetric = z
  .strictObject({
    counter: z.boolean({ error: 'must be true (the queries are counters) or false (gauges)' }).optional(),
    good: MetricSpec.optional(),
    bad: MetricSpec.optional(),
    total: MetricSpec.optional(),
    rawType: z.enum(['success', 'failure'], { error: 'must be success or failure' }).optional(),
    raw: MetricSpec.optional(),
  })
  .superRefine((m, ctx) => {
    if (m.total !== undefined && m.raw !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['raw'], message: 'give total (with good or bad) or raw, not both\nremove one of them' });
      return;
    }
    if (m.raw !== undefined) {
      const extra = m.good !== undefined ? 'good' : m.bad !== undefined ? 'bad' : undefined;
      if (extra !== undefined) ctx.addIssue({ code: 'custom', path: [extra], message: `${extra} cannot be combined with raw\nraw is already the ratio; remove ${extra}` });
      if (m.rawType === undefined) ctx.addIssue({ code: 'custom', path: ['rawType'], message: 'missing required field "rawType"\nadd rawType: success (raw is the good ratio) or rawType: failure (raw is the error ratio)' });
      return;
    }
    if (m.total === undefined) {
      ctx.addIssue({ code: 'custom', path: ['total'], message: 'missing required field "total"\na ratioMetric needs total (with good or bad), or raw with rawType, e.g. good: {metricSource: ...} and total: {metricSource: ...}' });
      return;
    }
    if ((m.good === undefined) === (m.bad === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: m.good === undefined ? [] : ['bad'],
        message: m.good === undefined ? 'a ratioMetric with total needs good or bad\nadd good: (good events) or bad: (bad events)' : 'give good or bad, not both\nremove one of them',
      });
    }
    if (m.rawType !== undefined) ctx.addIssue({ code: 'custom', path: ['rawType'], message: 'rawType only applies to raw\nremove rawType, or use raw instead of good/bad and total' });
  });
export type RatioMetric = z.infer<typeof RatioMetric>;

export const SliSpec = z
  .strictObject({
    description: Description.optional(),
    thresholdMetric: MetricSpec.optional(),
    ratioMetric: RatioMetric.optional(),
  })
  .superRefine((s, ctx) => {
    if ((s.thresholdMetric === undefined) === (s.ratioMetric === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: s.thresholdMetric === undefined ? [] : ['ratioMetric'],
        message: s.thresholdMetric === undefined
          ? 'an SLI needs thresholdMetric or ratioMetric\nadd ratioMetric: {counter: true, good: ..., total: ...} or thresholdMetric: {metricSource: ...}'
          : 'give thresholdMetric or ratioMetric, not both\nremove one of them',
      });
    }
  });
export type SliSpec = z.infer<typeof SliSpec>;

export const V1Sli = v1Object('SLI', SliSpec);
export type V1Sli = z.infer<typeof V1Sli>;

/** `indicator:` inside an SLO (or a composite objective): the SLI without apiVersion and kind. */
export const InlineIndicator = z.strictObject({ metadata: Metadata, spec: SliSpec });
export type InlineIndicator = z.infer<typeof InlineIndicator>;

// ---------------------------------------------------------------- openslo/v1: alerting

export const AlertConditionSpec = z.strictObject({
  description: Description.optional(),
  severity: z.string({ error: 'must be a severity such as page or ticket' }).min(1, { error: 'severity is empty\nwrite e.g. page or ticket' }),
  condition: z.strictObject({
    kind: z.literal('burnrate', { error: 'must be burnrate\nOpenSLO v1 defines only burn-rate conditions' }),
    op: Operator,
    threshold: z.number({ error: 'must be a number: the burn rate, e.g. 14.4' }),
    lookbackWindow: DurationShorthand,
    alertAfter: DurationShorthand.optional(),
  }),
});
export type AlertConditionSpec = z.infer<typeof AlertConditionSpec>;

export const V1AlertCondition = v1Object('AlertCondition', AlertConditionSpec);

export const AlertNotificationTargetSpec = z.strictObject({
  description: Description.optional(),
  target: z.string({ error: 'must be the target, e.g. slack, email or pagerduty' }).min(1, { error: 'target is empty\nwrite e.g. slack' }),
});
export type AlertNotificationTargetSpec = z.infer<typeof AlertNotificationTargetSpec>;

export const V1AlertNotificationTarget = v1Object('AlertNotificationTarget', AlertNotificationTargetSpec);

/**
 * An entry that is either a reference (`conditionRef: name`) or an inline object (`kind`, `metadata`,
 * `spec`). One strict object with every key optional gives better messages than a zod union (the
 * did-you-mean sees all keys); the refinement enforces "one or the other".
 */
function withArticle(kind: string): string {
  return `${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${kind}`;
}

function refOrInline(refKey: string, kind: string, spec: z.ZodType) {
  const shape: Record<string, z.ZodOptional<z.ZodType>> = {
    [refKey]: Name.optional(),
    kind: z.literal(kind, { error: `must be ${kind}` }).optional(),
    metadata: Metadata.optional(),
    spec: spec.optional(),
  };
  return z
    .strictObject(shape)
    .superRefine((e, ctx) => {
      const inline = ['kind', 'metadata', 'spec'].filter((k) => e[k] !== undefined);
      if (e[refKey] !== undefined) {
        for (const k of inline) ctx.addIssue({ code: 'custom', path: [k], message: `give ${refKey} or an inline ${kind}, not both\nremove ${k}, or remove ${refKey}` });
        return;
      }
      if (inline.length === 0) {
        ctx.addIssue({ code: 'custom', path: [refKey], message: `missing required field "${refKey}"\nwrite ${refKey}: <name of ${withArticle(kind)}>, or an inline ${kind}: kind: ${kind} with metadata and spec` });
        return;
      }
      for (const k of ['kind', 'metadata', 'spec']) {
        if (e[k] === undefined) ctx.addIssue({ code: 'custom', path: [k], message: `missing required field "${k}"\nan inline ${kind} needs kind: ${kind}, metadata: {name: ...} and spec` });
      }
    });
}

export const AlertPolicySpec = z.strictObject({
  description: Description.optional(),
  alertWhenNoData: z.boolean({ error: 'must be true or false' }).optional(),
  alertWhenBreaching: z.boolean({ error: 'must be true or false' }).optional(),
  alertWhenResolved: z.boolean({ error: 'must be true or false' }).optional(),
  conditions: z
    .array(refOrInline('conditionRef', 'AlertCondition', AlertConditionSpec), { error: 'must be a list with one condition' })
    .length(1, { error: 'an AlertPolicy has exactly one condition\nsplit the conditions into one AlertPolicy each' }),
  notificationTargets: z
    .array(refOrInline('targetRef', 'AlertNotificationTarget', AlertNotificationTargetSpec), { error: 'must be a list of notification targets' })
    .min(1, { error: 'an AlertPolicy needs at least one notification target\nadd e.g. - targetRef: on-call-slack' }),
});
export type AlertPolicySpec = z.infer<typeof AlertPolicySpec>;

export const V1AlertPolicy = v1Object('AlertPolicy', AlertPolicySpec);

// ---------------------------------------------------------------- openslo/v1: SLO, DataSource, Service

export const BUDGETING_METHODS = ['Occurrences', 'Timeslices', 'RatioTimeslices'] as const;

const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

const Calendar = z.strictObject({
  startTime: z
    .string({ error: 'must be a local date and time such as "2022-01-01 00:00:00"' })
    .regex(DATE_TIME_RE, { error: (issue) => `"${String(issue.input)}" is not a date and time in the form YYYY-MM-DD hh:mm:ss\nwrite e.g. "2022-01-01 00:00:00" (local time in timeZone)` })
    .refine((s) => !Number.isNaN(Date.parse(`${s.replace(' ', 'T')}Z`)), { error: (issue) => `"${String(issue.input)}" is not a valid date and time\nwrite e.g. "2022-01-01 00:00:00"` }),
  timeZone: z.string({ error: 'must be an IANA time zone such as UTC or America/New_York' }),
});

/** A time window is rolling or has a calendar, both API versions (go-sdk's rule). */
function rollingOrCalendar(w: { readonly isRolling?: boolean | undefined; readonly calendar?: unknown }, ctx: z.RefinementCtx): void {
  if (w.isRolling === true && w.calendar !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['calendar'], message: 'calendar cannot be set when isRolling is true\nremove calendar, or set isRolling: false' });
  }
  if (w.isRolling === false && w.calendar === undefined) {
    ctx.addIssue({ code: 'custom', path: ['isRolling'], message: 'calendar must be set when isRolling is false\nadd calendar: {startTime: "2022-01-01 00:00:00", timeZone: UTC}, or set isRolling: true' });
  }
}

const TimeWindow = z
  .strictObject({
    duration: DurationShorthand,
    isRolling: z.boolean({ error: 'must be true (rolling window) or false (calendar window)' }).optional(),
    calendar: Calendar.optional(),
  })
  .superRefine(rollingOrCalendar);
export type TimeWindow = z.infer<typeof TimeWindow>;

/** An objective's `target`: the ratio of good events, below 1 (`hint` says what to write instead). */
function targetRatio(hint: string) {
  return z.number({ error: 'must be a ratio, e.g. 0.999' })
    .gte(0, { error: 'must be at least 0' })
    .lt(1, { error: `must be below 1\n${hint}` });
}

const Objective = z
  .strictObject({
    displayName: z.string({ error: 'must be a text' }).optional(),
    op: Operator.optional(),
    value: z.number({ error: 'must be a number: the threshold the SLI is compared with' }).optional(),
    target: targetRatio('target is a ratio (0.999 = 99.9 %); for percentages use targetPercent').optional(),
    targetPercent: z.number({ error: 'must be a percentage, e.g. 99.9' })
      .gte(0, { error: 'must be at least 0' })
      .lt(100, { error: 'must be below 100\na 100 % objective leaves no error budget' })
      .optional(),
    timeSliceTarget: z.number({ error: 'must be a ratio, e.g. 0.95' })
      .gt(0, { error: 'must be above 0' })
      .lte(1, { error: 'must be at most 1\ntimeSliceTarget is a ratio (0.95), not a percentage' })
      .optional(),
    timeSliceWindow: DurationShorthand.optional(),
    indicator: InlineIndicator.optional(),
    indicatorRef: Name.optional(),
    compositeWeight: z.number({ error: 'must be a number' }).gt(0, { error: 'must be above 0' }).optional(),
  })
  .superRefine((o, ctx) => {
    if (o.target !== undefined && o.targetPercent !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['targetPercent'], message: 'give target or targetPercent, not both\nremove one of them' });
    } else if (o.target === undefined && o.targetPercent === undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: 'an objective needs target or targetPercent\nadd e.g. target: 0.999 (or targetPercent: 99.9)' });
    }
  });
export type Objective = z.infer<typeof Objective>;

export const SloSpec = z
  .strictObject({
    description: Description.optional(),
    service: z.string({ error: 'must be the name of the service, e.g. web' }).min(1, { error: 'service is empty\nwrite the service name' }),
    indicator: InlineIndicator.optional(),
    indicatorRef: Name.optional(),
    budgetingMethod: z.enum(BUDGETING_METHODS, { error: 'must be Occurrences, Timeslices or RatioTimeslices' }),
    timeWindow: z
      .array(TimeWindow, { error: 'must be a list with one time window, e.g. [{duration: 28d, isRolling: true}]' })
      .length(1, { error: 'timeWindow must hold exactly one window\nkeep one, e.g. - duration: 28d' })
      .optional(),
    objectives: z.array(Objective, { error: 'must be a list of objectives' }).min(1, { error: 'an SLO needs at least one objective\nadd e.g. - target: 0.999' }),
    // `alertPolicies:` with only a comment after it (the OpenSLO spec examples) is YAML null: no policies.
    alertPolicies: z.array(refOrInline('alertPolicyRef', 'AlertPolicy', AlertPolicySpec), { error: 'must be a list of alert policies' }).nullable().optional(),
  })
  .superRefine((s, ctx) => {
    const composite = s.objectives.some((o) => o.indicator !== undefined || o.indicatorRef !== undefined);
    const own = s.indicator !== undefined || s.indicatorRef !== undefined;
    if (s.indicator !== undefined && s.indicatorRef !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['indicatorRef'], message: 'give indicator or indicatorRef, not both\nremove one of them' });
    } else if (!composite && !own) {
      ctx.addIssue({ code: 'custom', path: [], message: 'an SLO needs indicator or indicatorRef\nadd indicatorRef: <name of an SLI>, or an inline indicator: {metadata: ..., spec: ...}' });
    } else if (composite && own) {
      ctx.addIssue({ code: 'custom', path: [s.indicator !== undefined ? 'indicator' : 'indicatorRef'], message: 'an SLO has its indicator on spec or on each objective (composite), not both\nremove one of them' });
    }
  });
export type SloSpec = z.infer<typeof SloSpec>;

export const V1Slo = v1Object('SLO', SloSpec);
export type V1Slo = z.infer<typeof V1Slo>;

export const V1DataSource = v1Object(
  'DataSource',
  z
    .strictObject({
      description: Description.optional(),
      type: z.string({ error: 'must be a data source type such as Prometheus' }).min(1, { error: 'type is empty\nwrite e.g. Prometheus' }),
      connectionDetails: z.unknown(),
    })
    .superRefine((s, ctx) => {
      if (s.connectionDetails === undefined || s.connectionDetails === null) {
        ctx.addIssue({ code: 'custom', path: ['connectionDetails'], message: 'missing required field "connectionDetails"\nadd connectionDetails: {url: http://prometheus:9090} (burnwatch itself queries the Prometheus it is configured with)' });
      }
    }),
);
export type V1DataSource = z.infer<typeof V1DataSource>;

export const V1Service = v1Object('Service', ServiceSpec.optional());

/** The schema of each `openslo/v1` kind. */
export const V1_SCHEMAS = {
  SLO: V1Slo,
  SLI: V1Sli,
  AlertPolicy: V1AlertPolicy,
  AlertCondition: V1AlertCondition,
  AlertNotificationTarget: V1AlertNotificationTarget,
  DataSource: V1DataSource,
  Service: V1Service,
} as const;
export type V1Kind = keyof typeof V1_SCHEMAS;
export const V1_KINDS = Object.keys(V1_SCHEMAS) as V1Kind[];

// ---------------------------------------------------------------- openslo/v1alpha (the version Sloth reads)

const V1alphaMetadata = z.strictObject({ name: Name, displayName: DisplayName.optional() });

export const V1alphaQuery = z.strictObject({
  source: z.string({ error: 'must be the metric source, e.g. prometheus' }).min(1, { error: 'source is empty\nwrite prometheus' }),
  queryType: z.string({ error: 'must be the query type, e.g. promql' }).min(1, { error: 'queryType is empty\nwrite promql' }),
  query: z.string({ error: 'must be a PromQL query' }).min(1, { error: 'the query is empty\nwrite a PromQL query' }),
});
export type V1alphaQuery = z.infer<typeof V1alphaQuery>;

const V1alphaObjective = z.strictObject({
  displayName: z.string({ error: 'must be a text' }).optional(),
  value: z.number({ error: 'must be a number' }).optional(),
  ratioMetrics: z
    .strictObject({
      good: V1alphaQuery,
      total: V1alphaQuery,
      incremental: z.boolean({ error: 'must be true (counters) or false' }).optional(),
    })
    .optional(),
  target: targetRatio('target is a ratio: 0.999 = 99.9 %'),
  timeSliceTarget: z.number({ error: 'must be a ratio, e.g. 0.95' }).gte(0, { error: 'must be at least 0' }).lte(1, { error: 'must be at most 1' }).optional(),
  op: Operator.optional(),
});
export type V1alphaObjective = z.infer<typeof V1alphaObjective>;

export const V1ALPHA_UNITS = ['Second', 'Day', 'Week', 'Month', 'Quarter', 'Year'] as const;

const V1alphaTimeWindow = z
  .strictObject({
    unit: z.enum(V1ALPHA_UNITS, { error: 'must be Second, Day, Week, Month, Quarter or Year' }),
    count: z.number({ error: 'must be a whole number, e.g. 30' }).int({ error: 'must be a whole number' }).gt(0, { error: 'must be above 0' }),
    isRolling: z.boolean({ error: 'must be true or false' }).optional(),
    calendar: Calendar.optional(),
  })
  .superRefine(rollingOrCalendar);
export type V1alphaTimeWindow = z.infer<typeof V1alphaTimeWindow>;

export const V1alphaSlo = z.strictObject({
  apiVersion: z.literal('openslo/v1alpha'),
  kind: z.literal('SLO'),
  metadata: V1alphaMetadata,
  spec: z
    .strictObject({
      // Sloth reads files without timeWindows (it uses its default period), so they are optional here.
      timeWindows: z.array(V1alphaTimeWindow, { error: 'must be a list with one time window, e.g. [{count: 30, unit: Day}]' })
        .length(1, { error: 'timeWindows must hold exactly one window\nkeep one, e.g. - {count: 30, unit: Day}' })
        .optional(),
      budgetingMethod: z.enum(['Occurrences', 'Timeslices'], { error: 'must be Occurrences or Timeslices' }),
      description: Description.optional(),
      indicator: z.strictObject({ thresholdMetric: V1alphaQuery }).optional(),
      service: z.string({ error: 'must be the name of the service' }).min(1, { error: 'service is empty\nwrite the service name' }),
      objectives: z.array(V1alphaObjective, { error: 'must be a list of objectives' }).min(1, { error: 'an SLO needs at least one objective' }),
    })
    .superRefine((s, ctx) => {
      const ratio = s.objectives.some((o) => o.ratioMetrics !== undefined);
      if (ratio && s.indicator !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['indicator'], message: 'give indicator or objectives[*].ratioMetrics, not both\nremove one of them' });
      } else if (!ratio && s.indicator === undefined) {
        ctx.addIssue({ code: 'custom', path: [], message: 'an SLO needs indicator.thresholdMetric or ratioMetrics on its objectives\nadd ratioMetrics: {good: ..., total: ...} to each objective' });
      } else if (ratio) {
        s.objectives.forEach((o, i) => {
          if (o.ratioMetrics === undefined) ctx.addIssue({ code: 'custom', path: ['objectives', i], message: 'this objective has no ratioMetrics\nevery objective of a ratio SLO needs its own ratioMetrics' });
        });
      }
    }),
});
export type V1alphaSlo = z.infer<typeof V1alphaSlo>;

export const V1alphaService = z.strictObject({
  apiVersion: z.literal('openslo/v1alpha'),
  kind: z.literal('Service'),
  metadata: V1alphaMetadata,
  spec: ServiceSpec.optional(),
});

export const V1ALPHA_SCHEMAS = { SLO: V1alphaSlo, Service: V1alphaService } as const;
export type V1alphaKind = keyof typeof V1ALPHA_SCHEMAS;
export const V1ALPHA_KINDS = Object.keys(V1ALPHA_SCHEMAS) as V1alphaKind[];
