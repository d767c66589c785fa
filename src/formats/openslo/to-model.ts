import type { SpecFormat } from '../../slo/model.js';
import type { DetectedObject, ReadOptions } from '../readers.js';
import type { LoadedSlo, ReadResult } from '../loaded.js';
import type { LocatedProblem } from '../located.js';
import { closest, issuesToErrors } from '../zod-errors.js';
import type { Placed, TopObject } from './resolve.js';
import { ObjectIndex, isRecord, locateIn, placedChild, resolvePolicy, resolveSlo } from './resolve.js';
import { V1ALPHA_KINDS, V1ALPHA_SCHEMAS, V1_KINDS, V1_SCHEMAS } from './schema.js';
import type { V1Kind } from './schema.js';
import { mapV1Slo } from './v1.js';
import { conditionWarnings } from './v1-alerting.js';
import { mapV1alphaSlo } from './v1alpha.js';

/**
 * OpenSLO -> the burnwatch model. Decisions (each also noted where it is made):
 *
 * - One burnwatch SLO per objective. v1: the id is `metadata.name` when the SLO has one objective and
 *   `<name>-<index>` when it has several (names are RFC 1123 labels, so the ids stay valid; display names
 *   can change and are not unique). v1alpha: `<service>-<name>-<index>` always, as Sloth names them, so ids
 *   (and Sloth's `sloth_id` labels) match for the same file.
 * - Objective = `target` x 100 or `targetPercent`.
 * - Durations: `m` h d w, `M` = 30 d, `Q` = 90 d, `Y` = 365 d (go-sdk `duration_shorthand.go`). A calendar
 *   window must be 1d, 1w, 1M, 1Q or 1Y. No `timeWindow` at all: the default period (30 d, Sloth's default).
 *   `isRolling` omitted without `calendar` is read as rolling (the meaning is unambiguous; Sloth's v1alpha
 *   files do this); `isRolling: false` without `calendar` is an error, as in go-sdk.
 * - Calendar windows reset at the unit's boundary in `timeZone` (midnight; weeks on Monday, `slo/calendar.ts`);
 *   a `startTime` off that boundary is a warning, as it is not used.
 * - Queries: see `promql.ts`. Only Prometheus-compatible data sources are read (`type`, or the type of the
 *   DataSource named by `metricSourceRef`, or a query that parses as PromQL). A `metricSourceRef` to a missing
 *   DataSource is a warning: go-sdk's inliner does not resolve it, and burnwatch does not need it.
 * - Alerting: an AlertPolicy's burn-rate condition is one tier: `threshold` is the burn-rate factor,
 *   `lookbackWindow` the long window, the short window 1/12 of it (the workbook's guideline, rounded to the
 *   minute), `alertAfter` the `for` duration, and the free-form `severity` is `page` for page, critical, high,
 *   urgent, emergency, p1 and sev1 (any case), `ticket` otherwise. An SLO with alert policies gets exactly
 *   those tiers; without any, burnwatch's default tiers for its period (and the budget-exhausted alert).
 *   `op: lt/lte` on a burn-rate condition is read as "exceeds" (the OpenSLO examples write `lte` for it) with a
 *   located warning. `alertWhenNoData` sets the no-data alert after the condition's lookback window;
 *   `alertWhenBreaching: false` makes the policy add no tier (warning); `alertWhenResolved` is not mapped
 *   (burnwatch decides resolve notifications per destination).
 * - Notification targets become routing data on the severity the policy's condition maps to: the label
 *   `openslo_target` (the targets' `spec.target` values, sorted, comma-separated: `email,pagerduty`) and the
 *   annotations `openslo_alert_policies` and `openslo_notification_targets` (object names).
 * - `metadata.labels` become SLO labels (keys with characters Prometheus does not allow turned into `_`,
 *   lists joined with `,`). `metadata.annotations` are not mapped (their keys are not Prometheus names).
 * - Composite SLOs (an indicator per objective) are reported as unsupported.
 *
 * This file checks every object against the schema of its kind and hands each SLO to its version's mapping:
 * `v1.ts` (with `v1-alerting.ts` for alert policies) and `v1alpha.ts`; both build their indicators with
 * `indicators.ts` and their periods with `periods.ts`.
 */

/** Every object of the load checked against the schema of its kind. */
export interface CheckedObjects {
  readonly v1: TopObject[];
  readonly v1alpha: { readonly placed: Placed; readonly valid: boolean; readonly kind: string }[];
  readonly errors: LocatedProblem[];
}

export function checkObjects(objects: readonly DetectedObject[]): CheckedObjects {
  const errors: LocatedProblem[] = [];
  const v1: TopObject[] = [];
  const v1alpha: CheckedObjects['v1alpha'] = [];
  for (const o of objects) {
    const placed: Placed = { doc: o.doc, path: [], value: o.value };
    const v1Format = o.format === 'openslo/v1';
    const kinds: readonly string[] = v1Format ? V1_KINDS : V1ALPHA_KINDS;
    const kind = o.value['kind'];
    if (typeof kind !== 'string' || !kinds.includes(kind)) {
      errors.push(unknownKind(placed, kind, kinds, o.format));
      continue;
    }
    const schema = v1Format ? V1_SCHEMAS[kind as V1Kind] : V1ALPHA_SCHEMAS[kind as keyof typeof V1ALPHA_SCHEMAS];
    const parsed = schema.safeParse(o.value, { reportInput: true });
    const own = parsed.success ? [] : issuesToErrors(parsed.error.issues, o.doc, schema);
    errors.push(...own);
    const valid = own.every((e) => e.severity === 'warning');
    if (v1Format) {
      const metadata = o.value['metadata'];
      const name = isRecord(metadata) && typeof metadata['name'] === 'string' ? metadata['name'] : undefined;
      v1.push({ ...placed, kind: kind as V1Kind, name, valid });
    } else {
      v1alpha.push({ placed, valid, kind });
    }
  }
  return { v1, v1alpha, errors };
}

/** Reads every `openslo/v1` and `openslo/v1alpha` object of one load. */
export function readOpenSlo(objects: readonly DetectedObject[], options: ReadOptions): ReadResult {
  const { v1, v1alpha, errors } = checkObjects(objects);
  const index = new ObjectIndex(v1);
  errors.push(...duplicateWarnings(index));
  // Every AlertPolicy's references are checked once, where it is written (go-sdk inlines them too).
  // Conditions are warned about where they are written, whether or not an SLO uses them.
  for (const policy of index.all('AlertPolicy')) {
    const resolved = resolvePolicy(policy, index, policy.valid, '', errors);
    for (const c of resolved.conditions) {
      if (c.ref === undefined && c.valid) errors.push(...conditionWarnings(placedChild(c.placed, ['spec'])));
    }
  }
  for (const condition of index.all('AlertCondition')) {
    if (condition.valid) errors.push(...conditionWarnings(placedChild(condition, ['spec'])));
  }

  const slos: LoadedSlo[] = [];
  for (const slo of index.all('SLO')) {
    const resolved = resolveSlo(slo, index);
    errors.push(...resolved.errors);
    if (!resolved.complete) continue;
    const mapped = mapV1Slo(resolved, index, options);
    slos.push(...mapped.slos);
    errors.push(...mapped.errors);
  }
  for (const o of v1alpha) {
    if (o.kind !== 'SLO' || !o.valid) continue;
    const mapped = mapV1alphaSlo(o.placed, options);
    slos.push(...mapped.slos);
    errors.push(...mapped.errors);
  }
  return { slos, errors: dedupe(errors) };
}

function unknownKind(placed: Placed, kind: unknown, kinds: readonly string[], format: SpecFormat): LocatedProblem {
  const at = locateIn(placed, kind === undefined ? [] : ['kind']);
  if (typeof kind !== 'string') {
    return { ...at, message: kind === undefined ? 'missing required field "kind"' : `kind must be a string, not ${JSON.stringify(kind)}`, hint: `${format} kinds: ${kinds.join(', ')}` };
  }
  const suggestion = closest(kind, kinds);
  return {
    ...at,
    message: `unknown ${format} kind "${kind}"`,
    hint: suggestion === undefined ? `${format} kinds: ${kinds.join(', ')}` : `did you mean "${suggestion}"?`,
  };
}

/** Two referenceable objects of one kind with one name: references use the first (as go-sdk does). */
function duplicateWarnings(index: ObjectIndex): LocatedProblem[] {
  const out: LocatedProblem[] = [];
  for (const kind of ['SLI', 'AlertPolicy', 'AlertCondition', 'AlertNotificationTarget', 'DataSource'] as const) {
    const seen = new Map<string, TopObject>();
    for (const o of index.all(kind)) {
      if (o.name === undefined) continue;
      const first = seen.get(o.name);
      if (!first) {
        seen.set(o.name, o);
        continue;
      }
      const at = locateIn(first, ['metadata', 'name']);
      out.push({
        ...locateIn(o, ['metadata', 'name']),
        severity: 'warning',
        message: `another v1.${kind} named '${o.name}' is defined at ${at.file}:${at.line}:${at.col}; references to '${o.name}' use that one`,
        hint: 'rename one of them, or remove the copy',
      });
    }
  }
  return out;
}

function dedupe(errors: readonly LocatedProblem[]): LocatedProblem[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.file}:${e.line}:${e.col}:${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
