/**
 * The alert state machine of one alert (an SLO instance and a severity, or its no-data / exhaustion alert):
 * the next state from the previous one, what was observed, the time and the policy. Pure.
 *
 * - inactive -> pending when a condition holds that has a `for`; -> firing when one holds for its `for`.
 * - firing stays firing while any condition holds, and for `keepFiringFor` after the last one cleared.
 * - Missing data never resolves: the alert goes to `nodata` and remembers whether it was firing; when data
 *   returns it resolves only if the burn has stopped.
 * - While frozen (a maintenance window) nothing changes.
 */

export type AlertPhase = 'inactive' | 'pending' | 'firing' | 'nodata';

export interface AlertInstance {
  readonly phase: AlertPhase;
  /** Since when each currently true condition (tier) has held. */
  readonly since: Readonly<Record<string, number>>;
  /** Start of the current firing episode (kept through `nodata`). */
  readonly firedAtMs?: number;
  readonly resolvedAtMs?: number;
  /** When the conditions first cleared while firing (keepFiringFor counts from here, as in Prometheus). */
  readonly clearedAtMs?: number;
  /** Since when data has been missing (phase nodata). */
  readonly nodataSinceMs?: number;
  /** Last time the alert's state changed. */
  readonly changedAtMs: number;
}

export const INITIAL_ALERT: AlertInstance = { phase: 'inactive', since: {}, changedAtMs: 0 };

export interface Condition {
  readonly name: string;
  readonly holds: boolean;
  readonly forMs: number;
}

export interface AlertInput {
  readonly conditions: readonly Condition[];
  /** No data: conditions cannot be evaluated. */
  readonly unknown: boolean;
  /** Inside a maintenance window: hold the state. */
  readonly frozen: boolean;
  readonly keepFiringForMs: number;
}

export type AlertEffect = 'fire' | 'resolve';

export interface AlertStep {
  readonly next: AlertInstance;
  readonly effect?: AlertEffect;
}

export function isFiringEpisode(a: AlertInstance): boolean {
  return a.firedAtMs !== undefined && (a.phase === 'firing' || a.phase === 'nodata');
}

export function nextAlertState(prev: AlertInstance, input: AlertInput, atMs: number): AlertStep {
  if (input.frozen) return { next: prev };
  const wasFiring = isFiringEpisode(prev);

  if (input.unknown) {
    if (prev.phase === 'nodata') return { next: prev };
    return {
      next: {
        phase: 'nodata',
        since: {},
        ...(wasFiring ? { firedAtMs: prev.firedAtMs } : {}),
        ...(prev.resolvedAtMs === undefined ? {} : { resolvedAtMs: prev.resolvedAtMs }),
        nodataSinceMs: atMs,
        changedAtMs: atMs,
      },
    };
  }

  const since: Record<string, number> = {};
  for (const c of input.conditions) if (c.holds) since[c.name] = prev.since[c.name] ?? atMs;
  const anyHolds = Object.keys(since).length > 0;
  const ready = input.conditions.some((c) => c.holds && atMs - (since[c.name] ?? atMs) >= c.forMs);
  const base = { since, ...(prev.resolvedAtMs === undefined ? {} : { resolvedAtMs: prev.resolvedAtMs }) };

  if (wasFiring) {
    const firedAtMs = prev.firedAtMs ?? atMs;
    const changedAtMs = prev.phase === 'firing' ? prev.changedAtMs : atMs;
    if (anyHolds) return { next: { ...base, phase: 'firing', firedAtMs, changedAtMs } };
    const clearedAtMs = prev.clearedAtMs ?? atMs;
    if (input.keepFiringForMs > 0 && atMs - clearedAtMs < input.keepFiringForMs) {
      return { next: { ...base, phase: 'firing', firedAtMs, clearedAtMs, changedAtMs } };
    }
    return { next: { since: {}, phase: 'inactive', resolvedAtMs: atMs, changedAtMs: atMs }, effect: 'resolve' };
  }

  if (ready) return { next: { ...base, phase: 'firing', firedAtMs: atMs, changedAtMs: atMs }, effect: 'fire' };
  if (anyHolds) return { next: { ...base, phase: 'pending', changedAtMs: prev.phase === 'pending' ? prev.changedAtMs : atMs } };
  return { next: { ...base, phase: 'inactive', changedAtMs: prev.phase === 'inactive' ? prev.changedAtMs : atMs } };
}
