import { formatDuration, MINUTE, SECOND } from './duration.js';

/**
 * Release gates: whether the error budget allows a deploy. Pure: the figures of the last evaluation, the
 * threshold and the time come in as arguments.
 *
 * An SLO instance is frozen when its budget left is below the threshold (`--min-budget`, else the SLO's
 * `policy.freezeBelow`, else 0), and always when the budget is exhausted (0 or less left). burnwatch never
 * answers "allowed" for an instance it cannot vouch for: not evaluated yet, its last query failed, its figures
 * are older than a few cycles, or its budget period has no events yet. Over several instances, one frozen
 * instance freezes the deploy; otherwise one unknown instance makes the answer unknown.
 */

export type GateState = 'allowed' | 'frozen' | 'unknown';

/** Where a threshold came from: the request (`--min-budget`), the SLO file (`policy.freezeBelow`) or the default (0). */
export type ThresholdSource = 'request' | 'policy' | 'default';

export interface GateThreshold {
  /** Share of the period's budget (0.25 = 25 %). */
  readonly value: number;
  readonly from: ThresholdSource;
}

/** One SLO instance as the gate sees it. */
export interface GateSubject {
  readonly sloId: string;
  /** The instance's labels ({} for an SLO without groupBy). */
  readonly labels: Readonly<Record<string, string>>;
  readonly threshold: GateThreshold;
  /** The slot of its last evaluation; undefined when it was never evaluated. */
  readonly evaluatedAtMs?: number | undefined;
  /** Why its last cycle did not evaluate it (waiting for the first cycle, a failed query); undefined when it did. */
  readonly problem?: string | undefined;
  /** Share of the period's budget left at `evaluatedAtMs` (1 = untouched, negative = overspent; NaN = none). */
  readonly budgetRemaining: number;
  /** Events (slices for timeslice budgets) counted in the budget period so far. */
  readonly events: number;
}

export interface GateVerdict {
  readonly state: GateState;
  /** Why burnwatch cannot tell (unknown only). */
  readonly why?: string;
}

/** The threshold of an SLO: the request's, else the SLO's policy, else 0 (freeze when the budget is exhausted). */
export function resolveThreshold(requested: number | undefined, policy: number | undefined): GateThreshold {
  if (requested !== undefined) return { value: requested, from: 'request' };
  if (policy !== undefined) return { value: policy, from: 'policy' };
  return { value: 0, from: 'default' };
}

/** The freeze condition: below the threshold, or exhausted whatever the threshold (NaN is never below). */
export function isBelow(remaining: number, threshold: number): boolean {
  return remaining < threshold || remaining <= 0;
}

/** Allowed, frozen or unknown, at `atMs`; figures older than `maxAgeMs` are too old to vouch for. */
export function judgeSubject(s: GateSubject, atMs: number, maxAgeMs: number): GateVerdict {
  if (s.problem !== undefined) return { state: 'unknown', why: s.problem };
  if (s.evaluatedAtMs === undefined) return { state: 'unknown', why: 'not evaluated yet' };
  const age = atMs - s.evaluatedAtMs;
  if (age > maxAgeMs) {
    return { state: 'unknown', why: `its last evaluation was ${formatAge(age)} ago (${new Date(s.evaluatedAtMs).toISOString()}): the evaluation cycle is behind (GET /readyz says why)` };
  }
  if (!Number.isFinite(s.budgetRemaining)) return { state: 'unknown', why: 'no budget figure for this instance' };
  if (s.events <= 0) return { state: 'unknown', why: 'no events in the budget period yet: the budget is not measured' };
  return { state: isBelow(s.budgetRemaining, s.threshold.value) ? 'frozen' : 'allowed' };
}

/** The answer over several instances: frozen if one is frozen, else unknown if one is unknown (or none is given), else allowed. */
export function decideGate(states: readonly GateState[]): GateState {
  if (states.includes('frozen')) return 'frozen';
  if (states.length === 0 || states.includes('unknown')) return 'unknown';
  return 'allowed';
}

/**
 * Since when the budget has been below the threshold: walks the instants (newest first) while the budget at
 * each is below it, and answers the earliest of them. `atLeast` when every instant was below (the stretch may
 * have begun earlier than the instants reach). The answer is as precise as the instants are dense.
 */
export function frozenSince(budgetAt: (atMs: number) => number, instantsNewestFirst: readonly number[], threshold: number): { sinceMs: number; atLeast: boolean } | undefined {
  const newest = instantsNewestFirst[0];
  if (newest === undefined) return undefined;
  let earliest: number | undefined;
  for (const t of instantsNewestFirst) {
    if (!isBelow(budgetAt(t), threshold)) return { sinceMs: earliest ?? newest, atLeast: false };
    earliest = t;
  }
  return { sinceMs: earliest ?? newest, atLeast: true };
}

export type BudgetShareResult = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly message: string; readonly hint: string };

const SHARE_HINT = 'write a percentage of the error budget such as 25% (or the fraction 0.25)';

/** A share of the error budget as people write it: `25%`, `2.5%`, or a fraction `0.25`; 0 to 100 %. */
export function parseBudgetShare(text: string): BudgetShareResult {
  const t = text.trim();
  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(t);
  if (percent) {
    const value = Number(percent[1]) / 100;
    return value <= 1 ? { ok: true, value } : { ok: false, message: `"${t}" is more than the whole budget: it must be at most 100%`, hint: SHARE_HINT };
  }
  if (/^(?:\d+(?:\.\d*)?|\.\d+)$/.test(t)) {
    const value = Number(t);
    if (value <= 1) return { ok: true, value };
    return { ok: false, message: `"${t}" is ambiguous: a percentage needs a % sign, a fraction is at most 1`, hint: SHARE_HINT };
  }
  return { ok: false, message: `"${t}" is not a percentage of the budget`, hint: SHARE_HINT };
}

/** A share as a percentage with at most one decimal: `25%`, `8.3%`, `-42%`. */
export function formatShare(fraction: number): string {
  return `${(fraction * 100).toFixed(1).replace(/\.0$/, '').replace(/^-0$/, '0')}%`;
}

/** One instance in an answer of the gate (`GET /api/v1/gate`): what `reasonText` puts into words. */
export interface GateReason {
  readonly slo: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly state: GateState;
  readonly budgetRemaining: number | null;
  readonly threshold: number;
  readonly thresholdFrom: ThresholdSource;
  /** RFC 3339: the first evaluation below the threshold of the current stretch (frozen only). */
  readonly since?: string | null | undefined;
  /** The stretch may have begun before `since`: the ledger reaches no further back. */
  readonly sinceAtLeast?: boolean | undefined;
  readonly why?: string | undefined;
}

const SOURCE_TEXT: Readonly<Record<ThresholdSource, string>> = {
  request: 'requested',
  policy: 'policy.freezeBelow',
  default: 'default: freeze when exhausted',
};

/** `checkout-availability{route="/cart"}`. */
export function instanceName(slo: string, labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return pairs.length === 0 ? slo : `${slo}{${pairs.join(',')}}`;
}

/** An age for people: seconds under a minute, else whole minutes (`3h10m`, `2d`). */
function formatAge(ms: number): string {
  if (ms < MINUTE) return formatDuration(Math.max(0, Math.round(ms / SECOND)) * SECOND);
  return formatDuration(Math.floor(ms / MINUTE) * MINUTE);
}

/** One line for people: which SLO instance, its budget left, the threshold and, when frozen, since when. */
export function reasonText(r: GateReason, nowMs: number): string {
  const name = instanceName(r.slo, r.labels);
  if (r.state === 'unknown' || r.budgetRemaining === null) return `${name}: cannot tell: ${r.why ?? 'no figures'}`;
  const left = `${formatShare(r.budgetRemaining)} of the error budget left`;
  const source = SOURCE_TEXT[r.thresholdFrom];
  if (r.state === 'allowed') return `${name}: ${left}, not below ${formatShare(r.threshold)} (${source})`;
  const condition = r.threshold <= 0 ? `the budget is exhausted (${source})` : `below ${formatShare(r.threshold)} (${source})`;
  const sinceMs = r.since === undefined || r.since === null ? NaN : Date.parse(r.since);
  const since = Number.isNaN(sinceMs) ? '' : ` since ${r.sinceAtLeast === true ? 'at least ' : ''}${r.since ?? ''} (${formatAge(nowMs - sinceMs)} ago)`;
  return `${name}: ${left}, ${condition}${since}`;
}
