import { describe, expect, it } from 'vitest';
import { sloModel } from '../../test/support/slo-model.js';
import { renderPagerDutyTrigger } from '../notify/pagerduty/render.js';
import { renderSlackFiring } from '../notify/slack/render.js';
import { DAY, HOUR, MINUTE } from '../slo/duration.js';
import type { Observation, TierObservation } from '../slo/evaluate.js';
import type { Slo, Tier } from '../slo/model.js';
import type { BuildArgs, TierStatus } from './notification.js';
import { buildNotification, leadingTier } from './notification.js';

/**
 * Notifications as the engine builds them, checked through to what Slack and PagerDuty receive. Expected
 * links and texts are written by hand from the tier windows and the message design.
 */

const AT = Date.parse('2026-03-02T10:00:00Z');

/** A tier, as an SLO's alerting policy lists it. */
function tier(severity: Tier['severity'], longMs: number, shortMs: number, factor: number): Tier {
  const name = `${severity}-${longMs / MINUTE}m-${shortMs / MINUTE}m`;
  return { name, severity, longMs, shortMs, factor, forMs: 0 };
}

/** What the evaluation saw for a tier: burn rates given by hand, active when both exceed the threshold. */
function seen(t: Tier, longBurnRate: number, shortBurnRate: number): TierObservation {
  const active = longBurnRate > t.factor && shortBurnRate > t.factor;
  return {
    name: t.name,
    severity: t.severity,
    longMs: t.longMs,
    shortMs: t.shortMs,
    longRatio: longBurnRate / 1000,
    shortRatio: shortBurnRate / 1000,
    longBurnRate,
    shortBurnRate,
    threshold: t.factor,
    active,
    longEvents: 1000,
    qualifies: active,
    forMs: 0,
  };
}

function observation(tiers: readonly TierObservation[], remaining = 0.625): Observation {
  return {
    atMs: AT,
    tiers,
    raw: { page: tiers.some((t) => t.severity === 'page' && t.active), ticket: tiers.some((t) => t.severity === 'ticket' && t.active) },
    unknown: false,
    budget: { remaining, consumed: 1 - remaining, timeToExhaustionMs: 3 * HOUR, errorRatio: 0.0004, events: 1e6, periodStartMs: AT - DAY, periodEndMs: AT },
    currentBurnRate: 20,
  };
}

function args(slo: Slo, obs: Observation, over: Partial<BuildArgs> = {}): BuildArgs {
  return {
    id: 'n-1',
    slo,
    instance: {},
    instanceKey: '{}',
    kind: 'burn',
    severity: 'page',
    status: 'firing',
    obs,
    firedAtMs: AT - 2 * MINUTE,
    links: { prometheusUrl: 'https://prom.example.com/prometheus/', runbookBaseUrl: 'https://git.example.com/slos/blob/main/' },
    atMs: AT,
    ...over,
  };
}

/** The path of a link and its query parameters in order. */
function parts(link: string | undefined): { path: string; params: [string, string][] } {
  const url = new URL(link ?? 'missing:');
  return { path: `${url.origin}${url.pathname}`, params: [...url.searchParams] };
}

// A 1-day SLO: its workbook tiers scaled by 1/30 (1h/5m -> 2m/1m, 6h/30m -> 12m/1m).
const DAY_PAGE_FAST = tier('page', 2 * MINUTE, MINUTE, 14.4);
const DAY_PAGE_SLOW = tier('page', 12 * MINUTE, MINUTE, 6);
const oneDay = sloModel({ id: 'login-availability', period: { kind: 'rolling', durationMs: DAY } }, { tiers: [DAY_PAGE_FAST, DAY_PAGE_SLOW], runbook: 'runbooks/login.md' });

// The 30-day workbook page tiers.
const FAST = tier('page', HOUR, 5 * MINUTE, 14.4);
const SLOW = tier('page', 6 * HOUR, 30 * MINUTE, 6);
const thirtyDays = sloModel({}, { tiers: [FAST, SLOW] });

const ERRORS = 'http_requests_total{job="checkout",code=~"5.."}';
const TOTAL = 'http_requests_total{job="checkout"}';
const ratio = (window: string): string => `(sum(rate(${ERRORS}[${window}])))\n/\n(sum(rate(${TOTAL}[${window}])))`;

describe('the SLI link of a notification', () => {
  it("graphs the firing tier's long and short windows: a 1-day SLO paging on 2m/1m", () => {
    const n = buildNotification(args(oneDay, observation([seen(DAY_PAGE_FAST, 30, 40), seen(DAY_PAGE_SLOW, 5, 40)])));
    expect(parts(n.links.sliQuery)).toEqual({
      path: 'https://prom.example.com/prometheus/graph',
      params: [
        ['g0.expr', ratio('2m')],
        ['g0.tab', '0'],
        ['g0.range_input', '1h'],
        ['g1.expr', ratio('1m')],
        ['g1.tab', '0'],
        ['g1.range_input', '1h'],
      ],
    });
  });

  it('takes the tier that fires, not the first one: a 30-day SLO paging on 6h/30m', () => {
    const n = buildNotification(args(thirtyDays, observation([seen(FAST, 3, 2), seen(SLOW, 7, 8)])));
    expect(parts(n.links.sliQuery).params).toEqual([
      ['g0.expr', ratio('6h')],
      ['g0.tab', '0'],
      ['g0.range_input', '1d'],
      ['g1.expr', ratio('30m')],
      ['g1.tab', '0'],
      ['g1.range_input', '1d'],
    ]);
  });

  it('of two firing tiers takes the one burning faster over its long window', () => {
    const n = buildNotification(args(thirtyDays, observation([seen(FAST, 20, 25), seen(SLOW, 9, 8)])));
    expect(parts(n.links.sliQuery).params.filter(([k]) => k.endsWith('.expr'))).toEqual([['g0.expr', ratio('1h')], ['g1.expr', ratio('5m')]]);
    expect(parts(n.links.sliQuery).params.find(([k]) => k === 'g0.range_input')).toEqual(['g0.range_input', '4h']);
  });

  it('is left out without a Prometheus URL', () => {
    const n = buildNotification(args(thirtyDays, observation([seen(FAST, 20, 25)]), { links: {} }));
    expect(n.links.sliQuery).toBeUndefined();
  });
});

describe('what Slack and PagerDuty receive for a notification the engine built', () => {
  const described = sloModel(
    { id: 'checkout-availability', displayName: 'Checkout availability', description: 'Share of checkout requests answered without a 5xx.' },
    { tiers: [FAST, SLOW], runbook: 'runbooks/checkout.md' },
  );
  const firing = buildNotification(args(described, observation([seen(FAST, 14.9, 16.2), seen(SLOW, 5.1, 4.8)])));

  it('shows the description once and no summary the text already gives', () => {
    const message = renderSlackFiring(firing);
    const json = JSON.stringify(message.blocks);
    expect(json.split('Share of checkout requests answered without a 5xx.')).toHaveLength(2);
    expect(json).not.toContain('error budget burning at');
  });

  it('puts the SLO, severity, burn rate, budget left and runbook URL in the text phones show', () => {
    expect(renderSlackFiring(firing).text).toBe(
      '[PAGE] Checkout availability (checkout-availability): error budget burn 14.9x over 1h (threshold 14.4x), 62.5% of the budget left. ' +
        'Runbook: <https://git.example.com/slos/blob/main/runbooks/checkout.md>',
    );
  });

  it('gives PagerDuty a dedup_key without the empty instance `{}`', () => {
    const event = renderPagerDutyTrigger(firing, { severity: 'critical', source: 'burnwatch', client: 'burnwatch' });
    expect(event.dedup_key).toBe('checkout-availability/page');
    expect(event.payload.summary).toBe('[PAGE] Checkout availability (checkout-availability): error budget burn 14.9x over 1h (threshold 14.4x), 62.5% of the budget left');
  });
});

describe('leadingTier', () => {
  const tier = (name: string, longBurnRate: number, active: boolean): TierStatus => ({ name, longWindow: '1h', shortWindow: '5m', longBurnRate, shortBurnRate: 0, threshold: 1, active });

  it('prefers the active tier with the highest long burn rate', () => {
    expect(leadingTier([tier('a', 20, false), tier('b', 7, true), tier('c', 9, true)])?.name).toBe('c');
  });

  it('falls back to the highest long burn rate when none is active, and to undefined without tiers', () => {
    expect(leadingTier([tier('a', 2, false), tier('b', 3, false)])?.name).toBe('b');
    expect(leadingTier([])).toBeUndefined();
  });
});
