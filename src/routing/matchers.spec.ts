import { describe, expect, it } from 'vitest';
import type { MatchType } from './matchers.js';
import { formatMatcher, matcherFromApi, matcherToApi, matches, matchesAll, parseMatcher, parseMatchers } from './matchers.js';

// Inputs and expected results follow Alertmanager's documented matcher syntax (docs/configuration.md
// `<matcher>`) and the cases of its parser tests (pkg/labels/parse_test.go).

type Parsed = readonly (readonly [string, MatchType, string])[];

function parts(text: string): Parsed | string {
  const r = parseMatchers(text);
  return r.ok ? r.value.map((m) => [m.name, m.type, m.value] as const) : r.message;
}

describe('parseMatchers', () => {
  const valid: readonly (readonly [string, Parsed])[] = [
    ['severity="page"', [['severity', '=', 'page']]],
    ['slo=~"api-.*"', [['slo', '=~', 'api-.*']]],
    ['team!="x"', [['team', '!=', 'x']]],
    ['env!~"dev|test"', [['env', '!~', 'dev|test']]],
    ['severity=page', [['severity', '=', 'page']]],
    ['{foo="bar"}', [['foo', '=', 'bar']]],
    ['{foo=""}', [['foo', '=', '']]],
    ['{foo="bar", baz!~"quux.*"}', [['foo', '=', 'bar'], ['baz', '!~', 'quux.*']]],
    ['{foo="bar,quux", job="job1"}', [['foo', '=', 'bar,quux'], ['job', '=', 'job1']]],
    ['{foo = "bar", dings != "bums", }', [['foo', '=', 'bar'], ['dings', '!=', 'bums']]],
    ['foo=bar,dings!=bums', [['foo', '=', 'bar'], ['dings', '!=', 'bums']]],
    ['{quote="She said: \\"Hi, all!\\""}', [['quote', '=', 'She said: "Hi, all!"']]],
    ['statuscode=~"5.."', [['statuscode', '=~', '5..']]],
    ['tricky=~~~', [['tricky', '=~', '~~']]],
    ['trickier==\\\\=\\=\\"', [['trickier', '=', '=\\=\\="']]],
    ['contains_quote != "\\"" , contains_comma !~ "foo,bar" , ', [['contains_quote', '!=', '"'], ['contains_comma', '!~', 'foo,bar']]],
    ['newline="a\\nb"', [['newline', '=', 'a\nb']]],
    ['name:with:colons="x"', [['name:with:colons', '=', 'x']]],
  ];
  it.each(valid)('parses %s', (text, expected) => {
    expect(parts(text)).toEqual(expected);
  });

  const invalid: readonly (readonly [string, RegExp])[] = [
    ['job=', /value is missing/],
    ['job="value', /no closing double quote/],
    ['job=value"', /unescaped double quote/],
    ['contains_unescaped_quote = foo"bar', /unescaped double quote/],
    ['{invalid-name = "valid label"}', /bad matcher/],
    ['{foo=~"invalid[regexp"}', /invalid regular expression/],
    ['"foo=\\"bar\\""', /bad matcher/],
    ['', /no matcher/],
    ['severity', /expected a label name, one of = != =~ !~, and a value/],
    ['1abc="x"', /"1abc" is not a label name/],
    ['a=~"(?m)x"', /flag group/],
  ];
  it.each(invalid)('rejects %s with a clear message', (text, message) => {
    const r = parseMatchers(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toMatch(message);
      expect(r.hint.length).toBeGreaterThan(10);
    }
  });
});

describe('matching', () => {
  const labels = { severity: 'page', slo: 'api-availability', team: 'payments', empty: '' };
  const cases: readonly (readonly [string, boolean])[] = [
    ['severity="page"', true],
    ['severity="ticket"', false],
    ['severity!="ticket"', true],
    // A missing label is the empty string.
    ['missing=""', true],
    ['missing!=""', false],
    ['missing!="x"', true],
    ['missing=~".*"', true],
    ['missing=~".+"', false],
    ['empty=""', true],
    // Regexes are fully anchored.
    ['slo=~"api-.*"', true],
    ['slo=~"api"', false],
    ['slo=~"availability"', false],
    ['slo=~".*availability"', true],
    ['slo!~"api"', true],
    ['slo=~"api-availability|other"', true],
    ['slo=~"other|api-availability"', true],
    // An alternation is inside the anchors: ^(?:a|b)$, not ^a|b$.
    ['slo=~"api|x"', false],
    ['team!~"pay.*|ops"', false],
    ['env!~"dev|test"', true],
    // Go's (?i) flag group.
    ['severity=~"(?i)PAGE"', true],
    ['severity=~"PAGE"', false],
    // Object.prototype members are not labels.
    ['constructor=""', true],
    ['toString!=""', false],
  ];
  it.each(cases)('%s -> %s', (text, expected) => {
    const r = parseMatcher(text);
    if (!r.ok) throw new Error(r.message);
    expect(matches(r.value, labels)).toBe(expected);
  });

  it('requires every matcher of a list (an empty list matches everything)', () => {
    const r = parseMatchers('severity="page", team="payments"');
    if (!r.ok) throw new Error(r.message);
    expect(matchesAll(r.value, labels)).toBe(true);
    expect(matchesAll(r.value, { ...labels, team: 'ops' })).toBe(false);
    expect(matchesAll([], {})).toBe(true);
  });
});

describe('formatting and the API shape', () => {
  it('prints matchers the way Alertmanager does', () => {
    const r = parseMatchers('a="x\\"y", b=~"5..", c!="", d!~"x|y"');
    if (!r.ok) throw new Error(r.message);
    expect(r.value.map(formatMatcher)).toEqual(['a="x\\"y"', 'b=~"5.."', 'c!=""', 'd!~"x|y"']);
  });

  it('converts from and to {name, value, isRegex, isEqual}', () => {
    const table = [
      [{ name: 'a', value: 'x', isRegex: false, isEqual: true }, 'a="x"'],
      [{ name: 'a', value: 'x', isRegex: false, isEqual: false }, 'a!="x"'],
      [{ name: 'a', value: 'x.*', isRegex: true, isEqual: true }, 'a=~"x.*"'],
      [{ name: 'a', value: 'x.*', isRegex: true, isEqual: false }, 'a!~"x.*"'],
    ] as const;
    for (const [api, text] of table) {
      const m = matcherFromApi(api);
      if (!m.ok) throw new Error(m.message);
      expect(formatMatcher(m.value)).toBe(text);
      expect(matcherToApi(m.value)).toEqual(api);
    }
    // isEqual defaults to true, as in Alertmanager.
    const m = matcherFromApi({ name: 'a', value: 'x', isRegex: true });
    expect(m.ok && formatMatcher(m.value)).toBe('a=~"x"');
    expect(matcherFromApi({ name: 'bad-name', value: 'x', isRegex: false }).ok).toBe(false);
  });
});
