import { formatDuration } from '../../slo/duration.js';
import type { AlertingPolicy, Severity, SeverityPolicy } from '../../slo/model.js';
import { resolveTiers } from '../../slo/windows.js';
import type { TierOverride } from '../../slo/windows.js';
import type { Location, LocatedProblem } from '../located.js';
import { DEFAULT_ALERT_NAME } from '../native/to-model.js';
import type { Placed, ResolvedPolicy, ResolvedSlo } from './resolve.js';
import { isRecord, locateIn, placedChild } from './resolve.js';
import { AlertConditionSpec, AlertNotificationTargetSpec, AlertPolicySpec } from './schema.js';
import type { Context } from './context.js';
import { shorthandMs } from './periods.js';

/** The AlertPolicies of one `openslo/v1` SLO -> its burnwatch alerting policy: tiers, no-data alert, routing data. */

const PAGE_SEVERITIES = new Set(['page', 'critical', 'high', 'urgent', 'emergency', 'p1', 'sev1']);

interface MappedAlerting {
  readonly policy: AlertingPolicy;
  readonly at: Record<string, Location>;
}

interface SeverityRouting {
  readonly targets: Set<string>;
  readonly targetNames: Set<string>;
  readonly policies: Set<string>;
}

function mapSeverity(severity: string): Severity {
  return PAGE_SEVERITIES.has(severity.trim().toLowerCase()) ? 'page' : 'ticket';
}

/** Warnings about a burn-rate condition as written (`spec` of an AlertCondition). */
export function conditionWarnings(spec: Placed | undefined): LocatedProblem[] {
  const condition = spec ? placedChild(spec, ['condition']) : undefined;
  if (!condition) return [];
  const op = condition.value['op'];
  const threshold = condition.value['threshold'];
  if (op !== 'lt' && op !== 'lte') return [];
  return [{
    ...locateIn(condition, ['op']),
    severity: 'warning',
    message: `op: ${op} would alert while the burn rate is ${op === 'lt' ? 'below' : 'at or below'} ${String(threshold)}; burnwatch alerts when the burn rate exceeds the threshold`,
    hint: 'write op: gt; the OpenSLO examples write lte for "exceeds" too, and burnwatch reads it that way',
  }];
}

export function v1Alerting(ctx: Context, resolved: ResolvedSlo, specPlaced: Placed, periodMs: number): MappedAlerting | undefined {
  const overrides: { override: TierOverride; at: Location; condition: string }[] = [];
  const routing: Record<Severity, SeverityRouting> = {
    page: { targets: new Set(), targetNames: new Set(), policies: new Set() },
    ticket: { targets: new Set(), targetNames: new Set(), policies: new Set() },
  };
  let noDataAfterMs: number | undefined;
  let ok = true;
  for (const policy of resolved.policies) {
    const mapped = policyTier(ctx, policy);
    if (!mapped) {
      ok = false;
      continue;
    }
    const r = routing[mapped.severity];
    r.policies.add(mapped.policyName);
    for (const t of mapped.targets) {
      r.targets.add(t.target);
      r.targetNames.add(t.name);
    }
    if (mapped.noData) noDataAfterMs = Math.min(noDataAfterMs ?? Infinity, mapped.override.longMs);
    if (mapped.breaching === false) continue;
    const same = overrides.find((o) => o.override.severity === mapped.override.severity && o.override.longMs === mapped.override.longMs);
    if (same) {
      if (same.override.factor === mapped.override.factor && same.override.forMs === mapped.override.forMs) continue;
      ctx.errors.push({
        ...mapped.at,
        message: `SLO "${ctx.sloName}": conditions '${same.condition}' and '${mapped.conditionName}' both make the ${mapped.override.severity} tier with a ${formatDuration(mapped.override.longMs)} lookback window, with different thresholds or alertAfter`,
        hint: `give one of them another lookbackWindow or severity, or make them equal; the other one is at ${same.at.file}:${same.at.line}:${same.at.col}`,
      });
      ok = false;
      continue;
    }
    overrides.push({ override: mapped.override, at: mapped.at, condition: mapped.conditionName });
  }
  if (!ok) return undefined;

  const useDefaults = resolved.policies.length === 0;
  const tiers = resolveTiers(periodMs, overrides.map((o) => o.override), useDefaults);
  const at: Record<string, Location> = {};
  for (const tier of tiers) {
    const from = overrides.find((o) => o.override.severity === tier.severity && o.override.longMs === tier.longMs);
    if (from) at[`tier:${tier.name}`] = from.at;
  }
  const severityPolicy = (r: SeverityRouting): SeverityPolicy => ({
    enabled: true,
    labels: r.targets.size > 0 ? { openslo_target: [...r.targets].sort().join(',') } : {},
    annotations: {
      ...(r.policies.size > 0 ? { openslo_alert_policies: [...r.policies].join(',') } : {}),
      ...(r.targetNames.size > 0 ? { openslo_notification_targets: [...r.targetNames].join(',') } : {}),
    },
  });
  const policy: AlertingPolicy = {
    name: DEFAULT_ALERT_NAME,
    labels: {},
    annotations: {},
    minEvents: 0,
    ...(noDataAfterMs === undefined ? {} : { noDataAfterMs }),
    keepFiringForMs: 0,
    tiers,
    page: severityPolicy(routing.page),
    ticket: severityPolicy(routing.ticket),
    // With alert policies the file says exactly which alerts it wants; without, burnwatch's defaults.
    ...(useDefaults ? { exhaustion: { threshold: 0, severity: 'ticket' as const } } : {}),
  };
  if (!useDefaults) at['alerting'] = locateIn(specPlaced, ['alertPolicies']);
  return { policy, at };
}

interface PolicyTier {
  readonly policyName: string;
  readonly conditionName: string;
  readonly severity: Severity;
  readonly override: TierOverride & { readonly factor: number; readonly forMs: number };
  readonly at: Location;
  readonly targets: readonly { name: string; target: string }[];
  readonly noData: boolean;
  readonly breaching: boolean | undefined;
}

function policyTier(ctx: Context, policy: ResolvedPolicy): PolicyTier | undefined {
  const spec = AlertPolicySpec.parse(policy.placed.value['spec']);
  const metadata = policy.placed.value['metadata'];
  const policyName = isRecord(metadata) && typeof metadata['name'] === 'string' ? metadata['name'] : '';
  const conditionPart = policy.conditions[0];
  if (!conditionPart) return undefined;
  const conditionSpec = placedChild(conditionPart.placed, ['spec']);
  if (!conditionSpec) return undefined;
  const condition = AlertConditionSpec.parse(conditionSpec.value);
  const conditionMeta = conditionPart.placed.value['metadata'];
  const conditionName = isRecord(conditionMeta) && typeof conditionMeta['name'] === 'string' ? conditionMeta['name'] : '';
  ctx.errors.push(...conditionWarnings(conditionSpec));
  const at = locateIn(conditionSpec, ['condition']);
  const { threshold, lookbackWindow, alertAfter } = condition.condition;
  if (threshold <= 0) {
    ctx.errors.push({ ...locateIn(conditionSpec, ['condition', 'threshold']), message: `the burn-rate threshold must be above 0, not ${threshold}`, hint: 'write the burn rate that should alert, e.g. threshold: 14.4 (2 % of a 30-day budget in 1 hour)' });
    return undefined;
  }
  if (spec.alertWhenBreaching === false) {
    ctx.errors.push({
      ...locateIn(policy.placed, ['spec', 'alertWhenBreaching'], { key: true }),
      severity: 'warning',
      message: `alert policy '${policyName}' has alertWhenBreaching: false, so it adds no burn-rate tier`,
      hint: 'remove the line (or write true) to alert when the burn rate exceeds the threshold',
    });
  }
  const severity = mapSeverity(condition.severity);
  const targets = policy.targets.flatMap((t) => {
    const tSpec = placedChild(t.placed, ['spec']);
    const tMeta = t.placed.value['metadata'];
    if (!tSpec) return [];
    const parsed = AlertNotificationTargetSpec.parse(tSpec.value);
    return [{ name: isRecord(tMeta) && typeof tMeta['name'] === 'string' ? tMeta['name'] : parsed.target, target: parsed.target }];
  });
  return {
    policyName,
    conditionName,
    severity,
    override: { severity, longMs: shorthandMs(lookbackWindow), factor: threshold, forMs: alertAfter === undefined ? 0 : shorthandMs(alertAfter) },
    at,
    targets,
    noData: spec.alertWhenNoData === true,
    breaching: spec.alertWhenBreaching,
  };
}
