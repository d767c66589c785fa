import { describe, expect, it } from 'vitest';
import type { GateReason, GateSubject } from './gate.js';
import { decideGate, formatShare, frozenSince, isBelow, judgeSubject, parseBudgetShare, reasonText, resolveThreshold } from './gate.js';

const T = Date.parse('2026-11-22T12:00:00Z');
const MIN = 60_000;
const MAX_AGE = 2 * MIN;

function subject(over: Partial<GateSubject> = {}): GateSubject {
  return {
    sloId: 'checkout-availability',
    labels: {},
    threshold: { value: 0.25, from: 'request' },
    evaluatedAtMs: T - 30_000,
    budgetRemaining: 0.6,
    events: 1_000,
    ...over,
  };
}

describe('parseBudgetShare', () => {
  it.each([
    ['25%', 0.25],
    ['2.5%', 0.025],
    ['0%', 0],
    ['100%', 1],
    [' 10 % ', 0.1],
    ['0.25', 0.25],
    ['.5', 0.5],
    ['0', 0],
    ['1', 1],
  ])('reads %j as the fraction %d', (text, fraction) => {
    const r = parseBudgetShare(text);
    expect(r.ok && r.value).toBeCloseTo(fraction, 12);
  });

  it.each([
    ['25', 'ambiguous'],
    ['150%', 'at most 100%'],
    ['-5%', 'a percentage'],
    ['1.5', 'ambiguous'],
    ['ten', 'a percentage'],
    ['', 'a percentage'],
    ['25%%', 'a percentage'],
    ['NaN', 'a percentage'],
  ])('refuses %j with a hint', (text, words) => {
    const r = parseBudgetShare(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toContain(words);
      expect(r.hint).toMatch(/25%/);
    }
  });
});

describe('isBelow: the freeze condition', () => {
  it.each([
    [0.3, 0.25, false],
    [0.25, 0.25, false], // exactly at the threshold: still allowed
    [0.2499, 0.25, true],
    [0.01, 0, false],
    [0, 0, true], // an exhausted budget always freezes
    [-0.4, 0, true],
    [1, 1, false],
    [0.999, 1, true],
    [Number.NaN, 0.25, false],
  ])('%d left with threshold %d: %s', (remaining, threshold, below) => {
    expect(isBelow(remaining, threshold)).toBe(below);
  });
});

describe('resolveThreshold', () => {
  it('takes the request over the policy over the default (exhausted)', () => {
    expect(resolveThreshold(0.25, 0.1)).toEqual({ value: 0.25, from: 'request' });
    expect(resolveThreshold(undefined, 0.1)).toEqual({ value: 0.1, from: 'policy' });
    expect(resolveThreshold(undefined, undefined)).toEqual({ value: 0, from: 'default' });
    expect(resolveThreshold(0, 0.5)).toEqual({ value: 0, from: 'request' });
  });
});

describe('judgeSubject', () => {
  it.each<[string, Partial<GateSubject>, string, RegExp | undefined]>([
    ['budget above the threshold', {}, 'allowed', undefined],
    ['budget below the threshold', { budgetRemaining: 0.1 }, 'frozen', undefined],
    ['budget exhausted with the default threshold', { budgetRemaining: -0.2, threshold: { value: 0, from: 'default' } }, 'frozen', undefined],
    ['never evaluated', { evaluatedAtMs: undefined, problem: 'waiting for its first evaluation' }, 'unknown', /first evaluation/],
    ['evaluated long ago (cycle stuck)', { evaluatedAtMs: T - 10 * MIN }, 'unknown', /10m ago/],
    ['its last query failed', { problem: 'Prometheus at http://prom:9090 answered 503' }, 'unknown', /503/],
    ['a failed query even with a low last-known budget', { problem: 'timeout', budgetRemaining: 0.01 }, 'unknown', /timeout/],
    ['no events in the budget period', { events: 0, budgetRemaining: 1 }, 'unknown', /no events/],
    ['a budget that is not a number', { budgetRemaining: Number.NaN }, 'unknown', /no budget figure/],
  ])('%s: %s', (_name, over, state, why) => {
    const v = judgeSubject(subject(over), T, MAX_AGE);
    expect(v.state).toBe(state);
    if (why === undefined) expect(v.why).toBeUndefined();
    else expect(v.why).toMatch(why);
  });

  it('counts the age from the time given, not from any clock', () => {
    const s = subject({ evaluatedAtMs: T });
    expect(judgeSubject(s, T + MAX_AGE, MAX_AGE).state).toBe('allowed');
    expect(judgeSubject(s, T + MAX_AGE + 1, MAX_AGE).state).toBe('unknown');
  });
});

describe('decideGate', () => {
  it.each<[string, ('allowed' | 'frozen' | 'unknown')[], 'allowed' | 'frozen' | 'unknown']>([
    ['every instance allowed', ['allowed', 'allowed'], 'allowed'],
    ['one frozen', ['allowed', 'frozen'], 'frozen'],
    ['one unknown, none frozen', ['allowed', 'unknown'], 'unknown'],
    ['frozen wins over unknown (known to be below)', ['unknown', 'frozen'], 'frozen'],
    ['nothing selected', [], 'unknown'],
  ])('%s', (_name, states, decision) => {
    expect(decideGate(states)).toBe(decision);
  });
});

describe('frozenSince', () => {
  // Budget as a function of time: 1 until 10:00, then falling 10 points per 10 minutes.
  const budgetAt = (t: number): number => Math.min(1, 1 - (t - Date.parse('2026-11-22T10:00:00Z')) / (100 * MIN));
  const every = (fromMs: number, toMs: number, stepMs: number): number[] => {
    const out: number[] = [];
    for (let t = toMs; t >= fromMs; t -= stepMs) out.push(t);
    return out;
  };

  it('is the first instant of the current stretch below the threshold', () => {
    // Below 25 % from 11:15 on (strictly below after 11:15).
    const since = frozenSince(budgetAt, every(T - 3 * 3_600_000, T, 30_000), 0.25);
    expect(since).toEqual({ sinceMs: Date.parse('2026-11-22T11:15:30Z'), atLeast: false });
  });

  it('is only as precise as the instants it is given', () => {
    const since = frozenSince(budgetAt, every(T - 3 * 3_600_000, T, 3_600_000), 0.25);
    expect(since).toEqual({ sinceMs: T, atLeast: false });
  });

  it('says "at least" when every instant it can look at is below', () => {
    const since = frozenSince(budgetAt, every(T - 20 * MIN, T, 30_000), 0.25);
    expect(since).toEqual({ sinceMs: T - 20 * MIN, atLeast: true });
  });

  it('starts a new stretch after a recovery', () => {
    // Below until 10:30, above from 10:30 to 11:00, below again from 11:00.
    const wave = (t: number): number => (t < T - 90 * MIN ? 0.1 : t < T - 60 * MIN ? 0.5 : 0.1);
    expect(frozenSince(wave, every(T - 3 * 3_600_000, T, MIN), 0.25)).toEqual({ sinceMs: T - 60 * MIN, atLeast: false });
  });

  it('answers the newest instant when the newest figure is not below', () => {
    expect(frozenSince(() => 0.9, [T, T - MIN], 0.25)).toEqual({ sinceMs: T, atLeast: false });
    expect(frozenSince(() => 0.9, [], 0.25)).toBeUndefined();
  });
});

describe('formatShare and reasonText', () => {
  it.each([
    [0.25, '25%'],
    [0.083, '8.3%'],
    [0.0834, '8.3%'],
    [0.025, '2.5%'],
    [-0.42, '-42%'],
    [1, '100%'],
  ])('formatShare(%d) = %s', (n, text) => {
    expect(formatShare(n)).toBe(text);
  });

  const base: GateReason = { slo: 'checkout-availability', labels: {}, state: 'frozen', budgetRemaining: 0.083, threshold: 0.25, thresholdFrom: 'request' };

  it('names the SLO, the budget left, the threshold and since when a frozen instance is below', () => {
    expect(reasonText({ ...base, since: '2026-11-22T08:50:00Z', sinceAtLeast: false }, T))
      .toBe('checkout-availability: 8.3% of the error budget left, below 25% (requested) since 2026-11-22T08:50:00Z (3h10m ago)');
    expect(reasonText({ ...base, labels: { route: '/cart' }, thresholdFrom: 'policy', since: '2026-11-20T12:00:00Z', sinceAtLeast: true }, T))
      .toBe('checkout-availability{route="/cart"}: 8.3% of the error budget left, below 25% (policy.freezeBelow) since at least 2026-11-20T12:00:00Z (2d ago)');
    expect(reasonText({ ...base, budgetRemaining: -0.5, threshold: 0, thresholdFrom: 'default', since: '2026-11-22T11:59:30Z', sinceAtLeast: false }, T))
      .toBe('checkout-availability: -50% of the error budget left, the budget is exhausted (default: freeze when exhausted) since 2026-11-22T11:59:30Z (30s ago)');
  });

  it('says why when it cannot tell, and what is left when allowed', () => {
    expect(reasonText({ ...base, state: 'unknown', budgetRemaining: null, why: 'waiting for its first evaluation' }, T))
      .toBe('checkout-availability: cannot tell: waiting for its first evaluation');
    expect(reasonText({ ...base, state: 'allowed', budgetRemaining: 0.6 }, T))
      .toBe('checkout-availability: 60% of the error budget left, not below 25% (requested)');
  });
});
