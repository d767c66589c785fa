import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { validateEvent } from '../../../test/support/pagerduty-emulator.js';
import { contractNotification } from '../contract.js';
import type { AlertNotification } from '../notifier.js';
import { PagerDutyConfig } from './config.js';
import { PD_LIMITS, alertDedupKey, pagerDutyDedupKey, pagerDutySeverity, renderPagerDutyResolve, renderPagerDutyTrigger } from './render.js';

/**
 * Expected events are written by hand from the Events API v2 trigger format (PagerDuty developer docs
 * 02-Trigger-Events.md) and the notification, not copied from the renderer's output.
 */

const OPTIONS = { severity: 'critical', source: 'burnwatch', client: 'burnwatch', clientUrl: 'https://burnwatch.example.com/' } as const;
const KEY = 'abcdefghijklmnopqrstuvwxyz012345';

describe('renderPagerDutyTrigger', () => {
  it('builds the whole trigger event', () => {
    expect(renderPagerDutyTrigger(contractNotification(), OPTIONS)).toEqual({
      event_action: 'trigger',
      dedup_key: 'checkout-availability{route="/cart"}/page',
      payload: {
        summary: '[PAGE] Checkout availability (checkout-availability, route=/cart): error budget burn 14.9x over 1h (threshold 14.4x), 62.5% of the budget left',
        source: 'burnwatch',
        severity: 'critical',
        timestamp: '2026-01-01T12:05:00.000Z',
        component: 'checkout',
        group: 'checkout-availability',
        class: 'error budget burn',
        custom_details: {
          slo: 'checkout-availability',
          slo_name: 'Checkout availability',
          service: 'checkout',
          alert: 'error budget burn',
          severity: 'page',
          objective: '99.9%',
          period: '30d',
          budget_remaining: '62.5%',
          time_to_exhaustion: '2d 4h',
          tiers: {
            'page-1h-5m': {
              burn_rates: '14.9x / 16.2x (> 14.4x) over 1h/5m',
              long_window: '1h',
              short_window: '5m',
              long_burn_rate: 14.9,
              short_burn_rate: 16.2,
              threshold: 14.4,
              active: true,
            },
            'page-6h-30m': {
              burn_rates: '5.1x / 4.8x (> 6x) over 6h/30m',
              long_window: '6h',
              short_window: '30m',
              long_burn_rate: 5.1,
              short_burn_rate: 4.8,
              threshold: 6,
              active: false,
            },
          },
          instance: { route: '/cart' },
          labels: { alertname: 'CheckoutAvailability', slo: 'checkout-availability', service: 'checkout', severity: 'page', team: 'payments', route: '/cart' },
          description: 'Share of checkout requests answered without a 5xx.',
          started_at: '2026-01-01T12:01:00.000Z',
        },
      },
      links: [
        { href: 'https://runbooks.example.com/checkout/availability', text: 'Runbook' },
        { href: 'http://prometheus.example.com:9090/graph?g0.expr=slo%3Asli_error%3Aratio_rate1h&g0.tab=0', text: 'SLI query (Prometheus)' },
      ],
      client: 'burnwatch',
      client_url: 'https://burnwatch.example.com/',
    });
  });

  it('lists in custom_details only the annotations shown nowhere else', () => {
    const n = contractNotification({ annotations: { summary: 'the engine summary', description: 'Share of checkout requests answered without a 5xx.', runbook_url: 'https://runbooks.example.com/x', team: 'payments' } });
    const details = renderPagerDutyTrigger(n, OPTIONS).payload.custom_details;
    expect(details.annotations).toEqual({ team: 'payments' });
    expect(details.description).toBe('Share of checkout requests answered without a 5xx.');
  });

  it('uses the dedup_key it is given (the key of the open incident)', () => {
    expect(renderPagerDutyTrigger(contractNotification(), { ...OPTIONS, dedupKey: 'checkout-availability/{"route":"/cart"}/page' }).dedup_key).toBe('checkout-availability/{"route":"/cart"}/page');
  });

  it('passes the emulator\'s validation of the real API rules', () => {
    expect(validateEvent({ routing_key: KEY, ...renderPagerDutyTrigger(contractNotification(), OPTIONS) })).toEqual([]);
  });

  it('cuts the summary to 1024 characters', () => {
    const n = contractNotification({ slo: { ...contractNotification().slo, displayName: 'y'.repeat(2000) } });
    const summary = renderPagerDutyTrigger(n, OPTIONS).payload.summary;
    expect(summary).toHaveLength(1024);
    expect(summary.startsWith('[PAGE] yyy')).toBe(true);
    expect(summary.endsWith('y…')).toBe(true);
  });

  it('does not split a surrogate pair when cutting the summary', () => {
    const n = contractNotification({ slo: { ...contractNotification().slo, displayName: '🔥'.repeat(1000) } });
    const summary = renderPagerDutyTrigger(n, OPTIONS).payload.summary;
    expect(summary.length).toBeLessThanOrEqual(1024);
    expect(summary.endsWith('🔥…')).toBe(true);
  });

  it('links only http(s) URLs and shows a runbook path in custom_details', () => {
    const event = renderPagerDutyTrigger(contractNotification({ links: { runbook: 'javascript:alert(1)', runbookPath: 'runbooks/x.md' } }), OPTIONS);
    expect(event.links).toBeUndefined();
    expect(event.payload.custom_details.runbook).toBe('runbooks/x.md');
  });

  it('leaves client_url out when not configured and writes infinite burn rates as +Inf', () => {
    const n = contractNotification({ tiers: [{ name: 't', longWindow: '1h', shortWindow: '5m', longBurnRate: Infinity, shortBurnRate: Number.NaN, threshold: 14.4, active: true }] });
    const event = renderPagerDutyTrigger(n, { severity: 'error', source: 's', client: 'c' });
    expect('client_url' in event).toBe(false);
    expect(event.payload.custom_details.tiers).toEqual({
      t: { burn_rates: '+Inf / NaN (> 14.4x) over 1h/5m', long_window: '1h', short_window: '5m', long_burn_rate: '+Inf', short_burn_rate: 'NaN', threshold: 14.4, active: true },
    });
  });

  it('drops custom_details when the event would exceed 512 KB', () => {
    const n = contractNotification({ labels: { big: 'z'.repeat(600_000) } });
    const event = renderPagerDutyTrigger(n, OPTIONS);
    expect(event.payload.custom_details).toEqual({ note: "custom_details left out: the event would exceed PagerDuty's 512 KB limit", slo: 'checkout-availability' });
    expect(Buffer.byteLength(JSON.stringify({ routing_key: KEY, ...event }))).toBeLessThanOrEqual(PD_LIMITS.eventBytes);
    expect(event.links).toHaveLength(2);
  });
});

describe('alertDedupKey', () => {
  it.each([
    [{}, 'burn', 'page', 'checkout-availability/page'],
    [{}, 'burn', 'ticket', 'checkout-availability/ticket'],
    [{}, 'nodata', 'ticket', 'checkout-availability/nodata'],
    [{}, 'exhaustion', 'page', 'checkout-availability/exhaustion'],
    [{ route: '/cart' }, 'burn', 'page', 'checkout-availability{route="/cart"}/page'],
    [{ route: '/cart', method: 'GET' }, 'burn', 'page', 'checkout-availability{method="GET", route="/cart"}/page'],
    [{ tenant: 'a"b' }, 'nodata', 'page', 'checkout-availability{tenant="a\\"b"}/nodata'],
  ] as const)('instance %j, %s/%s -> %s', (instance, kind, severity, expected) => {
    expect(alertDedupKey(contractNotification({ instance, kind, severity }))).toBe(expected);
  });
});

describe('pagerDutyDedupKey', () => {
  it('is the alert key when it fits in 255 characters', () => {
    expect(pagerDutyDedupKey('checkout-availability/route="/cart"/burn/page')).toBe('checkout-availability/route="/cart"/burn/page');
    const exactly = 'k'.repeat(255);
    expect(pagerDutyDedupKey(exactly)).toBe(exactly);
  });

  it('is 255 characters, stable and distinct for longer keys', () => {
    const a = `slo/${'x'.repeat(300)}/burn/page`;
    const b = `slo/${'x'.repeat(300)}/burn/ticket`;
    const keyA = pagerDutyDedupKey(a);
    expect(keyA).toHaveLength(255);
    expect(keyA).toBe(`${a.slice(0, 190)}~${createHash('sha256').update(a).digest('hex')}`);
    expect(pagerDutyDedupKey(a)).toBe(keyA);
    expect(pagerDutyDedupKey(b)).not.toBe(keyA);
  });
});

describe('pagerDutySeverity', () => {
  const defaults = PagerDutyConfig.parse({ routingKey: { env: 'K' } }).severityMap;
  const n = (kind: AlertNotification['kind'], severity: AlertNotification['severity']): AlertNotification => contractNotification({ kind, severity });

  it.each([
    ['burn', 'page', 'critical'],
    ['burn', 'ticket', 'warning'],
    ['nodata', 'page', 'warning'],
    ['nodata', 'ticket', 'warning'],
    ['exhaustion', 'page', 'critical'],
    ['exhaustion', 'ticket', 'warning'],
  ] as const)('default map: %s/%s -> %s', (kind, severity, expected) => {
    expect(pagerDutySeverity(n(kind, severity), defaults)).toBe(expected);
  });

  it('uses the configured map', () => {
    const map = PagerDutyConfig.parse({ routingKey: { env: 'K' }, severityMap: { ticket: 'info', nodata: 'error', exhaustion: 'error' } }).severityMap;
    expect(map).toEqual({ page: 'critical', ticket: 'info', nodata: 'error', exhaustion: 'error' });
    expect(pagerDutySeverity(n('burn', 'ticket'), map)).toBe('info');
    expect(pagerDutySeverity(n('nodata', 'page'), map)).toBe('error');
    expect(pagerDutySeverity(n('exhaustion', 'page'), map)).toBe('error');
  });
});

describe('renderPagerDutyResolve', () => {
  it('carries only the action and the dedup_key', () => {
    expect(renderPagerDutyResolve('checkout-availability/route="/cart"/burn/page')).toEqual({ event_action: 'resolve', dedup_key: 'checkout-availability/route="/cart"/burn/page' });
  });
});
