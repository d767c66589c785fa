import type { Labels } from './labels.js';
import { labelValue } from './labels.js';
import type { Matcher } from './matchers.js';
import { matchesAll } from './matchers.js';

/**
 * Inhibition with Alertmanager's semantics (docs/configuration.md `<inhibit_rule>`, inhibit/inhibit.go
 * @v0.25.0): a target alert is muted while a FIRING source alert exists such that
 *   - the target matches every `target_matchers` entry,
 *   - the source matches every `source_matchers` entry,
 *   - for every label in `equal`, source and target have the same value (a missing label counts as the
 *     empty string, so two alerts that both lack the label are "equal" on it);
 *   - and, when the target also matches the source side, the source does NOT match the target side:
 *     alerts that match both sides of a rule cannot inhibit each other (nor themselves).
 *
 * Pure: the caller passes the alerts firing at the moment.
 */

export interface InhibitRule {
  /** For messages: `inhibit_rules[0]` or `built-in: page inhibits ticket`. */
  readonly name: string;
  readonly sourceMatchers: readonly Matcher[];
  readonly targetMatchers: readonly Matcher[];
  readonly equal: readonly string[];
}

/** Which rule and which firing alert mute the target. */
export interface Inhibition {
  readonly rule: InhibitRule;
  readonly source: Labels;
}

function equalOn(a: Labels, b: Labels, names: readonly string[]): boolean {
  return names.every((name) => labelValue(a, name) === labelValue(b, name));
}

/** The first rule and source alert that mute `target`, or undefined. `firing` are the firing alerts' labels. */
export function findInhibition(target: Labels, firing: readonly Labels[], rules: readonly InhibitRule[]): Inhibition | undefined {
  for (const rule of rules) {
    if (!matchesAll(rule.targetMatchers, target)) continue;
    const targetIsAlsoSource = matchesAll(rule.sourceMatchers, target);
    for (const source of firing) {
      if (!matchesAll(rule.sourceMatchers, source)) continue;
      if (!equalOn(source, target, rule.equal)) continue;
      if (targetIsAlsoSource && matchesAll(rule.targetMatchers, source)) continue;
      return { rule, source };
    }
  }
  return undefined;
}

export function isInhibited(target: Labels, firing: readonly Labels[], rules: readonly InhibitRule[]): boolean {
  return findInhibition(target, firing, rules) !== undefined;
}

/** The label holding the SLO id on every burnwatch alert. */
export const SLO_LABEL = 'slo';
/** The label holding the alert's severity (`page` or `ticket`). */
export const SEVERITY_LABEL = 'severity';

/**
 * The built-in rule: a firing `severity="page"` alert inhibits the `severity="ticket"` alerts of the same
 * SLO instance, i.e. equal on `slo` and on the instance labels (the SLO's `groupBy` labels, which burnwatch
 * copies onto every alert of a grouped SLO).
 *
 * Alertmanager's `equal` is one fixed list of names for all alerts, so pass the union of the `groupBy`
 * labels of every loaded SLO: two alerts of the same SLO carry the same instance label names, and the names
 * of other SLOs' instances are missing on both (equal, as "" == ""), so the union compares exactly the
 * instance labels of the SLO at hand.
 */
export function pageInhibitsTicketRule(instanceLabelNames: readonly string[]): InhibitRule {
  const names = [...new Set(instanceLabelNames.filter((n) => n !== SLO_LABEL))].sort();
  return {
    name: 'built-in: a firing page inhibits the ticket of the same SLO instance',
    sourceMatchers: [{ name: SEVERITY_LABEL, type: '=', value: 'page' }],
    targetMatchers: [{ name: SEVERITY_LABEL, type: '=', value: 'ticket' }],
    equal: [SLO_LABEL, ...names],
  };
}
