import type { SloStatus } from '../engine/engine.js';
import type { GateState, GateSubject, ThresholdSource } from '../slo/gate.js';
import { decideGate, judgeSubject, resolveThreshold } from '../slo/gate.js';
import type { Slo } from '../slo/model.js';

/**
 * The daemon's SLO statuses as the release gate sees them (slo/gate.ts decides): one subject per SLO instance,
 * with the figures of the last evaluation and the threshold that applies to it. Nothing here queries
 * Prometheus or the clock: the gate answers from the state of the last cycle.
 */

/** One SLO instance to judge, with the labels matchers select it by. */
export interface GateEntry {
  readonly slo: Slo;
  readonly subject: GateSubject;
  /** SLO labels, routing labels, instance labels, `slo` and `service` (as silences see an alert, without alertname and severity). */
  readonly matchLabels: Readonly<Record<string, string>>;
}

/** Figures older than three evaluation intervals and half a minute are too old to allow a deploy on. */
export function gateMaxAgeMs(intervalMs: number): number {
  return 3 * intervalMs + 30_000;
}

function statusProblem(s: SloStatus): string | undefined {
  switch (s.state) {
    case 'ok':
      return undefined;
    case 'waiting':
      return 'not evaluated yet: burnwatch is still reading its history from Prometheus (the first cycle after a start or a new SLO)';
    case 'unknown':
      return `its last evaluation failed: ${s.error ?? 'no reason given'}`;
  }
}

/** The instances of an SLO as gate subjects (an SLO without instances is one subject that cannot be judged). */
export function gateEntries(s: SloStatus, requested?: number): GateEntry[] {
  const { slo } = s;
  const threshold = resolveThreshold(requested, slo.policy?.freezeBelow);
  const problem = statusProblem(s);
  const labelsOf = (instance: Readonly<Record<string, string>>): Record<string, string> => ({ ...slo.labels, ...slo.alerting.labels, ...instance, slo: slo.id, service: slo.service });
  if (s.instances.length === 0) {
    return [{
      slo,
      matchLabels: labelsOf({}),
      subject: { sloId: slo.id, labels: {}, threshold, evaluatedAtMs: s.evaluatedAtMs, problem: problem ?? 'no data: the SLO\'s queries matched no series in the last evaluation', budgetRemaining: NaN, events: 0 },
    }];
  }
  return s.instances.map((i) => ({
    slo,
    matchLabels: labelsOf(i.labels),
    subject: {
      sloId: slo.id,
      labels: i.labels,
      threshold,
      evaluatedAtMs: s.evaluatedAtMs,
      ...(problem === undefined ? {} : { problem }),
      budgetRemaining: i.observation.budget.remaining,
      events: i.observation.budget.events,
    },
  }));
}

/** The `gate` field of an SLO in `GET /api/v1/slos`: its state under its own threshold, and that threshold. */
export function sloGateJson(s: SloStatus, nowMs: number, maxAgeMs: number): { state: GateState; freezeBelow: number; thresholdFrom: ThresholdSource } {
  const threshold = resolveThreshold(undefined, s.slo.policy?.freezeBelow);
  const state = decideGate(gateEntries(s).map((e) => judgeSubject(e.subject, nowMs, maxAgeMs).state));
  return { state, freezeBelow: threshold.value, thresholdFrom: threshold.from };
}
