import { describe, expect, it } from 'vitest';
import { contractNotification } from '../contract.js';
import type { AlertNotification } from '../notifier.js';
import { alertAnnotations, renderAlertmanagerBody, validUntil } from './render.js';

const MIN = 60_000;
const timing = { resendDelayMs: MIN, evaluationIntervalMs: MIN };

const ANNOTATIONS = {
  summary: 'Checkout is failing requests',
  description: 'Share of checkout requests answered without a 5xx.',
  runbook_url: 'https://runbooks.example.com/checkout/availability',
  objective: '99.9%',
  period: '30d',
  budget_remaining: '62.5%',
  time_to_exhaustion: '2d 4h',
  burn_rates: 'page-1h-5m: 14.9x / 16.2x (> 14.4x) over 1h/5m [active]; page-6h-30m: 5.1x / 4.8x (> 6x) over 6h/30m',
  sli_query_url: 'http://prometheus.example.com:9090/graph?g0.expr=slo%3Asli_error%3Aratio_rate1h&g0.tab=0',
};

const LABELS = { alertname: 'CheckoutAvailability', slo: 'checkout-availability', service: 'checkout', severity: 'page', team: 'payments', route: '/cart' };

describe('renderAlertmanagerBody', () => {
  it('posts a firing alert as an array with endsAt = evaluation + 4 x max(resendDelay, interval)', () => {
    // createdAt 12:05:00 + 4 x 1m = 12:09:00 (Prometheus: ValidUntil = ts + 4 * max(resend_delay, interval)).
    expect(renderAlertmanagerBody(contractNotification(), timing)).toEqual([
      {
        labels: LABELS,
        annotations: ANNOTATIONS,
        startsAt: '2026-01-01T12:01:00.000Z',
        endsAt: '2026-01-01T12:09:00.000Z',
        generatorURL: ANNOTATIONS.sli_query_url,
      },
    ]);
  });

  it('uses the longer of resendDelay and the evaluation interval', () => {
    expect(validUntil(new Date('2026-01-01T12:05:00Z'), { resendDelayMs: MIN, evaluationIntervalMs: 5 * MIN }).toISOString()).toBe('2026-01-01T12:25:00.000Z');
    expect(validUntil(new Date('2026-01-01T12:05:00Z'), { resendDelayMs: 2 * MIN, evaluationIntervalMs: 30_000 }).toISOString()).toBe('2026-01-01T12:13:00.000Z');
  });

  it('posts a resolve with endsAt = the resolve time and the FULL annotations and generatorURL again', () => {
    const resolved: AlertNotification = contractNotification({
      status: 'resolved',
      endsAt: new Date('2026-01-01T13:06:00Z'),
      resolution: { firedForMs: 65 * MIN, budgetSpent: 0.021 },
      createdAt: new Date('2026-01-01T13:06:00Z'),
    });
    const [alert] = renderAlertmanagerBody(resolved, timing);
    expect(alert).toEqual({
      labels: LABELS,
      annotations: { ...ANNOTATIONS, resolution: 'resolved after 1h 5m; it spent 2.1% of the error budget' },
      startsAt: '2026-01-01T12:01:00.000Z',
      endsAt: '2026-01-01T13:06:00.000Z',
      generatorURL: ANNOTATIONS.sli_query_url,
    });
  });

  it('drops empty-valued labels and adds an alertname when missing', () => {
    const n = contractNotification({ labels: { slo: 'x', team: '' } });
    expect(renderAlertmanagerBody(n, timing)[0]?.labels).toEqual({ slo: 'x', alertname: 'SLOBurnRate' });
  });

  it('leaves generatorURL out when there is no link (never an empty string)', () => {
    const n = contractNotification({ links: {} });
    const [alert] = renderAlertmanagerBody(n, timing);
    expect(alert).not.toHaveProperty('generatorURL');
    expect(alert?.annotations).not.toHaveProperty('runbook_url');
    expect(alert?.annotations).not.toHaveProperty('sli_query_url');
  });
});

describe('alertAnnotations', () => {
  it('summarises the alert itself when the notification carries no summary', () => {
    const n = contractNotification({ annotations: {} });
    expect(alertAnnotations(n).summary).toBe('Checkout availability: error budget burn 14.9x over 1h (threshold 14.4x), 62.5% of the budget left');
  });

  it('shows a runbook path when no base URL turned it into a link', () => {
    const n = contractNotification({ links: { runbookPath: 'runbooks/checkout.md' } });
    expect(alertAnnotations(n)).toMatchObject({ runbook: 'runbooks/checkout.md' });
    expect(alertAnnotations(n)).not.toHaveProperty('runbook_url');
  });

  it('lets the SLO\'s own annotations win, except empty ones', () => {
    const n = contractNotification({ annotations: { summary: 'custom', objective: 'custom objective', note: '' } });
    expect(alertAnnotations(n)).toMatchObject({ summary: 'custom', objective: 'custom objective' });
    expect(alertAnnotations(n)).not.toHaveProperty('note');
  });

  it('says "not burning" and leaves burn rates out for a no-data alert', () => {
    const n = contractNotification({ kind: 'nodata', tiers: [], budget: { remaining: 0.5, timeToExhaustionMs: null } });
    const a = alertAnnotations(n);
    expect(a.time_to_exhaustion).toBe('not burning');
    expect(a).not.toHaveProperty('burn_rates');
  });
});
