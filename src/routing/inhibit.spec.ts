import { describe, expect, it } from 'vitest';
import type { InhibitRule } from './inhibit.js';
import { findInhibition, isInhibited, pageInhibitsTicketRule } from './inhibit.js';
import type { Matcher } from './matchers.js';
import { parseMatchers } from './matchers.js';

function m(text: string): Matcher[] {
  const r = parseMatchers(text);
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

function rule(name: string, source: string, target: string, equal: string[]): InhibitRule {
  return { name, sourceMatchers: m(source), targetMatchers: m(target), equal };
}

// The firing alerts and expectations of Alertmanager's inhibit/inhibit_test.go (v0.25):
// sourceAlert1 matches only rule 1's source side; sourceAlert2 matches rule 2's source AND target sides.
const firing = [
  { s1: '1', t1: '2', e: '1' },
  { s2: '1', t2: '1', e: '1' },
];

describe('inhibition (TestInhibitRuleMatches)', () => {
  const rules = [rule('r1', 's1="1"', 't1="1"', ['e']), rule('r2', 's2="1"', 't2="1"', ['e'])];
  const cases: readonly (readonly [string, Record<string, string>, boolean])[] = [
    ['matches the target side of rule 1', { t1: '1', e: '1' }, true],
    ['matches the target side of rule 2', { t2: '1', e: '1' }, true],
    ['matches rule 1 plus noise', { t1: '1', t3: '1', e: '1' }, true],
    ['matches rules 1 and 2', { t1: '1', t2: '1', e: '1' }, true],
    ['matches no target side', { t1: '0', e: '1' }, false],
    ['matches both sides of rule 1; the source matches only the source side', { s1: '1', t1: '1', e: '1' }, true],
    ['matches both sides of rule 2; so does the only source', { s2: '1', t2: '1', e: '1' }, false],
    ['equal label differs', { t1: '1', e: '0' }, false],
  ];
  it.each(cases)('%s', (_name, target, expected) => {
    expect(isInhibited(target, firing, rules)).toBe(expected);
  });
});

describe('inhibition with mixed matcher types (TestInhibitRuleMatchers)', () => {
  const rules = [rule('r1', 's1="1"', 't1!="1"', ['e']), rule('r2', 's2="1"', 't2="1"', ['e'])];
  const cases: readonly (readonly [Record<string, string>, boolean])[] = [
    [{ t1: '1', e: '1' }, false],
    [{ t2: '1', e: '1' }, true],
    [{ t1: '1', t3: '1', e: '1' }, false],
    [{ t1: '1', t2: '1', e: '1' }, true],
    [{ t1: '0', e: '1' }, true],
    [{ s1: '1', t1: '1', e: '1' }, false],
    [{ s2: '1', t2: '1', e: '1' }, true],
    [{ t1: '1', e: '0' }, false],
  ];
  it.each(cases)('%j -> %s', (target, expected) => {
    expect(isInhibited(target, firing, rules)).toBe(expected);
  });
});

describe('inhibition details', () => {
  const r = rule('r', 's="1"', 't="1"', ['e']);

  it('needs a firing source: none, none after it resolved (TestInhibit)', () => {
    expect(isInhibited({ t: '1', e: 'f' }, [], [r])).toBe(false);
    expect(isInhibited({ t: '1', e: 'f' }, [{ s: '1', e: 'f' }], [r])).toBe(true);
    // The source itself is not muted by the rule.
    expect(isInhibited({ s: '1', e: 'f' }, [{ s: '1', e: 'f' }], [r])).toBe(false);
  });

  it('treats a missing equal label as the empty string on both sides', () => {
    expect(isInhibited({ t: '1' }, [{ s: '1' }], [r])).toBe(true);
    expect(isInhibited({ t: '1', e: '' }, [{ s: '1' }], [r])).toBe(true);
    expect(isInhibited({ t: '1', e: 'x' }, [{ s: '1' }], [r])).toBe(false);
  });

  it('names the rule and the source that mute', () => {
    expect(findInhibition({ t: '1', e: 'f' }, [{ s: '1', e: 'g' }, { s: '1', e: 'f' }], [r])).toEqual({ rule: r, source: { s: '1', e: 'f' } });
  });

  it('does not inhibit an alert that matches both sides by itself', () => {
    const both = rule('both', 'severity="page"', 'severity=~"page|ticket"', ['slo']);
    const page = { severity: 'page', slo: 'a' };
    expect(isInhibited(page, [page], [both])).toBe(false);
  });
});

describe('built-in rule: a firing page inhibits the ticket of the same SLO instance', () => {
  // Two SLOs: checkout grouped by route, search not grouped; the union of instance labels is [route].
  const builtIn = pageInhibitsTicketRule(['route', 'slo']);
  const page = (slo: string, extra: Record<string, string> = {}): Record<string, string> => ({ alertname: 'SLOBurn', slo, severity: 'page', ...extra });
  const ticket = (slo: string, extra: Record<string, string> = {}): Record<string, string> => ({ alertname: 'SLOBurn', slo, severity: 'ticket', ...extra });

  it('compares slo and the instance labels', () => {
    expect(builtIn.equal).toEqual(['slo', 'route']);
    expect(builtIn.sourceMatchers.map((x) => `${x.name}${x.type}${x.value}`)).toEqual(['severity=page']);
    expect(builtIn.targetMatchers.map((x) => `${x.name}${x.type}${x.value}`)).toEqual(['severity=ticket']);
  });

  const cases: readonly (readonly [string, Record<string, string>, readonly Record<string, string>[], boolean])[] = [
    ['same SLO, same instance', ticket('checkout', { route: '/cart' }), [page('checkout', { route: '/cart' })], true],
    ['same SLO, other instance', ticket('checkout', { route: '/cart' }), [page('checkout', { route: '/pay' })], false],
    ['other SLO', ticket('checkout', { route: '/cart' }), [page('search')], false],
    ['ungrouped SLO (no instance labels on either)', ticket('search'), [page('search')], true],
    ['ungrouped SLO, another SLO pages', ticket('search'), [page('checkout', { route: '/cart' })], false],
    ['a page is never inhibited by the rule', page('search'), [page('search')], false],
    ['no firing page', ticket('search'), [ticket('search')], false],
  ];
  it.each(cases)('%s', (_name, target, sources, expected) => {
    expect(isInhibited(target, sources, [builtIn])).toBe(expected);
  });
});
