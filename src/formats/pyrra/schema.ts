import { z } from 'zod';
import { Duration, LabelName } from '../common-schema.js';

/**
 * Pyrra's `pyrra.dev/v1alpha1` `ServiceLevelObjective` (Pyrra `kubernetes/api/v1alpha1/servicelevelobjective_types.go`).
 * Strict like the Kubernetes API server with strict field validation: an unknown field is an error with a
 * "did you mean" hint. The metadata fields a `kubectl get -o yaml` export carries (uid, resourceVersion, ...)
 * and `status` are accepted and ignored.
 */

const Metric = z
  .string({ error: 'must be a PromQL series selector such as http_requests_total{job="api",code=~"5.."}' })
  .min(1, { error: 'metric is empty\nwrite a series selector such as http_requests_total{job="api"}' });

const Query = z.strictObject({ metric: Metric });

const Grouping = z
  .array(LabelName, { error: 'must be a list of label names, e.g. [handler]' })
  .nullable()
  .optional();

/** Pyrra's `target`: a string, because Kubernetes CRDs do not carry floats. Range checks are in to-model. */
const Target = z
  .string({ error: `must be a quoted percentage such as '99.9'\nPyrra's target is a string: write target: '99.9'` })
  .regex(/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/, {
    error: (issue) => `"${String(issue.input)}" is not a number\nwrite the target as a quoted percentage, e.g. '99.9'`,
  });

const Indicator = z
  .strictObject({
    ratio: z.strictObject({ errors: Query, total: Query, grouping: Grouping }).optional(),
    latency: z.strictObject({ success: Query, total: Query, grouping: Grouping }).optional(),
    latencyNative: z.strictObject({ latency: Duration, total: Query, grouping: Grouping }).optional(),
    bool_gauge: z.strictObject({ metric: Metric, grouping: Grouping }).optional(),
  })
  .superRefine((v, ctx) => {
    const kinds = (['ratio', 'latency', 'latencyNative', 'bool_gauge'] as const).filter((k) => v[k] !== undefined);
    if (kinds.length === 1) return;
    ctx.addIssue({
      code: 'custom',
      path: kinds.length > 1 ? [kinds[1] ?? ''] : [],
      message: kinds.length === 0
        ? 'the indicator needs one of ratio, latency, latencyNative or bool_gauge'
        : `the indicator has both ${kinds[0]} and ${kinds[1]}\nkeep exactly one; Pyrra reads only the first of ratio, latency, latencyNative, bool_gauge`,
    });
  });

const Severity = z.string({ error: 'must be a severity such as critical or warning' }).optional();

const Alerting = z.strictObject({
  disabled: z.boolean({ error: 'must be true or false' }).optional(),
  burnrates: z.boolean({ error: 'must be true or false' }).optional(),
  absent: z.boolean({ error: 'must be true or false' }).optional(),
  name: z.string()
    .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, { error: 'must be an alert name such as ErrorBudgetBurn (letters, digits, _ and :)\nPrometheus rejects other alert names' })
    .optional(),
  absentName: z.string().optional(),
  severities: z.strictObject({
    absent: Severity,
    fastBurn: Severity,
    mediumBurn: Severity,
    slowBurn: Severity,
    longTermBurn: Severity,
  }).optional(),
});

const StringMap = z.record(z.string(), z.string({ error: 'values must be strings\nquote the value' }));

/** Kubernetes object names: DNS subdomains (RFC 1123). */
const K8S_NAME_RE = /^[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?$/;
/** Kubernetes namespaces: DNS labels (RFC 1123). */
const K8S_NAMESPACE_RE = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;

const Metadata = z.strictObject({
  name: z.string({ error: 'must be the SLO name, e.g. api-errors' })
    .regex(K8S_NAME_RE, { error: (issue) => `"${String(issue.input)}" is not a valid Kubernetes name\nuse lower-case letters, digits, "-" and ".", starting and ending with a letter or digit` })
    .max(128, { error: 'names are limited to 128 characters here\nshorten the name' }),
  namespace: z.string()
    .regex(K8S_NAMESPACE_RE, { error: (issue) => `"${String(issue.input)}" is not a valid Kubernetes namespace\nuse lower-case letters, digits and "-"` })
    .max(63, { error: 'namespaces are limited to 63 characters' })
    .optional(),
  labels: StringMap.optional(),
  annotations: StringMap.optional(),
  // Set by the API server; present in `kubectl get -o yaml` exports. Accepted, not used.
  generateName: z.unknown().optional(),
  selfLink: z.unknown().optional(),
  uid: z.unknown().optional(),
  resourceVersion: z.unknown().optional(),
  generation: z.unknown().optional(),
  creationTimestamp: z.unknown().optional(),
  deletionTimestamp: z.unknown().optional(),
  deletionGracePeriodSeconds: z.unknown().optional(),
  ownerReferences: z.unknown().optional(),
  finalizers: z.unknown().optional(),
  managedFields: z.unknown().optional(),
});

export const PyrraSlo = z.strictObject({
  apiVersion: z.literal('pyrra.dev/v1alpha1'),
  kind: z.literal('ServiceLevelObjective', { error: 'must be ServiceLevelObjective\npyrra.dev/v1alpha1 files hold kind: ServiceLevelObjective' }),
  metadata: Metadata,
  spec: z.strictObject({
    description: z.string({ error: 'must be text' }).nullable().optional(),
    target: Target,
    window: Duration,
    indicator: Indicator,
    alerting: Alerting.optional(),
    // Rule-generation settings of Pyrra (Thanos partial responses, rule splitting): no meaning for burnwatch.
    partial_response_strategy: z.enum(['abort', 'warn', ''], { error: 'must be abort or warn' }).optional(),
    performanceOverAccuracy: z.boolean({ error: 'must be true or false' }).optional(),
    ruleOutput: z.strictObject({
      shortRulesLabels: StringMap.optional(),
      longRulesLabels: StringMap.optional(),
      enableDescriptionAsLabel: z.boolean({ error: 'must be true or false' }).optional(),
    }).optional(),
  }),
  status: z.unknown().optional(),
});
export type PyrraSlo = z.infer<typeof PyrraSlo>;
