import type { InhibitRule } from '../routing/inhibit.js';
import { isInhibited } from '../routing/inhibit.js';
import type { Labels } from '../routing/labels.js';
import type { Silence } from '../routing/silence.js';
import { isSilenced } from '../routing/silence.js';
import type { Observation } from '../slo/evaluate.js';
import { compositionHeights, parentsOf } from '../slo/composite.js';
import type { Severity, Slo } from '../slo/model.js';
import { decideDelivery } from './delivery-decision.js';
import type { AlertKind } from './identity.js';
import { alertKey, alertLabels } from './identity.js';
import type { AlertNotification, LinkSettings } from './notification.js';
import { buildNotification } from './notification.js';
import type { FiringAlert } from './sink.js';
import type { AlertInput, AlertInstance, AlertPhase, Condition } from './state.js';
import { INITIAL_ALERT, isFiringEpisode, nextAlertState } from './state.js';

/**
 * One evaluation cycle of every alert: from the alerts as the last cycle left them and what this cycle observed
 * of each SLO instance, the next alert states and the notifications to send. Pure: the time, the observations,
 * silences and inhibit rules all come in as arguments; the caller stores the result in one transaction.
 *
 * Per instance: the page alert advances first; the ticket alert of the same instance is held while the page
 * fires (the built-in inhibition); then the no-data and budget-exhaustion alerts. A state change is notified
 * unless suppressed (see `decideDelivery`); an alert that fires and was notified is handed on as a reminder
 * candidate (the outbox knows when a reminder is due), its notification built only if one is.
 *
 * Composite SLOs with `inhibitChildren`: while a composite's page fires (its firing episode, this cycle's state),
 * the page of each child instance with the same labels is held: its state advances and is stored as not
 * notified, and it is sent when the composite resolves if it still fires (as a ticket held by its page).
 * Composites are advanced before their children, so a composite of composites holds its grandchildren too.
 */

/** An alert as it is kept between cycles: its state machine, whether its firing was notified, the budget when it fired. */
export interface StoredAlert {
  readonly alertKey: string;
  readonly sloId: string;
  readonly instanceLabels: Readonly<Record<string, string>>;
  readonly kind: string;
  readonly severity: string;
  readonly state: AlertInstance;
  readonly notified: boolean;
  readonly budgetAtFire?: number;
  readonly updatedMs: number;
}

/** A change of an alert's phase, kept as its history. */
export interface AlertTransition {
  readonly alertKey: string;
  readonly sloId: string;
  readonly atMs: number;
  readonly from: AlertPhase;
  readonly to: AlertPhase;
}

/** Silences and the routing file's inhibit rules, as they are at the cycle's instant. */
export interface Suppression {
  readonly silences: readonly Silence[];
  readonly inhibitRules: readonly InhibitRule[];
}

/** One SLO instance as this cycle observed it. */
export interface ObservedInstance {
  readonly slo: Slo;
  /** The instance's key (its labels' canonical JSON) and labels. */
  readonly key: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly observation: Observation;
  /** Inside a maintenance window or a budget correction: every alert of the instance holds its state. */
  readonly frozen: boolean;
}

export interface CycleInput {
  readonly atMs: number;
  readonly instances: readonly ObservedInstance[];
  /** Alerts as the last cycle left them, by alert key. */
  readonly alerts: ReadonlyMap<string, StoredAlert>;
  /** The SLOs by id: the labels of the alerts that fire before this cycle (the sources of inhibit rules). */
  readonly slos: ReadonlyMap<string, Slo>;
  /** Silences and inhibit rules; none without a destination to deliver to. */
  readonly suppression?: Suppression;
  /** Whether firing alerts are handed on as reminder candidates (the sink takes a heartbeat). */
  readonly reminders: boolean;
  readonly links: LinkSettings;
}

/**
 * The phases an instance's alerts show after inhibition (a ticket held by a firing page shows `inactive`, and so
 * does a page held by its composite's page).
 */
export interface InstanceAlerts {
  readonly alerts: Readonly<Record<Severity, AlertPhase>>;
  /** The composite whose firing page holds this instance's page. */
  readonly pageHeldBy?: string;
  readonly nodata?: AlertPhase;
  readonly exhaustion?: AlertPhase;
}

export interface CycleDecision {
  /** Alerts whose state or notified mark changed, as they are to be stored. */
  readonly changed: readonly StoredAlert[];
  readonly transitions: readonly AlertTransition[];
  /** The state changes to deliver now. */
  readonly notifications: readonly AlertNotification[];
  /** Alerts that fire, were notified and are not suppressed: what reminders and re-posts are decided on. */
  readonly firing: readonly FiringAlert[];
  /** Per instance of the input, in its order. */
  readonly instances: readonly InstanceAlerts[];
}

/** The labels of a stored alert, as routing sees them (an SLO that is gone: what the alert itself holds). */
export function storedAlertLabels(a: StoredAlert, slo: Slo | undefined): Record<string, string> {
  if (!slo) return { slo: a.sloId, severity: a.severity, ...a.instanceLabels };
  return alertLabels(slo, a.instanceLabels, a.kind as AlertKind, a.severity === 'ticket' ? 'ticket' : 'page');
}

export function advanceAlerts(input: CycleInput): CycleDecision {
  const { atMs, suppression } = input;
  const next = new Map<string, StoredAlert>();
  const changed: StoredAlert[] = [];
  const transitions: AlertTransition[] = [];
  const notifications: AlertNotification[] = [];
  const firing: FiringAlert[] = [];
  // Inhibit rules match against the alerts that fired and were notified before this cycle.
  let sources: Labels[] | undefined;
  const firingBefore = (): Labels[] => {
    sources ??= [...input.alerts.values()].filter((a) => a.notified && isFiringEpisode(a.state)).map((a) => storedAlertLabels(a, input.slos.get(a.sloId)));
    return sources;
  };
  const suppressedBy = (labels: Labels): boolean => {
    if (suppression === undefined) return false;
    if (isSilenced(labels, suppression.silences, new Date(atMs))) return true;
    return suppression.inhibitRules.length > 0 && isInhibited(labels, firingBefore(), suppression.inhibitRules);
  };

  const advance = (inst: ObservedInstance, kind: AlertKind, severity: Severity, alertInput: AlertInput, inhibited: boolean): AlertInstance => {
    const { slo, observation: obs } = inst;
    const key = alertKey(slo.id, inst.key, kind, severity);
    const prev = input.alerts.get(key);
    const prevState = prev?.state ?? INITIAL_ALERT;
    const step = nextAlertState(prevState, alertInput, atMs);
    const labels = alertLabels(slo, inst.labels, kind, severity);
    const suppressed = inhibited || suppressedBy(labels);
    const decision = decideDelivery(step.next, step.effect, prev?.notified ?? false, suppressed);
    const budgetAtFire = step.effect === 'fire' ? obs.budget.remaining : prev?.budgetAtFire;
    const build = (status: 'firing' | 'resolved'): AlertNotification => buildNotification({
      id: `${key}@${atMs}/${status}`,
      slo,
      instance: inst.labels,
      instanceKey: inst.key,
      kind,
      severity,
      status,
      obs,
      firedAtMs: step.next.firedAtMs ?? prevState.firedAtMs ?? atMs,
      ...(status === 'resolved' ? { resolvedAtMs: atMs } : {}),
      ...(budgetAtFire === undefined ? {} : { budgetAtFire }),
      links: input.links,
      atMs,
    });
    if (decision.send) notifications.push(build(decision.send));
    else if (input.reminders && decision.notified && step.next.phase === 'firing' && !suppressed) firing.push({ alertKey: key, labels, notification: () => build('firing') });
    const stateChanged = prev === undefined ? step.next.phase !== 'inactive' : JSON.stringify(prev.state) !== JSON.stringify(step.next) || prev.notified !== decision.notified;
    if (stateChanged) {
      const stored: StoredAlert = {
        alertKey: key,
        sloId: slo.id,
        instanceLabels: inst.labels,
        kind,
        severity,
        state: step.next,
        notified: decision.notified,
        ...(budgetAtFire === undefined ? {} : { budgetAtFire }),
        updatedMs: atMs,
      };
      next.set(key, stored);
      changed.push(stored);
      if (prevState.phase !== step.next.phase) transitions.push({ alertKey: key, sloId: slo.id, atMs, from: prevState.phase, to: step.next.phase });
    }
    return step.next;
  };

  // Composites first (highest first), so their pages of this cycle decide whether their children's are held.
  const heights = compositionHeights(input.slos);
  const parents = parentsOf(input.slos.values());
  const pagesFiring = new Map<string, boolean>();
  const pageFiringOf = (sloId: string, instanceKey: string): boolean => {
    const now = pagesFiring.get(`${sloId}\u0000${instanceKey}`);
    if (now !== undefined) return now;
    const before = input.alerts.get(alertKey(sloId, instanceKey, 'burn', 'page'));
    return before !== undefined && isFiringEpisode(before.state);
  };
  const holder = (inst: ObservedInstance): string | undefined => (parents.get(inst.slo.id) ?? []).find((id) => {
    const parent = input.slos.get(id);
    return parent?.alerting.inhibitChildren === true && parent.alerting.page.enabled && pageFiringOf(id, inst.key);
  });
  const order = input.instances.map((inst, i) => ({ i, h: heights.get(inst.slo.id) ?? 0 })).sort((a, b) => b.h - a.h || a.i - b.i);
  const results: InstanceAlerts[] = new Array<InstanceAlerts>(input.instances.length);
  for (const { i } of order) {
    const inst = input.instances[i];
    if (inst !== undefined) results[i] = advanceInstance(inst);
  }

  function advanceInstance(inst: ObservedInstance): InstanceAlerts {
    const { slo, observation: obs, frozen } = inst;
    const policy = slo.alerting;
    const heldBy = policy.page.enabled ? holder(inst) : undefined;
    const pageState = policy.page.enabled ? advance(inst, 'burn', 'page', burnInput(obs, 'page', frozen, slo), heldBy !== undefined) : INITIAL_ALERT;
    // The page of an instance inhibits its ticket while it fires (also while its data is missing).
    const pageFiring = policy.page.enabled && isFiringEpisode(pageState);
    pagesFiring.set(`${slo.id}\u0000${inst.key}`, pageFiring);
    const ticketRaw = policy.ticket.enabled ? advance(inst, 'burn', 'ticket', burnInput(obs, 'ticket', frozen, slo), pageFiring).phase : 'inactive';
    const ticket: AlertPhase = pageFiring && ticketRaw === 'firing' ? 'inactive' : ticketRaw;
    const page: AlertPhase = heldBy !== undefined && pageState.phase === 'firing' ? 'inactive' : pageState.phase;
    const nodata = policy.noDataAfterMs === undefined ? undefined : advance(inst, 'nodata', policy.noDataSeverity ?? 'ticket', {
      conditions: [{ name: 'nodata', holds: obs.unknown, forMs: policy.noDataAfterMs }],
      unknown: false,
      frozen,
      keepFiringForMs: 0,
    }, false).phase;
    const exhaustion = policy.exhaustion === undefined ? undefined : advance(inst, 'exhaustion', policy.exhaustion.severity, {
      conditions: [{ name: 'exhaustion', holds: obs.budget.events > 0 && obs.budget.remaining <= policy.exhaustion.threshold, forMs: 0 }],
      unknown: obs.unknown && obs.budget.events === 0,
      frozen,
      keepFiringForMs: 0,
    }, false).phase;
    return {
      alerts: { page, ticket },
      ...(heldBy !== undefined && pageState.phase === 'firing' ? { pageHeldBy: heldBy } : {}),
      ...(nodata === undefined ? {} : { nodata }),
      ...(exhaustion === undefined ? {} : { exhaustion }),
    };
  }
  return { changed, transitions, notifications, firing, instances: results };
}

/** The burn-rate alert's input: the tiers of its severity, each with its own `for`. */
function burnInput(obs: Observation, severity: Severity, frozen: boolean, slo: Slo): AlertInput {
  const conditions: Condition[] = obs.tiers
    .filter((t) => t.severity === severity)
    .map((t) => ({ name: t.name, holds: t.qualifies, forMs: t.forMs }));
  return { conditions, unknown: obs.unknown, frozen, keepFiringForMs: slo.alerting.keepFiringForMs };
}

/**
 * The resolve of an alert whose SLO was removed (while its firing was notified): nothing was observed, so the
 * budget is the one it had when it fired.
 */
export function removalNotification(slo: Slo, a: StoredAlert, atMs: number, links: LinkSettings): AlertNotification {
  const obs: Observation = {
    atMs,
    tiers: [],
    raw: { page: false, ticket: false },
    unknown: true,
    budget: { remaining: a.budgetAtFire ?? 1, consumed: 0, timeToExhaustionMs: null, errorRatio: NaN, events: 0, periodStartMs: atMs, periodEndMs: atMs },
    currentBurnRate: NaN,
  };
  return {
    ...buildNotification({
      id: `${a.alertKey}@${atMs}/removed`,
      slo,
      instance: a.instanceLabels,
      instanceKey: JSON.stringify(a.instanceLabels),
      kind: a.kind as AlertKind,
      severity: a.severity === 'ticket' ? 'ticket' : 'page',
      status: 'resolved',
      obs,
      firedAtMs: a.state.firedAtMs ?? atMs,
      resolvedAtMs: atMs,
      links,
      atMs,
    }),
    alertKey: a.alertKey,
  };
}
