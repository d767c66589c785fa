import { describe, expect, it } from 'vitest';
import { formatLabelSet, labelValue, labelsFingerprint, withoutEmptyLabels } from './labels.js';

// Expected fingerprints and group keys were measured on Alertmanager 0.25 (prometheus-alertmanager
// 0.25.0-1+b4): POST /api/v2/alerts, then GET /api/v2/alerts and the webhook payload's groupKey.

describe('labelsFingerprint (Alertmanager model.LabelSet.Fingerprint)', () => {
  const cases: readonly (readonly [Record<string, string>, string])[] = [
    [{ alertname: 'CheckoutAvailability', slo: 'checkout-availability', service: 'checkout', severity: 'page', team: 'payments', route: '/cart' }, 'fae345830d190646'],
    // Multi-byte UTF-8 and a quote in a value.
    [{ alertname: 'X', a: 'é"b' }, 'e3dcc96e37ca0b5d'],
    [{ a1: 'x', a: 'y', alertname: 'Z' }, 'e0a73794f3818388'],
    // Alertmanager drops empty-valued labels before fingerprinting.
    [{ a1: 'x', a: 'y', alertname: 'Z', b: '' }, 'e0a73794f3818388'],
    // The empty label set hashes to the FNV-1a 64 offset basis.
    [{}, 'cbf29ce484222325'],
  ];
  it.each(cases)('%j -> %s', (labels, fingerprint) => {
    expect(labelsFingerprint(labels)).toBe(fingerprint);
  });
});

describe('formatLabelSet (Prometheus LabelSet.String)', () => {
  it('sorts the name="value" strings, not the names', () => {
    expect(formatLabelSet({ a1: 'x', a: 'y', alertname: 'Z' })).toBe('{a1="x", a="y", alertname="Z"}');
    expect(formatLabelSet({ alertname: 'X', a: 'é"b' })).toBe('{a="é\\"b", alertname="X"}');
    expect(formatLabelSet({})).toBe('{}');
  });
});

describe('label lookups', () => {
  it('treats a missing label, an empty one and prototype members alike', () => {
    expect(labelValue({ a: '1' }, 'a')).toBe('1');
    expect(labelValue({ a: '' }, 'a')).toBe('');
    expect(labelValue({}, 'a')).toBe('');
    expect(labelValue({}, 'constructor')).toBe('');
    expect(withoutEmptyLabels({ a: '1', b: '' })).toEqual({ a: '1' });
  });
});
