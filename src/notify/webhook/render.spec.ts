import { describe, expect, it } from 'vitest';
import { contractNotification } from '../contract.js';
import { GO_ZERO_TIME, renderWebhookPayload } from './render.js';

// The payload's shape follows Alertmanager 0.25's webhook (version 4); fingerprint and groupKey were
// measured on Alertmanager 0.25 for these labels, and test/notify-alertmanager.spec.ts compares a whole
// payload with the one a real Alertmanager sends.

const LABELS = { alertname: 'CheckoutAvailability', slo: 'checkout-availability', service: 'checkout', severity: 'page', team: 'payments', route: '/cart' };
const SLI = 'http://prometheus.example.com:9090/graph?g0.expr=slo%3Asli_error%3Aratio_rate1h&g0.tab=0';
const ANNOTATIONS = {
  summary: 'Checkout is failing requests',
  description: 'Share of checkout requests answered without a 5xx.',
  runbook_url: 'https://runbooks.example.com/checkout/availability',
  objective: '99.9%',
  period: '30d',
  budget_remaining: '62.5%',
  time_to_exhaustion: '2d 4h',
  burn_rates: 'page-1h-5m: 14.9x / 16.2x (> 14.4x) over 1h/5m [active]; page-6h-30m: 5.1x / 4.8x (> 6x) over 6h/30m',
  sli_query_url: SLI,
};
const GROUP_KEY = '{}:{alertname="CheckoutAvailability", route="/cart", service="checkout", severity="page", slo="checkout-availability", team="payments"}';

describe('renderWebhookPayload', () => {
  it('renders a firing alert with Go\'s zero endsAt', () => {
    expect(renderWebhookPayload(contractNotification(), { receiver: 'audit', externalUrl: 'https://burnwatch.example.com' })).toEqual({
      receiver: 'audit',
      status: 'firing',
      alerts: [
        {
          status: 'firing',
          labels: LABELS,
          annotations: ANNOTATIONS,
          startsAt: '2026-01-01T12:01:00.000Z',
          endsAt: GO_ZERO_TIME,
          generatorURL: SLI,
          fingerprint: 'fae345830d190646',
        },
      ],
      groupLabels: LABELS,
      commonLabels: LABELS,
      commonAnnotations: ANNOTATIONS,
      externalURL: 'https://burnwatch.example.com',
      version: '4',
      groupKey: GROUP_KEY,
      truncatedAlerts: 0,
    });
    expect(GO_ZERO_TIME).toBe('0001-01-01T00:00:00Z');
  });

  it('renders a resolve with its end time and the full annotations', () => {
    const resolved = contractNotification({ status: 'resolved', endsAt: new Date('2026-01-01T13:06:00Z'), resolution: { firedForMs: 65 * 60_000, budgetSpent: 0.021 } });
    const payload = renderWebhookPayload(resolved, { receiver: 'audit' });
    expect(payload.status).toBe('resolved');
    expect(payload.externalURL).toBe('');
    expect(payload.alerts[0]).toMatchObject({ status: 'resolved', endsAt: '2026-01-01T13:06:00.000Z', annotations: { ...ANNOTATIONS, resolution: 'resolved after 1h 5m; it spent 2.1% of the error budget' } });
  });

  it('leaves empty labels out (as Alertmanager does) and writes an empty generatorURL without a link', () => {
    const payload = renderWebhookPayload(contractNotification({ labels: { ...LABELS, team: '' }, links: {} }), { receiver: 'audit' });
    expect(payload.alerts[0]?.labels).not.toHaveProperty('team');
    expect(payload.groupKey).not.toContain('team');
    expect(payload.alerts[0]?.generatorURL).toBe('');
  });
});
