import type { Location, LocatedDocument, PathSegment, LocatedProblem } from '../located.js';
import { closest } from '../zod-errors.js';
import type { V1Kind } from './schema.js';

/**
 * Reference resolution for `openslo/v1`, across every file of one load: `indicatorRef` (SLO -> SLI),
 * `alertPolicyRef` (SLO -> AlertPolicy), `conditionRef` (AlertPolicy -> AlertCondition) and `targetRef`
 * (AlertPolicy -> AlertNotificationTarget), as go-sdk's reference inliner does (`openslosdk/reference_inliner.go`).
 * A reference to a missing object is an error worded like the inliner's
 * (`v1.SLI 'no-sli' referenced at 'spec.indicatorRef' does not exist`), located at the reference.
 * `metricSourceRef` (SLI -> DataSource) is looked up by the mapping (`to-model.ts`), because only the
 * data source type matters to burnwatch and go-sdk's inliner does not resolve it.
 *
 * Resolution works on the raw values and keeps, for every object, the document and path it was written at,
 * so problems found later (a Datadog query, an `op: lte`) point at the file that holds them.
 */

/** A map value and where it is: `path` is relative to the object `doc` addresses. */
export interface Placed {
  readonly doc: LocatedDocument;
  readonly path: readonly PathSegment[];
  readonly value: Readonly<Record<string, unknown>>;
}

/** A top-level OpenSLO object of the load. `valid`: it passed its schema (warnings aside). */
export interface TopObject extends Placed {
  readonly kind: V1Kind;
  readonly name: string | undefined;
  readonly valid: boolean;
}

export function locateIn(p: Placed, sub: readonly PathSegment[] = [], options: { key?: boolean } = {}): Location {
  return p.doc.locate([...p.path, ...sub], options);
}

export function placedChild(p: Placed, sub: readonly PathSegment[]): Placed | undefined {
  let v: unknown = p.value;
  for (const seg of sub) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return isRecord(v) ? { doc: p.doc, path: [...p.path, ...sub], value: v } : undefined;
}

export class ObjectIndex {
  private readonly byKind = new Map<V1Kind, TopObject[]>();

  constructor(objects: readonly TopObject[]) {
    for (const o of objects) {
      const list = this.byKind.get(o.kind) ?? [];
      list.push(o);
      this.byKind.set(o.kind, list);
    }
  }

  /** The first object of `kind` named `name`, in load order (go-sdk's `findObject` also takes the first). */
  find(kind: V1Kind, name: string): TopObject | undefined {
    return this.byKind.get(kind)?.find((o) => o.name === name);
  }

  names(kind: V1Kind): string[] {
    return [...new Set((this.byKind.get(kind) ?? []).flatMap((o) => (o.name === undefined ? [] : [o.name])))];
  }

  all(kind: V1Kind): readonly TopObject[] {
    return this.byKind.get(kind) ?? [];
  }
}

/** A referenced or inline object as the inliner would produce it: `value` holds `metadata` and `spec`. */
export interface ResolvedPart {
  readonly placed: Placed;
  /** The referenced top-level object, when the entry was a `*Ref`. */
  readonly ref?: TopObject;
  readonly valid: boolean;
}

export interface ResolvedPolicy extends ResolvedPart {
  readonly conditions: readonly ResolvedPart[];
  readonly targets: readonly ResolvedPart[];
  /** Every reference resolved and every part valid. */
  readonly complete: boolean;
}

export interface ResolvedSlo {
  readonly slo: TopObject;
  readonly indicator?: ResolvedPart;
  readonly policies: readonly ResolvedPolicy[];
  readonly complete: boolean;
  readonly errors: LocatedProblem[];
}

function notFound(index: ObjectIndex, kind: V1Kind, name: string, logicalPath: string, at: Location): LocatedProblem {
  const known = index.names(kind);
  const suggestion = closest(name, known);
  const hint = suggestion !== undefined
    ? `did you mean "${suggestion}"?`
    : known.length > 0
      ? `known ${kind} objects: ${known.slice(0, 10).join(', ')}; or add ${article(kind)} named "${name}" to the files you load`
      : `add ${article(kind)} named "${name}" (apiVersion: openslo/v1, kind: ${kind}) to one of the files you load, or write the ${kind} inline`;
  return { ...at, message: `v1.${kind} '${name}' referenced at '${logicalPath}' does not exist`, hint };
}

/**
 * Resolves the condition and targets of an AlertPolicy (a top-level one, or one inline in an SLO).
 * `logical` is the go-sdk field path prefix of the policy (`spec.alertPolicies[0].` inside an SLO).
 */
export function resolvePolicy(policy: Placed, index: ObjectIndex, ownerValid: boolean, logical: string, errors: LocatedProblem[], ref?: TopObject): ResolvedPolicy {
  const resolveList = (key: 'conditions' | 'notificationTargets', refKey: 'conditionRef' | 'targetRef', kind: V1Kind): ResolvedPart[] => {
    const list = policy.value['spec'] !== undefined && isRecord(policy.value['spec']) ? policy.value['spec'][key] : undefined;
    if (!Array.isArray(list)) return [];
    const out: ResolvedPart[] = [];
    list.forEach((entry: unknown, i) => {
      if (!isRecord(entry)) return;
      const entryPlaced: Placed = { doc: policy.doc, path: [...policy.path, 'spec', key, i], value: entry };
      const name = entry[refKey];
      if (typeof name === 'string') {
        const target = index.find(kind, name);
        if (!target) {
          errors.push(notFound(index, kind, name, `${logical}spec.${key}[${i}].${refKey}`, locateIn(entryPlaced, [refKey])));
          out.push({ placed: entryPlaced, valid: false });
          return;
        }
        out.push({ placed: target, ref: target, valid: target.valid });
        return;
      }
      out.push({ placed: entryPlaced, valid: ownerValid });
    });
    return out;
  };
  const conditions = resolveList('conditions', 'conditionRef', 'AlertCondition');
  const targets = resolveList('notificationTargets', 'targetRef', 'AlertNotificationTarget');
  const complete = ownerValid && [...conditions, ...targets].every((p) => p.valid);
  return ref === undefined
    ? { placed: policy, valid: ownerValid, conditions, targets, complete }
    : { placed: policy, ref, valid: ownerValid, conditions, targets, complete };
}

/** Resolves an SLO's indicator and alert policies. Policies that are separate objects report their own
 *  missing references (once, when they are checked on their own); the SLO is then just incomplete. */
export function resolveSlo(slo: TopObject, index: ObjectIndex): ResolvedSlo {
  const errors: LocatedProblem[] = [];
  const spec = placedChild(slo, ['spec']);
  let indicator: ResolvedPart | undefined;
  let complete = slo.valid;
  const indicatorRef = spec?.value['indicatorRef'];
  if (spec && typeof indicatorRef === 'string') {
    const sli = index.find('SLI', indicatorRef);
    if (!sli) {
      errors.push(notFound(index, 'SLI', indicatorRef, 'spec.indicatorRef', locateIn(spec, ['indicatorRef'])));
      complete = false;
    } else {
      indicator = { placed: sli, ref: sli, valid: sli.valid };
      complete &&= sli.valid;
    }
  } else if (spec) {
    const inline = placedChild(spec, ['indicator']);
    if (inline) indicator = { placed: inline, valid: slo.valid };
  }

  const policies: ResolvedPolicy[] = [];
  const list = spec?.value['alertPolicies'];
  if (spec && Array.isArray(list)) {
    list.forEach((entry: unknown, i) => {
      if (!isRecord(entry)) return;
      const entryPlaced: Placed = { doc: spec.doc, path: [...spec.path, 'alertPolicies', i], value: entry };
      const name = entry['alertPolicyRef'];
      if (typeof name === 'string') {
        const policy = index.find('AlertPolicy', name);
        if (!policy) {
          errors.push(notFound(index, 'AlertPolicy', name, `spec.alertPolicies[${i}].alertPolicyRef`, locateIn(entryPlaced, ['alertPolicyRef'])));
          complete = false;
          return;
        }
        // Its own references were reported when the AlertPolicy was checked on its own.
        const resolved = resolvePolicy(policy, index, policy.valid, `spec.alertPolicies[${i}].`, [], policy);
        complete &&= resolved.complete;
        policies.push(resolved);
        return;
      }
      const resolved = resolvePolicy(entryPlaced, index, slo.valid, `spec.alertPolicies[${i}].`, errors);
      complete &&= resolved.complete;
      policies.push(resolved);
    });
  }
  return indicator === undefined ? { slo, policies, complete, errors } : { slo, indicator, policies, complete, errors };
}

// ---------------------------------------------------------------- the inliner's output, for comparison

/** The object as go-sdk's inliner writes it: references replaced by `{kind, metadata, spec}` (`{metadata, spec}` for an SLO's indicator). */
export function inlinedPolicy(p: ResolvedPolicy): Record<string, unknown> {
  const spec = { ...(p.placed.value['spec'] as Record<string, unknown>) };
  spec['conditions'] = p.conditions.map((c) => inlinedPart(c, 'AlertCondition'));
  spec['notificationTargets'] = p.targets.map((t) => inlinedPart(t, 'AlertNotificationTarget'));
  return { ...p.placed.value, spec };
}

export function inlinedSlo(r: ResolvedSlo): Record<string, unknown> {
  const spec = { ...(r.slo.value['spec'] as Record<string, unknown>) };
  if (r.indicator) {
    delete spec['indicatorRef'];
    spec['indicator'] = { metadata: r.indicator.placed.value['metadata'], spec: r.indicator.placed.value['spec'] };
  }
  if (r.policies.length > 0) {
    spec['alertPolicies'] = r.policies.map((p) => {
      const inlined = inlinedPolicy(p);
      return { kind: 'AlertPolicy', metadata: inlined['metadata'], spec: inlined['spec'] };
    });
  }
  return { ...r.slo.value, spec };
}

function inlinedPart(p: ResolvedPart, kind: string): Record<string, unknown> {
  if (p.ref === undefined) return { ...p.placed.value };
  return { kind, metadata: p.placed.value['metadata'], spec: p.placed.value['spec'] };
}

function article(kind: string): string {
  return `${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${kind}`;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
