import { z } from 'zod';
import { parseBudgetShare } from '../../slo/gate.js';
import { Annotations, Duration, LabelName, Labels, SloName } from '../common-schema.js';

/**
 * `apiVersion: burnwatch/v1`, `kind: SLO`: the native SLO file. Strict: an unknown key is an error, so a typo
 * never silently drops a setting. `schema/burnwatch-v1.json` is generated from this schema.
 */

const Severity = z.enum(['page', 'ticket'], { error: 'must be page or ticket' });

const Query = z
  .string({ error: 'must be a PromQL query string' })
  .min(1, { error: 'query is empty\nwrite a counter selector such as http_requests_total{code=~"5.."} or an expression with [{{.window}}]' });

const Objective = z
  .number({ error: 'must be a number in percent, e.g. 99.9\nwrite the number without quotes or a % sign' })
  .gt(0, { error: 'must be above 0\nthe objective is a percentage, e.g. 99.9' })
  .lt(100, { error: 'must be below 100\na 100 % objective leaves no error budget; use e.g. 99.99' })
  .meta({ description: 'Objective in percent, 0 < x < 100 (99.9 = "three nines").' });

const CalendarPeriod = z.strictObject({
  calendar: z.enum(['day', 'week', 'month', 'quarter', 'year'], { error: 'must be day, week, month, quarter or year' }),
  timezone: z.string({ error: 'must be an IANA time zone such as Europe/Berlin' }).optional()
    .meta({ description: 'IANA time zone where the calendar period starts (default UTC).' }),
});

const Period = z
  .union([Duration, CalendarPeriod], { error: 'must be a duration such as 30d or { calendar: month, timezone: Europe/Berlin }' })
  .meta({ description: 'Rolling window (30d, 28d, 7d) or calendar period that resets at its boundary.' });

const Budgeting = z
  .union(
    [
      z.literal('occurrences'),
      z.strictObject({
        timeslices: z.strictObject({
          slice: Duration.meta({ description: 'Slice length, e.g. 1m.' }),
          target: z.number({ error: 'must be a ratio in (0, 1], e.g. 0.95' })
            .gt(0, { error: 'must be above 0\nthe share of good events a slice needs, e.g. 0.95' })
            .lte(1, { error: 'must be at most 1\nthe target is a ratio, e.g. 0.95, not a percentage' }),
        }),
      }),
      z.strictObject({ ratioTimeslices: z.strictObject({ slice: Duration }) }),
    ],
    { error: 'must be occurrences, { timeslices: { slice: 1m, target: 0.95 } } or { ratioTimeslices: { slice: 1m } }' },
  )
  .meta({ description: 'occurrences (event-weighted, default), timeslices or ratioTimeslices.' });

const EventsIndicator = z
  .strictObject({
    errors: Query.optional().meta({ description: 'Bad events: a counter selector or an expression with {{.window}}.' }),
    good: Query.optional().meta({ description: 'Good events, instead of errors.' }),
    total: Query.meta({ description: 'All events: a counter selector or an expression with {{.window}}.' }),
  })
  .superRefine((v, ctx) => {
    if ((v.errors === undefined) === (v.good === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: v.errors === undefined ? [] : ['good'],
        message: v.errors === undefined ? 'give either errors or good\nerrors: counts bad events; good: counts good events' : 'give errors or good, not both\nremove one of them',
      });
    }
  });

const LatencyIndicator = z.strictObject({
  histogram: z.string({ error: 'must be a histogram metric name such as http_request_duration_seconds' })
    .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, { error: 'must be a metric name such as http_request_duration_seconds\nno braces or functions: put label matchers in selector' })
    .meta({ description: 'Histogram base name (the _bucket and _count series are derived).' }),
  threshold: z
    .union([z.number().positive(), Duration], { error: 'must be seconds (0.3) or a duration (300ms) equal to an le bucket boundary' })
    .meta({ description: 'Requests at or under this latency are good; must equal a bucket boundary (le).' }),
  selector: z.string().optional().meta({ description: 'Label matchers, e.g. {job="api",route!="/health"}.' }),
  native: z.boolean().optional().meta({ description: 'Native histogram (histogram_fraction) instead of classic buckets.' }),
});

const RatioIndicator = z
  .strictObject({
    errorRatio: Query.optional().meta({ description: 'Expression with {{.window}} giving the error ratio (0..1).' }),
    successRatio: Query.optional().meta({ description: 'Expression with {{.window}} giving the success ratio (0..1).' }),
  })
  .superRefine((v, ctx) => {
    if ((v.errorRatio === undefined) === (v.successRatio === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'give exactly one of errorRatio or successRatio' });
    }
  });

const BoolGaugeIndicator = z.strictObject({
  selector: Query.meta({ description: 'A 0/1 gauge selector where 1 is good, e.g. probe_success{job="blackbox"}.' }),
});

const Indicator = z
  .strictObject({
    events: EventsIndicator.optional(),
    latency: LatencyIndicator.optional(),
    ratio: RatioIndicator.optional(),
    boolGauge: BoolGaugeIndicator.optional(),
  })
  .superRefine((v, ctx) => {
    const kinds = (['events', 'latency', 'ratio', 'boolGauge'] as const).filter((k) => v[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: kinds.length > 1 ? [kinds[1] ?? ''] : [],
        message: kinds.length === 0
          ? 'the indicator needs exactly one of events, latency, ratio or boolGauge'
          : `the indicator has both ${kinds[0]} and ${kinds[1]}\nkeep exactly one of events, latency, ratio or boolGauge`,
      });
    }
  })
  .meta({ description: 'Exactly one of events, latency, ratio, boolGauge.' });

const Tier = z
  .strictObject({
    severity: Severity,
    long: Duration.meta({ description: 'Long window, e.g. 1h.' }),
    short: Duration.optional().meta({ description: 'Short window (default: the default tier\'s, or 1/12 of long).' }),
    budgetPercent: z.number({ error: 'must be a number in percent, e.g. 2' })
      .gt(0, { error: 'must be above 0' })
      .lte(100, { error: 'must be at most 100\nthe share of the period\'s budget this tier spends before it fires' })
      .optional()
      .meta({ description: 'Share of the period\'s budget spent within the long window when it fires; burn rate = budgetPercent/100 x period / long.' }),
    burnRate: z.number({ error: 'must be a number, e.g. 14.4' }).gt(0, { error: 'must be above 0' }).optional()
      .meta({ description: 'Burn-rate threshold, instead of budgetPercent.' }),
    for: Duration.optional().meta({ description: 'How long the tier must stay active before it fires.' }),
    disabled: z.boolean().optional().meta({ description: 'Remove this default tier.' }),
  })
  .superRefine((v, ctx) => {
    if (v.budgetPercent !== undefined && v.burnRate !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['burnRate'], message: 'give budgetPercent or burnRate, not both\nburnRate = budgetPercent/100 x period / long window' });
    }
  });

const SeverityOverride = z.strictObject({
  disabled: z.boolean().optional(),
  labels: Labels.optional(),
  annotations: Annotations.optional(),
});

const Alerting = z.strictObject({
  name: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, { error: 'must be an alert name such as CheckoutAvailabilityBurn (letters, digits, _ and :)' }).optional()
    .meta({ description: 'Alert name (alertname label); default SLOBurnRate.' }),
  runbook: z.string({ error: 'must be a path such as runbooks/checkout-availability.md or an https:// URL' }).min(1).optional()
    .meta({ description: 'Runbook: a file path relative to the repository root (must exist) or an absolute URL.' }),
  labels: Labels.optional().meta({ description: 'Routing labels added to every alert (team, channel, ...).' }),
  annotations: Annotations.optional(),
  minEvents: z.number({ error: 'must be a whole number of events, e.g. 100' }).int({ error: 'must be a whole number of events' })
    .nonnegative({ error: 'must be 0 or more' }).optional()
    .meta({ description: 'Below this many events in a tier\'s long window the tier does not fire.' }),
  noData: z.strictObject({
    after: Duration.meta({ description: 'A no-data alert fires after this long without data.' }),
    severity: Severity.optional(),
  }).optional(),
  keepFiringFor: Duration.optional().meta({ description: 'Keep firing this long after the condition clears.' }),
  defaultTiers: z.boolean().optional().meta({ description: 'Start from the workbook tiers scaled to the period (default true).' }),
  tiers: z.array(Tier, { error: 'must be a list of tiers, e.g. - { severity: page, long: 1h, short: 5m, budgetPercent: 2 }' }).optional(),
  page: SeverityOverride.optional(),
  ticket: SeverityOverride.optional(),
  exhaustion: z.strictObject({
    threshold: z.number({ error: 'must be a fraction of the budget, e.g. 0.1 for 10 % left' })
      .min(0, { error: 'must be 0 or more' }).lt(1, { error: 'must be below 1\nthe threshold is the fraction of budget left, e.g. 0.1' }).optional(),
    severity: Severity.optional(),
    disabled: z.boolean().optional(),
  }).optional().meta({ description: 'Alert when the remaining budget falls to the threshold (default 0, ticket).' }),
});

const Maintenance = z.strictObject({
  start: z.iso.datetime({ offset: true, error: 'must be an RFC 3339 time with a zone, e.g. "2026-12-06T02:00:00Z"' }),
  duration: Duration,
  every: Duration.optional().meta({ description: 'Repeat interval, e.g. 1w.' }),
  reason: z.string().optional(),
});

/** A share of the error budget: `10%`, `2.5%` or a fraction such as 0.1 (0 to 100 %). */
const BudgetShare = z
  .union([z.string(), z.number()], {
    // A missing value is worded as other missing fields are (so a misspelt key is reported once, as a typo).
    error: (issue) => (issue.input === undefined ? `missing required field "${String(issue.path?.at(-1) ?? 'freezeBelow')}"\nadd it, e.g. freezeBelow: 10%` : 'must be a percentage of the error budget such as 10%, or a fraction such as 0.1'),
  })
  .superRefine((v, ctx) => {
    const r = parseBudgetShare(String(v));
    if (!r.ok) ctx.addIssue({ code: 'custom', message: `${r.message}\n${r.hint}` });
  })
  .meta({ description: 'Share of the period\'s error budget: a percentage such as 10% or a fraction such as 0.1.', examples: ['10%', '2.5%'] });

const Policy = z.strictObject({
  freezeBelow: BudgetShare.meta({ description: 'Release gates freeze deploys while less than this share of the budget is left (default: only when it is exhausted); `burnwatch gate --min-budget` overrides it.' }),
}).meta({ description: 'Error-budget policy: the threshold of release gates (GET /api/v1/gate, burnwatch gate).' });

const Metadata = z.strictObject({
  name: SloName.meta({ description: 'SLO name; also its id (unique across all files) unless id is given.' }),
  id: SloName.optional().meta({ description: 'SLO id when it differs from name, e.g. <namespace>.<name> for an SLO converted from Pyrra; default: name.' }),
  service: SloName.meta({ description: 'Service the SLO belongs to.' }),
  displayName: z.string().optional(),
  description: z.string().optional(),
  labels: Labels.optional(),
  annotations: Annotations.optional(),
});

const MaintenanceList = z.array(Maintenance, { error: 'must be a list of windows, e.g. - { start: "2026-12-06T02:00:00Z", duration: 2h, every: 1w }' }).optional();

export const NativeSlo = z.strictObject({
  apiVersion: z.literal('burnwatch/v1'),
  kind: z.literal('SLO', { error: 'must be SLO, CompositeSLO or BudgetCorrection\nburnwatch/v1 files hold kind: SLO, kind: CompositeSLO and kind: BudgetCorrection documents' }),
  metadata: Metadata,
  spec: z.strictObject({
    objective: Objective,
    period: Period.optional(),
    budgeting: Budgeting.optional(),
    indicator: Indicator,
    groupBy: z.array(LabelName, { error: 'must be a list of label names, e.g. [route]' }).optional()
      .meta({ description: 'One SLO instance per value set of these labels.' }),
    alerting: Alerting.optional(),
    maintenance: MaintenanceList,
    policy: Policy.optional(),
  }),
});
export type NativeSlo = z.infer<typeof NativeSlo>;

const Time = z.iso.datetime({ offset: true, error: 'must be an RFC 3339 time with a zone, e.g. "2026-11-22T02:00:00Z"' });

/**
 * `apiVersion: burnwatch/v1`, `kind: BudgetCorrection`: a stretch of time whose events count neither as bad
 * nor as total for the error budget of the SLOs it names, reviewed in git like the SLOs. Strict, as SLO files.
 */
export const NativeBudgetCorrection = z.strictObject({
  apiVersion: z.literal('burnwatch/v1'),
  kind: z.literal('BudgetCorrection'),
  metadata: z.strictObject({
    name: SloName.meta({ description: 'Name of the correction, unique across the SLO files, e.g. 2026-11-22-dns-outage.' }),
    description: z.string().optional(),
  }),
  spec: z.strictObject({
    slos: z.array(z.string({ error: 'must be an SLO id or label matchers in quotes, e.g. checkout-availability or \'service="checkout"\'' }).min(1, { error: 'is empty\nwrite an SLO id or label matchers such as \'service="checkout"\'' }), { error: 'must be a list of SLO ids and/or label matchers, e.g. [checkout-availability, \'service="checkout"\']' })
      .min(1, { error: 'names no SLO\nlist SLO ids and/or label matchers, e.g. [checkout-availability]' })
      .meta({ description: 'The SLOs it applies to: SLO ids, and/or label matchers on the SLO\'s labels (slo, service, its labels and routing labels), e.g. \'service="checkout"\'; an entry with several matchers needs them all.' }),
    start: Time.meta({ description: 'Start of the corrected time (inclusive).' }),
    end: Time.optional().meta({ description: 'End of the corrected time (exclusive); or give duration.' }),
    duration: Duration.optional().meta({ description: 'Length of the corrected time, instead of end.' }),
    every: Duration.optional().meta({ description: 'Repeat interval (1h or more), e.g. 1w: the correction recurs from start on.' }),
    reason: z.string({ error: 'must say why the time is corrected, e.g. "upstream DNS provider outage, not ours"' })
      .min(1, { error: 'is empty\nsay why the time is corrected, e.g. "upstream DNS provider outage, not ours"' }),
  }).superRefine((v, ctx) => {
    if ((v.end === undefined) === (v.duration === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: v.end === undefined ? [] : ['duration'],
        message: v.end === undefined ? 'give end or duration\ne.g. end: "2026-11-22T02:20:00Z" or duration: 20m' : 'give end or duration, not both\nremove one of them',
      });
    }
  }),
});
export type NativeBudgetCorrection = z.infer<typeof NativeBudgetCorrection>;

const CompositeChild = z.strictObject({
  slo: SloName.meta({ description: 'Id of the child SLO (an SLO or another CompositeSLO, in any file and format).' }),
  weight: z.number({ error: 'must be a number above 0, e.g. 2' })
    .gt(0, { error: 'must be above 0\na child with weight 0 would not count; remove it instead' })
    .max(1e6, { error: 'must be at most 1000000' })
    .optional()
    .meta({ description: 'Weight of the child (default 1).' }),
});

/**
 * `apiVersion: burnwatch/v1`, `kind: CompositeSLO`: one objective and one error budget over several SLOs (a user
 * journey), computed from the children's ledgers; no query of its own.
 */
export const NativeComposite = z.strictObject({
  apiVersion: z.literal('burnwatch/v1'),
  kind: z.literal('CompositeSLO'),
  metadata: Metadata,
  spec: z.strictObject({
    objective: Objective,
    period: Period.optional(),
    method: z.enum(['weightedEvents', 'weightedRatio'], { error: 'must be weightedEvents or weightedRatio' }).optional()
      .meta({ description: 'weightedEvents (default): weighted sum of the children\'s bad and total events; weightedRatio: weighted mean of their error ratios in each slot.' }),
    children: z.array(CompositeChild, { error: 'must be a list of children, e.g. - { slo: payments-availability, weight: 2 }' })
      .min(1, { error: 'a composite needs at least one child\nlist the SLOs of the journey, e.g. - { slo: payments-availability }' })
      .max(100, { error: 'a composite may have at most 100 children' }),
    alerting: Alerting.extend({
      inhibitChildren: z.boolean().optional().meta({ description: 'While the composite\'s page fires, its children\'s pages are held (sent if they still fire when it resolves).' }),
    }).optional(),
    maintenance: MaintenanceList,
    policy: Policy.optional(),
  }),
});
export type NativeComposite = z.infer<typeof NativeComposite>;
