import { describe, expect, it } from 'vitest';
import type { AlertInput, AlertInstance, AlertPhase, AlertEffect } from './state.js';
import { INITIAL_ALERT, nextAlertState } from './state.js';
import { decideDelivery } from './delivery-decision.js';

const MIN = 60_000;
const T0 = Date.parse('2026-11-24T10:00:00Z');

type Obs = boolean | 'unknown' | 'frozen';

/** Steps the state machine one minute at a time over the observations; returns phases and effects. */
function run(observed: readonly Obs[], opts: { forMs?: number; keepFiringForMs?: number } = {}): { phases: AlertPhase[]; effects: (AlertEffect | '-')[]; last: AlertInstance } {
  let state = INITIAL_ALERT;
  const phases: AlertPhase[] = [];
  const effects: (AlertEffect | '-')[] = [];
  observed.forEach((o, i) => {
    const input: AlertInput = {
      conditions: [{ name: 'page-1h-5m', holds: o === true, forMs: opts.forMs ?? 0 }],
      unknown: o === 'unknown',
      frozen: o === 'frozen',
      keepFiringForMs: opts.keepFiringForMs ?? 0,
    };
    const step = nextAlertState(state, input, T0 + i * MIN);
    state = step.next;
    phases.push(state.phase);
    effects.push(step.effect ?? '-');
  });
  return { phases, effects, last: state };
}

describe('alerting/state', () => {
  it('fires at once without for, as Sloth rules do, and resolves when the burn stops', () => {
    const r = run([false, true, true, false]);
    expect(r.phases).toEqual(['inactive', 'firing', 'firing', 'inactive']);
    expect(r.effects).toEqual(['-', 'fire', '-', 'resolve']);
  });

  it('waits for `for` in pending, and a short blip never fires', () => {
    expect(run([true, true, true, false], { forMs: 2 * MIN }).phases).toEqual(['pending', 'pending', 'firing', 'inactive']);
    const blip = run([true, false, true, false], { forMs: 2 * MIN });
    expect(blip.phases).toEqual(['pending', 'inactive', 'pending', 'inactive']);
    expect(blip.effects).not.toContain('fire');
  });

  it('keeps firing for keepFiringFor after the burn stops (counted from the first clear evaluation, as Prometheus), then resolves', () => {
    const r = run([true, false, false, false], { keepFiringForMs: 2 * MIN });
    expect(r.phases).toEqual(['firing', 'firing', 'firing', 'inactive']);
    expect(r.effects).toEqual(['fire', '-', '-', 'resolve']);
    // A burn that returns within keepFiringFor continues the same episode.
    const back = run([true, false, true, false, false, false], { keepFiringForMs: 2 * MIN });
    expect(back.effects).toEqual(['fire', '-', '-', '-', '-', 'resolve']);
  });

  it('never resolves on missing data: a firing alert becomes nodata and resolves only when data shows no burn', () => {
    const r = run([true, 'unknown', 'unknown', true, 'unknown', false]);
    expect(r.phases).toEqual(['firing', 'nodata', 'nodata', 'firing', 'nodata', 'inactive']);
    expect(r.effects).toEqual(['fire', '-', '-', '-', '-', 'resolve']);
  });

  it('keeps the firing start through nodata, so the episode is not paged twice', () => {
    const r = run([true, 'unknown', true]);
    expect(r.last.firedAtMs).toBe(T0);
    expect(r.effects.filter((e) => e === 'fire')).toHaveLength(1);
  });

  it('holds its state inside a maintenance window', () => {
    const r = run([true, 'frozen', 'frozen', true, false]);
    expect(r.phases).toEqual(['firing', 'firing', 'firing', 'firing', 'inactive']);
    const quiet = run(['frozen', 'frozen']);
    expect(quiet.phases).toEqual(['inactive', 'inactive']);
  });

  it('fires when any tier has held for its own for', () => {
    let state = INITIAL_ALERT;
    const conditions = (a: boolean, b: boolean) => [
      { name: 'page-1h-5m', holds: a, forMs: 5 * MIN },
      { name: 'page-6h-30m', holds: b, forMs: 0 },
    ];
    const phases: AlertPhase[] = [];
    for (const [i, [a, b]] of [[true, false], [true, false], [true, true]].entries()) {
      state = nextAlertState(state, { conditions: conditions(a ?? false, b ?? false), unknown: false, frozen: false, keepFiringForMs: 0 }, T0 + i * MIN).next;
      phases.push(state.phase);
    }
    expect(phases).toEqual(['pending', 'pending', 'firing']);
  });
});

describe('alerting/delivery-decision', () => {
  const firing: AlertInstance = { phase: 'firing', since: {}, firedAtMs: T0, changedAtMs: T0 };
  const inactive: AlertInstance = { phase: 'inactive', since: {}, changedAtMs: T0 };

  it('sends a firing notification once, when not suppressed', () => {
    expect(decideDelivery(firing, 'fire', false, false)).toEqual({ send: 'firing', notified: true });
    expect(decideDelivery(firing, undefined, true, false)).toEqual({ notified: true });
  });

  it('holds a suppressed (inhibited or silenced) alert and sends it when the suppression ends and it still fires', () => {
    expect(decideDelivery(firing, 'fire', false, true)).toEqual({ notified: false });
    expect(decideDelivery(firing, undefined, false, false)).toEqual({ send: 'firing', notified: true });
  });

  it('sends a resolve only for an alert whose firing was sent, even when suppressed', () => {
    expect(decideDelivery(inactive, 'resolve', true, true)).toEqual({ send: 'resolved', notified: false });
    expect(decideDelivery(inactive, 'resolve', false, false)).toEqual({ notified: false });
  });
});
