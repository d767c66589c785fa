import { describe, expect, it } from 'vitest';
import type { AlertSendState } from './resend.js';
import { needsResend, RESOLVED_RETENTION_MS } from './resend.js';

// Prometheus (rules/alerting.go, v2.42.0): needsSending = ResolvedAt after LastSentAt, or
// LastSentAt + resendDelay before ts; resolved alerts are dropped once ts - ResolvedAt > 15m.

const t0 = new Date('2026-01-01T12:00:00Z');
const at = (s: number): Date => new Date(t0.getTime() + s * 1000);
const MIN = 60_000;

describe('needsResend', () => {
  const cases: readonly (readonly [string, AlertSendState, Date, boolean])[] = [
    ['firing, never sent', { status: 'firing' }, at(0), true],
    ['firing, sent 59 s ago', { status: 'firing', lastSentAt: at(0) }, at(59), false],
    ['firing, sent exactly resendDelay ago (strictly after is required)', { status: 'firing', lastSentAt: at(0) }, at(60), false],
    ['firing, sent 61 s ago', { status: 'firing', lastSentAt: at(0) }, at(61), true],
    ['resolved after the last send: at once', { status: 'resolved', resolvedAt: at(10), lastSentAt: at(0) }, at(10), true],
    ['resolved, never sent', { status: 'resolved', resolvedAt: at(10) }, at(10), true],
    ['resolved, resolve sent, within resendDelay', { status: 'resolved', resolvedAt: at(10), lastSentAt: at(10) }, at(30), false],
    ['resolved, resolve sent, re-sent after resendDelay', { status: 'resolved', resolvedAt: at(10), lastSentAt: at(10) }, at(71), true],
    ['resolved 15 min ago exactly: still re-sent', { status: 'resolved', resolvedAt: at(0), lastSentAt: at(13 * 60 + 50) }, at(15 * 60), true],
    ['resolved more than 15 min ago: never again', { status: 'resolved', resolvedAt: at(0), lastSentAt: at(14 * 60) }, at(15 * 60 + 1), false],
    ['resolved more than 15 min ago and never sent: dropped', { status: 'resolved', resolvedAt: at(0) }, at(16 * 60), false],
  ];
  it.each(cases)('%s -> %s', (_name, state, now, expected) => {
    expect(needsResend(state, now, MIN)).toBe(expected);
  });

  it('uses the given resend delay and defaults to 1m', () => {
    expect(needsResend({ status: 'firing', lastSentAt: at(0) }, at(61))).toBe(true);
    expect(needsResend({ status: 'firing', lastSentAt: at(0) }, at(61), 5 * MIN)).toBe(false);
    expect(RESOLVED_RETENTION_MS).toBe(15 * MIN);
  });
});
