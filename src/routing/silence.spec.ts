import { describe, expect, it } from 'vitest';
import { parseMatchers } from './matchers.js';
import type { Silence } from './silence.js';
import { isSilenced, silencesFor, silenceState, validateSilence } from './silence.js';

const t = (iso: string): Date => new Date(iso);

function silence(id: string, matchers: string, startsAt: string, endsAt: string): Silence {
  const parsed = parseMatchers(matchers);
  if (!parsed.ok) throw new Error(parsed.message);
  return { id, matchers: parsed.value, startsAt: t(startsAt), endsAt: t(endsAt) };
}

describe('silence state over [startsAt, endsAt)', () => {
  const s = silence('a', 'slo="checkout"', '2026-01-01T10:00:00Z', '2026-01-01T12:00:00Z');
  const cases: readonly (readonly [string, string])[] = [
    ['2026-01-01T09:59:59.999Z', 'pending'],
    ['2026-01-01T10:00:00.000Z', 'active'],
    ['2026-01-01T11:59:59.999Z', 'active'],
    ['2026-01-01T12:00:00.000Z', 'expired'],
    ['2026-01-02T00:00:00.000Z', 'expired'],
  ];
  it.each(cases)('at %s it is %s', (at, state) => {
    expect(silenceState(s, t(at))).toBe(state);
  });
});

describe('isSilenced', () => {
  const silences = [
    silence('checkout', 'slo="checkout"', '2026-01-01T10:00:00Z', '2026-01-01T12:00:00Z'),
    silence('api-pages', 'slo=~"api-.*", severity="page"', '2026-01-01T10:00:00Z', '2026-01-01T12:00:00Z'),
    silence('later', 'slo="search"', '2026-01-01T13:00:00Z', '2026-01-01T14:00:00Z'),
    silence('no-team', 'team="", slo="billing"', '2026-01-01T10:00:00Z', '2026-01-01T12:00:00Z'),
  ];
  const at = t('2026-01-01T11:00:00Z');
  const cases: readonly (readonly [Record<string, string>, readonly string[]])[] = [
    [{ slo: 'checkout', severity: 'page' }, ['checkout']],
    [{ slo: 'api-latency', severity: 'page' }, ['api-pages']],
    [{ slo: 'api-latency', severity: 'ticket' }, []],
    // Anchored: "xapi-latency" is not matched by api-.*
    [{ slo: 'xapi-latency', severity: 'page' }, []],
    // Not active yet.
    [{ slo: 'search' }, []],
    // A missing label matches team="".
    [{ slo: 'billing' }, ['no-team']],
    [{ slo: 'billing', team: 'x' }, []],
  ];
  it.each(cases)('%j is muted by %j', (labels, ids) => {
    expect(silencesFor(labels, silences, at).map((s) => s.id)).toEqual(ids);
    expect(isSilenced(labels, silences, at)).toBe(ids.length > 0);
  });
});

describe('validateSilence', () => {
  const start = t('2026-01-01T10:00:00Z');
  const end = t('2026-01-01T12:00:00Z');

  it('accepts a valid silence and returns its matchers', () => {
    const r = validateSilence({ matchers: ['slo="checkout"', 'env!~"dev|test"'], startsAt: start, endsAt: end });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.matchers.map((x) => x.name)).toEqual(['slo', 'env']);
  });

  it('accepts a silence whose only matcher is negative (Alertmanager does)', () => {
    expect(validateSilence({ matchers: ['team!="payments"'], startsAt: start, endsAt: end }).ok).toBe(true);
  });

  const invalid: readonly (readonly [string, Parameters<typeof validateSilence>[0], readonly (readonly [string, RegExp])[]])[] = [
    ['no matcher', { matchers: [], startsAt: start, endsAt: end }, [['matchers', /at least one matcher/]]],
    ['a bad regex, located', { matchers: ['slo="a"', 'env=~"dev|(test"'], startsAt: start, endsAt: end }, [['matchers[1]', /invalid regular expression/]]],
    ['a bad matcher syntax', { matchers: ['slo'], startsAt: start, endsAt: end }, [['matchers[0]', /bad matcher/]]],
    ['matchers that all match the empty string', { matchers: ['slo=~".*"', 'team=""'], startsAt: start, endsAt: end }, [['matchers', /would mute every alert/]]],
    ['end before start', { matchers: ['slo="a"'], startsAt: end, endsAt: start }, [['endsAt', /must be after startsAt/]]],
    ['end equal to start', { matchers: ['slo="a"'], startsAt: start, endsAt: start }, [['endsAt', /must be after startsAt/]]],
    ['invalid dates', { matchers: ['slo="a"'], startsAt: t('nope'), endsAt: t('nope') }, [['startsAt', /not a valid time/], ['endsAt', /not a valid time/]]],
    ['several problems at once', { matchers: [], startsAt: end, endsAt: start }, [['matchers', /at least one/], ['endsAt', /after/]]],
  ];
  it.each(invalid)('rejects %s', (_name, draft, expected) => {
    const r = validateSilence(draft);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.field)).toEqual(expected.map(([field]) => field));
    r.problems.forEach((p, i) => {
      expect(p.message).toMatch(expected[i]![1]);
      expect(p.hint).not.toBe('');
    });
  });
});
