import { describe, expect, it } from 'vitest';
import { capturingLogger, contractNotification } from '../contract.js';
import type { NotifierDeps } from '../notifier.js';
import { ConsoleConfig, consoleNotifier } from './index.js';
import { renderConsoleLine } from './render.js';

/**
 * The console destination writes to a stream, not over HTTP, so the HTTP contract suite does not apply;
 * its own contract: one JSON line per send, a stable shape, a write failure is retryable, send never rejects.
 */

function deps(out: string[] | { write(text: string): unknown }): NotifierDeps {
  return {
    logger: capturingLogger(),
    secrets: () => '',
    stdout: Array.isArray(out) ? { write: (text: string) => out.push(text) } : out,
  };
}

const ctx = () => ({ signal: new AbortController().signal });

const FIRING_LINE = {
  type: 'burnwatch.notification',
  version: 1,
  receiver: 'stdout',
  id: 'ntf-0001',
  alertKey: 'checkout-availability/route="/cart"/burn/page',
  status: 'firing',
  kind: 'burn',
  severity: 'page',
  slo: { id: 'checkout-availability', name: 'availability', service: 'checkout', displayName: 'Checkout availability', objective: 99.9, period: '30d' },
  instance: { route: '/cart' },
  labels: { alertname: 'CheckoutAvailability', slo: 'checkout-availability', service: 'checkout', severity: 'page', team: 'payments', route: '/cart' },
  annotations: { summary: 'Checkout is failing requests' },
  tiers: [
    { name: 'page-1h-5m', longWindow: '1h', shortWindow: '5m', longBurnRate: 14.9, shortBurnRate: 16.2, threshold: 14.4, active: true },
    { name: 'page-6h-30m', longWindow: '6h', shortWindow: '30m', longBurnRate: 5.1, shortBurnRate: 4.8, threshold: 6, active: false },
  ],
  budget: { remaining: 0.625, timeToExhaustionMs: 187_200_000, timeToExhaustion: '2d 4h' },
  links: {
    runbook: 'https://runbooks.example.com/checkout/availability',
    sliQuery: 'http://prometheus.example.com:9090/graph?g0.expr=slo%3Asli_error%3Aratio_rate1h&g0.tab=0',
    dashboard: null,
  },
  startsAt: '2026-01-01T12:01:00.000Z',
  endsAt: null,
  resolution: null,
  createdAt: '2026-01-01T12:05:00.000Z',
};

describe('console notifier', () => {
  it('writes exactly one JSON line per notification, in a stable shape', async () => {
    const out: string[] = [];
    const notifier = consoleNotifier.create('stdout', ConsoleConfig.parse({}), deps(out));
    expect(await notifier.send(contractNotification(), ctx())).toEqual({ ok: true });
    expect(out).toHaveLength(1);
    const line = out[0]!;
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toEqual(FIRING_LINE);
    // Key order is part of the shape.
    expect(Object.keys(JSON.parse(line) as object)).toEqual(Object.keys(FIRING_LINE));
  });

  it('writes a resolve with endsAt and resolution, and keeps line breaks inside values escaped', () => {
    const n = contractNotification({
      status: 'resolved',
      endsAt: new Date('2026-01-01T13:06:00Z'),
      resolution: { firedForMs: 3_900_000, budgetSpent: 0.021 },
      annotations: { summary: 'two\nlines' },
    });
    const line = renderConsoleLine(n, 'stdout');
    expect(line.split('\n')).toHaveLength(2);
    expect(JSON.parse(line)).toMatchObject({ status: 'resolved', endsAt: '2026-01-01T13:06:00.000Z', resolution: { firedForMs: 3_900_000, budgetSpent: 0.021 }, annotations: { summary: 'two\nlines' } });
  });

  it('writes numbers JSON cannot hold the way Prometheus does', () => {
    const n = contractNotification({
      tiers: [{ name: 't', longWindow: '1h', shortWindow: '5m', longBurnRate: Infinity, shortBurnRate: Number.NaN, threshold: 14.4, active: true }],
      budget: { remaining: -Infinity, timeToExhaustionMs: null },
    });
    const record = JSON.parse(renderConsoleLine(n, 'stdout')) as typeof FIRING_LINE;
    expect(record.tiers[0]).toMatchObject({ longBurnRate: '+Inf', shortBurnRate: 'NaN' });
    expect(record.budget).toEqual({ remaining: '-Inf', timeToExhaustionMs: null, timeToExhaustion: 'not burning' });
  });

  it('turns a failing write into a retryable outcome instead of rejecting', async () => {
    const notifier = consoleNotifier.create('stdout', {}, deps({ write: () => { throw new Error('EPIPE: broken pipe'); } }));
    const outcome = await notifier.send(contractNotification(), ctx());
    expect(outcome).toMatchObject({ ok: false, retryable: true, reason: 'other' });
    expect(!outcome.ok && outcome.error.message).toMatch(/console receiver "stdout": writing to standard output failed: EPIPE/);
  });

  it('refuses to start without an output stream, and rejects settings it does not have', () => {
    expect(() => consoleNotifier.create('stdout', {}, { logger: capturingLogger(), secrets: () => '' })).toThrow(/NotifierDeps\.stdout/);
    expect(ConsoleConfig.safeParse({ pretty: true }).success).toBe(false);
  });
});
