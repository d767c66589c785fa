import type { Severity, Slo } from '../slo/model.js';

/**
 * Who an alert is: each SLO instance has a burn-rate alert per severity, and optionally a no-data and a
 * budget-exhaustion alert. Pure.
 */

export type AlertKind = 'burn' | 'nodata' | 'exhaustion';

/** Stable identity of an alert across its life and restarts: `<slo id>/<instance key>/<severity or kind>`. */
export function alertKey(sloId: string, instanceKey: string, kind: AlertKind, severity: Severity): string {
  return kind === 'burn' ? `${sloId}/${instanceKey}/${severity}` : `${sloId}/${instanceKey}/${kind}`;
}

/** The alert's labels, as routing, silences and inhibit rules match them (later sources win). */
export function alertLabels(slo: Slo, instance: Readonly<Record<string, string>>, kind: AlertKind, severity: Severity): Record<string, string> {
  const policy = severity === 'page' ? slo.alerting.page : slo.alerting.ticket;
  return {
    ...slo.labels,
    ...slo.alerting.labels,
    ...policy.labels,
    ...instance,
    alertname: kind === 'burn' ? slo.alerting.name : kind === 'nodata' ? `${slo.alerting.name}NoData` : `${slo.alerting.name}BudgetExhausted`,
    slo: slo.id,
    service: slo.service,
    severity,
  };
}
